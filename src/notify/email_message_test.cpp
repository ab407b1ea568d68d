#include "notify/email_message.hpp"

#include <gtest/gtest.h>
#include <sodium.h>

namespace liaison::notify {
namespace {

std::string DecodeBase64(std::string_view text) {
  std::string out(text.size(), '\0');
  std::size_t length = 0;
  EXPECT_EQ(
      sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), "\r\n", &length, nullptr, sodium_base64_VARIANT_ORIGINAL),
      0);
  out.resize(length);
  return out;
}

TEST(EmailAddress, AcceptsOrdinaryAddressesAndRejectsMalformedOnes) {
  for (const char* good : {"a@example.org", "first.last+tag@sub.example.co.uk",
                           "o'brien@xn--80ak6aa92e.com", "x_y-z@mail-1.example"}) {
    EXPECT_TRUE(IsValidEmailAddress(good)) << good;
  }
  for (const char* bad :
       {"", "plain", "@example.org", "a@", "a@localhost", "a..b@example.org", ".a@example.org",
        "a@-example.org", "a@example..org", "a b@example.org", "a@example.org\r\nBcc: x@y.org",
        "a@exa mple.org", "a@example.org\n", "\"quoted\"@example.org", "a@b@example.org"}) {
    EXPECT_FALSE(IsValidEmailAddress(bad)) << bad;
  }
  EXPECT_FALSE(IsValidEmailAddress(std::string(65, 'a') + "@example.org"));
}

TEST(EmailHeader, EncodesNonAsciiSubjectsAsShortUtf8Words) {
  EXPECT_EQ(EncodeHeaderText("Plain subject"), "Plain subject");
  std::string subject = "Проверка доступности от узла liaison — très long sujet accentué";
  std::string encoded = EncodeHeaderText(subject);
  std::string decoded;
  std::size_t pos = 0;
  while ((pos = encoded.find("=?UTF-8?B?", pos)) != std::string::npos) {
    std::size_t end = encoded.find("?=", pos + 10);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end + 2 - pos, 75u);
    decoded += DecodeBase64(encoded.substr(pos + 10, end - pos - 10));
    pos = end + 2;
  }
  EXPECT_EQ(decoded, subject);
  EXPECT_NE(encoded.find("\r\n "), std::string::npos);
}

TEST(EmailMessage, UsesEightBitForShortLinesAndBase64ForLongOnes) {
  std::string short_entity = TextPlainEntity("Bonjour,\nça va ?\n");
  EXPECT_NE(short_entity.find("Content-Transfer-Encoding: 8bit\r\n\r\nBonjour,\r\nça va ?\r\n"),
            std::string::npos);
  std::string long_body(1200, 'x');
  std::string long_entity = TextPlainEntity(long_body);
  EXPECT_NE(long_entity.find("Content-Transfer-Encoding: base64\r\n"), std::string::npos);
  std::size_t start = long_entity.find("\r\n\r\n") + 4;
  EXPECT_EQ(DecodeBase64(long_entity.substr(start)), long_body);
}

TEST(EmailMessage, CarriesTheStandardHeaders) {
  EmailHeaders headers{"liaison@node.test", "poc@example.org", "Essai é", "ntf_abc",
                       FromUnixMillis(1764396000000)};
  std::string message = BuildPlainMessage(headers, "Body\n");
  EXPECT_NE(message.find("Date: Sat, 29 Nov 2025 06:00:00 +0000\r\n"), std::string::npos)
      << message;
  EXPECT_NE(message.find("Message-ID: <ntf_abc@liaison>\r\n"), std::string::npos);
  EXPECT_NE(message.find("X-Liaison-Notification: ntf_abc\r\n"), std::string::npos);
  EXPECT_NE(message.find("Subject: =?UTF-8?B?"), std::string::npos);
  EXPECT_NE(message.find("MIME-Version: 1.0\r\n"), std::string::npos);
  EXPECT_NE(message.find("Content-Type: text/plain; charset=utf-8\r\n"), std::string::npos);
  EXPECT_TRUE(message.ends_with("\r\n\r\nBody\r\n"));
  EXPECT_EQ(BareAddress("Liaison node <liaison@node.test>"), "liaison@node.test");
  EXPECT_EQ(BareAddress("liaison@node.test"), "liaison@node.test");
}

}  // namespace
}  // namespace liaison::notify
