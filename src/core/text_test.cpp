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

}  // namespace
}  // namespace liaison
