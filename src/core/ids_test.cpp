#include "core/ids.hpp"

#include <gtest/gtest.h>

#include <set>

namespace liaison {
namespace {

TEST(NewId, IsPrefixedBase32AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewId("ctc");
    ASSERT_EQ(id.size(), 4u + 26u);
    ASSERT_EQ(id.rfind("ctc_", 0), 0u);
    for (char c : id.substr(4)) ASSERT_TRUE((c >= 'a' && c <= 'z') || (c >= '2' && c <= '7'));
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(RandomToken, HasTheRequestedEntropy) {
  EXPECT_EQ(RandomHex(32).size(), 64u);
  EXPECT_EQ(RandomToken(32).size(), 43u);  // 256 bits in unpadded base64url.
  EXPECT_NE(RandomToken(32), RandomToken(32));
}

TEST(Base64Url, EncodesWithoutPaddingAndDecodesOnlyCanonicalText) {
  // RFC 4648 section 10 vectors, in the URL-safe alphabet without padding.
  EXPECT_EQ(Base64UrlEncode(""), "");
  EXPECT_EQ(Base64UrlEncode("f"), "Zg");
  EXPECT_EQ(Base64UrlEncode("fo"), "Zm8");
  EXPECT_EQ(Base64UrlEncode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(Base64UrlDecode("-_8"), std::optional<std::string>("\xfb\xff"));
  EXPECT_EQ(Base64UrlDecode("Zm9vYmFy"), std::optional<std::string>("foobar"));
  EXPECT_EQ(Base64UrlDecode(""), std::optional<std::string>(""));
  EXPECT_FALSE(Base64UrlDecode("Zg==").has_value());  // Padding.
  EXPECT_FALSE(Base64UrlDecode("+/8").has_value());   // Standard alphabet.
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());    // Spare bits set: another spelling of "f".
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());     // Impossible length.
  EXPECT_FALSE(Base64UrlDecode("Zm9v YmFy").has_value());  // Whitespace.
}

TEST(ConstantTimeEquals, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace liaison
