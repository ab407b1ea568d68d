#include "notify/transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

namespace liaison::notify {
namespace {

void InitCurl() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using CurlHandle = std::unique_ptr<CURL, CurlDeleter>;
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

// Appends `item` to `list`, keeping ownership in the unique_ptr.
bool Append(Slist& list, const std::string& item) {
  curl_slist* next = curl_slist_append(list.get(), item.c_str());
  if (next == nullptr) return false;
  (void)list.release();
  list.reset(next);
  return true;
}

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  std::size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::memcpy(buffer, upload->data->data() + upload->offset, n);
  upload->offset += n;
  return n;
}

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) { return size * count; }

std::string CurlMessage(CURLcode code, const char* detail) {
  std::string message = curl_easy_strerror(code);
  if (detail != nullptr && detail[0] != '\0') message += ": " + std::string(detail);
  return message;
}

// Checks the parts of `mail` SMTP delivery needs and returns the CURLOPT_USE_SSL level.
Result<long> SmtpSecurity(const MailConfig& mail) {
  if (mail.smtp_url.empty()) {
    return Error::InvalidArgument("e-mail delivery is not configured (mail.smtp_url is empty)",
                                  "mail.smtp_url");
  }
  if (!mail.smtp_url.starts_with("smtp://") && !mail.smtp_url.starts_with("smtps://")) {
    return Error::InvalidArgument("mail.smtp_url must start with smtp:// or smtps://",
                                  "mail.smtp_url");
  }
  if (mail.starttls == "none") return static_cast<long>(CURLUSESSL_NONE);
  if (mail.starttls == "required") return static_cast<long>(CURLUSESSL_ALL);
  if (mail.starttls == "opportunistic") return static_cast<long>(CURLUSESSL_TRY);
  return Error::InvalidArgument("mail.starttls must be none, opportunistic or required",
                                "mail.starttls");
}

}  // namespace

struct SmtpSession::Handle {
  CurlHandle curl;
};

SmtpSession::SmtpSession() = default;

SmtpSession::~SmtpSession() = default;

void SmtpSession::Close() { handle_.reset(); }

Status SmtpSession::Send(const MailConfig& mail, const std::string& envelope_from,
                         const std::string& envelope_to, const std::string& message,
                         int timeout_seconds) {
  ASSIGN_OR_RETURN(long use_ssl, SmtpSecurity(mail));
  InitCurl();
  if (!handle_) {
    CurlHandle curl(curl_easy_init());
    if (!curl) return Error::Internal("curl_easy_init failed");
    handle_ = std::make_unique<Handle>(Handle{std::move(curl)});
  }
  // The easy handle keeps its connection between transfers; the options are set afresh for each
  // message since they point at this call's buffers.
  CURL* c = handle_->curl.get();
  curl_easy_reset(c);
  Slist recipients;
  if (!Append(recipients, "<" + envelope_to + ">")) return Error::Internal("out of memory");
  Upload upload{&message};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  std::string from = "<" + envelope_from + ">";
  curl_easy_setopt(c, CURLOPT_URL, mail.smtp_url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
  if (!mail.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, mail.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, mail.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(timeout_seconds, 10)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  CURLcode code = curl_easy_perform(c);
  // The options must not outlive the buffers they point at.
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, nullptr);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  if (code != CURLE_OK) {
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    std::string message_text = "SMTP: " + CurlMessage(code, error_buffer);
    if (response != 0) message_text += " (last reply " + std::to_string(response) + ")";
    // A connection in an unknown state is not reused.
    Close();
    return Error::Unavailable(message_text);
  }
  return OkStatus();
}

Status SendSmtp(const MailConfig& mail, const std::string& envelope_from,
                const std::string& envelope_to, const std::string& message, int timeout_seconds) {
  SmtpSession session;
  return session.Send(mail, envelope_from, envelope_to, message, timeout_seconds);
}

Result<long> PostHttp(const std::string& url,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, int timeout_seconds) {
  InitCurl();
  CurlHandle curl(curl_easy_init());
  if (!curl) return Error::Internal("curl_easy_init failed");
  Slist header_list;
  for (const auto& [name, value] : headers) {
    if (!Append(header_list, name + ": " + value)) return Error::Internal("out of memory");
  }
  // No "Expect: 100-continue" round trip for large bodies.
  if (!Append(header_list, "Expect:")) return Error::Internal("out of memory");
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(c, CURLOPT_USERAGENT, "liaison-webhooks/1");
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, DiscardBody);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(timeout_seconds, 10)));
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout_seconds));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) return Error::Unavailable("HTTP: " + CurlMessage(code, error_buffer));
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  return status;
}

}  // namespace liaison::notify
