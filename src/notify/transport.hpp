// Network delivery through libcurl: SMTP submission and HTTP POST. The free functions are
// thread-safe and each uses its own connection; an SmtpSession keeps one connection for many
// messages. Every call blocks for at most its timeout.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"

namespace liaison::notify {

// Sends `message` (a complete RFC 5322 message with CRLF line ends) through the SMTP server of
// `mail` (smtp_url, starttls, username, password) from `envelope_from` to `envelope_to`.
// Returns invalid_argument for a bad mail configuration and unavailable, with the server's or
// libcurl's words, when the server cannot be reached or refuses the message.
Status SendSmtp(const MailConfig& mail, const std::string& envelope_from,
                const std::string& envelope_to, const std::string& message, int timeout_seconds);

// One SMTP connection reused for successive messages (the next MAIL FROM follows the previous
// message's end of DATA on the same connection); it reconnects by itself when the server closed
// it. Not thread-safe: one per delivery worker.
class SmtpSession {
 public:
  SmtpSession();
  ~SmtpSession();
  SmtpSession(const SmtpSession&) = delete;
  SmtpSession& operator=(const SmtpSession&) = delete;

  // As SendSmtp, on this session's connection (opened on first use).
  Status Send(const MailConfig& mail, const std::string& envelope_from,
              const std::string& envelope_to, const std::string& message, int timeout_seconds);

  // Closes the connection (QUIT) if one is open; the next Send opens a new one.
  void Close();

 private:
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

// POSTs `body` to `url` (http or https only, no redirects) with `headers` ("Name: value").
// Returns the HTTP status code, or unavailable when no answer arrived within the timeout.
Result<long> PostHttp(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, int timeout_seconds);

}  // namespace liaison::notify
