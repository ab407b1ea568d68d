#include "notify/email_message.hpp"

#include <sodium.h>

#include <ctime>
#include <vector>

namespace liaison::notify {
namespace {

constexpr std::size_t kMaxLineOctets = 998;

bool IsAtext(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool IsLdh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

std::string Base64(std::string_view data) {
  std::string out(sodium_base64_ENCODED_LEN(data.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(data.data()),
                    data.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

// Splits `text` into lines on LF, CRLF or a lone CR; the last line may be empty.
std::vector<std::string_view> SplitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.push_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  lines.push_back(text.substr(start));
  return lines;
}

// Length of the UTF-8 sequence starting with lead byte `c` (1 for stray bytes).
std::size_t Utf8Length(unsigned char c) {
  if (c >= 0xF0 && c <= 0xF7) return 4;
  if (c >= 0xE0) return 3;
  if (c >= 0xC0) return 2;
  return 1;
}

std::string CommonHeaderBlock(const EmailHeaders& h) {
  std::string out;
  out += "Date: " + FormatRfc5322Date(h.date) + "\r\n";
  out += "From: " + h.from + "\r\n";
  out += "To: " + h.to + "\r\n";
  out += "Subject: " + EncodeHeaderText(h.subject) + "\r\n";
  out += "Message-ID: <" + h.notification_id + "@liaison>\r\n";
  out += "X-Liaison-Notification: " + h.notification_id + "\r\n";
  out += "MIME-Version: 1.0\r\n";
  return out;
}

}  // namespace

bool IsValidEmailAddress(std::string_view address) {
  if (address.empty() || address.size() > 254) return false;
  std::size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 >= address.size()) return false;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.size() > 64 || local.front() == '.' || local.back() == '.') return false;
  char previous = 0;
  for (char c : local) {
    if (c == '.' ? previous == '.' : !IsAtext(c)) return false;
    previous = c;
  }
  int labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    std::size_t end = domain.find('.', start);
    if (end == std::string_view::npos) end = domain.size();
    std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!IsLdh(c)) return false;
    }
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

std::string BareAddress(std::string_view mailbox) {
  std::size_t open = mailbox.rfind('<');
  std::size_t close = mailbox.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(mailbox.substr(open + 1, close - open - 1));
  }
  std::size_t first = mailbox.find_first_not_of(" \t");
  std::size_t last = mailbox.find_last_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return std::string(mailbox.substr(first, last - first + 1));
}

std::string EncodeHeaderText(std::string_view text) {
  bool plain = true;
  for (unsigned char c : text) plain = plain && c >= 0x20 && c < 0x7F;
  // "=?" in a plain header could be read as an encoded word; encode it too.
  if (plain && text.find("=?") == std::string_view::npos) return std::string(text);
  // 45 octets give 60 base64 characters; with "=?UTF-8?B?" and "?=" a word stays within 75.
  constexpr std::size_t kChunk = 45;
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = pos;
    while (end < text.size()) {
      std::size_t next = end + Utf8Length(static_cast<unsigned char>(text[end]));
      if (next > text.size()) next = text.size();
      if (next - pos > kChunk) break;
      end = next;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(pos, end - pos)) + "?=";
    pos = end;
  }
  return out;
}

std::string FormatRfc5322Date(TimePoint t) {
  std::time_t seconds =
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buffer;
}

std::string TextPlainEntity(std::string_view body) {
  std::vector<std::string_view> lines = SplitLines(body);
  bool fits = true;
  for (std::string_view line : lines) {
    fits = fits && line.size() <= kMaxLineOctets && line.find('\0') == std::string_view::npos;
  }
  std::string out = "Content-Type: text/plain; charset=utf-8\r\n";
  if (fits) {
    out += "Content-Transfer-Encoding: 8bit\r\n\r\n";
    for (std::size_t i = 0; i < lines.size(); ++i) {
      out.append(lines[i]);
      if (i + 1 < lines.size()) out += "\r\n";
    }
    if (!lines.back().empty()) out += "\r\n";
    return out;
  }
  out += "Content-Transfer-Encoding: base64\r\n\r\n";
  std::string crlf_body;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    crlf_body.append(lines[i]);
    if (i + 1 < lines.size()) crlf_body += "\r\n";
  }
  std::string encoded = Base64(crlf_body);
  for (std::size_t pos = 0; pos < encoded.size(); pos += 76) {
    out += encoded.substr(pos, 76) + "\r\n";
  }
  return out;
}

std::string BuildPlainMessage(const EmailHeaders& headers, std::string_view body) {
  return CommonHeaderBlock(headers) + TextPlainEntity(body);
}

std::string BuildPgpMimeMessage(const EmailHeaders& headers, std::string_view armored_ciphertext,
                                std::string_view boundary) {
  std::string b(boundary);
  std::string out = CommonHeaderBlock(headers);
  out += "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\";\r\n";
  out += " boundary=\"" + b + "\"\r\n\r\n";
  out += "This is an OpenPGP/MIME encrypted message (RFC 3156).\r\n";
  out += "--" + b + "\r\n";
  out += "Content-Type: application/pgp-encrypted\r\n";
  out += "Content-Description: PGP/MIME version identification\r\n\r\n";
  out += "Version: 1\r\n\r\n";
  out += "--" + b + "\r\n";
  out += "Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n";
  out += "Content-Description: OpenPGP encrypted message\r\n";
  out += "Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\r\n";
  for (std::string_view line : SplitLines(armored_ciphertext)) {
    if (line.empty() && out.ends_with("-----END PGP MESSAGE-----\r\n")) continue;
    out.append(line);
    out += "\r\n";
  }
  out += "\r\n--" + b + "--\r\n";
  return out;
}

}  // namespace liaison::notify
