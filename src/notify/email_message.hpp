// Building RFC 5322 / MIME e-mail messages: address checks, encoded-word subjects, text/plain
// and PGP/MIME (RFC 3156) bodies. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/time.hpp"

namespace liaison::notify {

// True when `address` is a plausible addr-spec "local@domain": a dot-atom local part of at most
// 64 ASCII characters, a domain of dot-separated LDH labels (or IDNA "xn--" labels) with at least
// two labels, at most 254 characters in all, and no whitespace or control characters.
bool IsValidEmailAddress(std::string_view address);

// The bare address of a From value: "Name <a@b>" gives "a@b"; "a@b" gives itself.
std::string BareAddress(std::string_view mailbox);

// `text` as a header value: unchanged when printable ASCII, otherwise RFC 2047 encoded-words
// (UTF-8, base64), each at most 75 characters, folded with CRLF SP. Never splits a UTF-8
// sequence.
std::string EncodeHeaderText(std::string_view text);

// `t` in RFC 5322 date-time form, UTC: "Sun, 29 Nov 2026 06:32:55 +0000".
std::string FormatRfc5322Date(TimePoint t);

// The headers every message liaison sends carries.
struct EmailHeaders {
  std::string from;             // A mailbox, e.g. "liaison@node.example".
  std::string to;               // One address.
  std::string subject;          // UTF-8; encoded when needed.
  std::string notification_id;  // Gives Message-ID <id@liaison> and X-Liaison-Notification.
  TimePoint date;
};

// A text/plain; charset=utf-8 MIME entity (its Content-* headers, a blank line, the body) with
// CRLF line ends. The transfer encoding is 8bit when every line fits in 998 octets, else base64.
std::string TextPlainEntity(std::string_view body);

// A complete single-part text/plain message.
std::string BuildPlainMessage(const EmailHeaders& headers, std::string_view body);

// A complete PGP/MIME message (RFC 3156 multipart/encrypted) carrying `armored_ciphertext`,
// the encryption of a TextPlainEntity. `boundary` must not occur in the ciphertext (armour
// never contains "=_").
std::string BuildPgpMimeMessage(const EmailHeaders& headers, std::string_view armored_ciphertext,
                                std::string_view boundary);

}  // namespace liaison::notify
