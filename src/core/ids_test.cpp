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

TEST(ConstantTimeEquals, ComparesContent) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
}

}  // namespace
}  // namespace liaison
