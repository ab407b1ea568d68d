#include "core/text.hpp"

#include <gtest/gtest.h>

namespace liaison {
namespace {

TEST(AsciiLower, LowersAsciiAndKeepsUtf8) {
  EXPECT_EQ(AsciiLower("Policy@MFA.FR.Demo.Test"), "policy@mfa.fr.demo.test");
  EXPECT_EQ(AsciiLower("ÉCOLE"), "École");
}

TEST(Trim, RemovesSurroundingWhitespaceOnly) {
  EXPECT_EQ(Trim("  Ana Demo \t\r\n"), "Ana Demo");
  EXPECT_EQ(Trim("a  b"), "a  b");
  EXPECT_EQ(Trim(" \t\n"), "");
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharactersOnly) {
  EXPECT_EQ(JsonEscape("a\"b\\c/"), "a\\\"b\\\\c/");
  EXPECT_EQ(JsonEscape("\b\t\n\f\r"), "\\b\\t\\n\\f\\r");
  EXPECT_EQ(JsonEscape(std::string("\x00\x1f\x7f", 3)), "\\u0000\\u001f\x7f");
  EXPECT_EQ(JsonEscape("é€"), "é€");
}

TEST(IsValidUtf8, AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("Grüße, 你好, \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC3\x28"));          // A lead byte without its continuation.
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // Overlong "/".
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // A UTF-16 surrogate.
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // Above U+10FFFF.
  EXPECT_FALSE(IsValidUtf8("abc\xE2\x82"));        // Cut short.
}

}  // namespace
}  // namespace liaison
