// GenerationWatch on SQLite, which has no notifications: it reads the generation on every call,
// so a write by any connection or process is seen by the next call. (On PostgreSQL, where it
// listens, tests/integration/test_directory_cache.py runs two servers on one database.)
#include "directory/generation_watch.hpp"

#include <gtest/gtest.h>

#include "directory/directory_test_support.hpp"

namespace liaison::directory {
namespace {

class GenerationWatchTest : public testing::DirectoryTest {};

TEST_F(GenerationWatchTest, ReadsTheGenerationOnEveryCallWithoutNotifications) {
  GenerationWatch watch(*db_, "sqlite://" + path_.string());
  EXPECT_FALSE(watch.listening());
  EXPECT_EQ(watch.connections(), 0u);
  auto start = watch.Current();
  ASSERT_TRUE(start.has_value()) << start.error().message;
  EXPECT_EQ(*start, *ReadDirectoryGeneration(*db_));
  auto org = MakeOrg("CERT-FR", "FR");
  auto after_org = watch.Current();
  ASSERT_TRUE(after_org.has_value());
  EXPECT_GT(*after_org, *start);
  MakeContact(ValidInput(org));
  EXPECT_GT(*watch.Current(), *after_org);
  // A write through another connection to the same file, as another server would make it.
  auto other = store::Open("sqlite://" + path_.string(), 1);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  const std::int64_t before = *watch.Current();
  ASSERT_TRUE(store::InTransaction(**other, store::TxMode::kWrite, [](store::Transaction& tx) {
                return tx.Execute("UPDATE organizations SET name = 'CERT-FR (renamed)'");
              }).has_value());
  EXPECT_EQ(*watch.Current(), before + 1);
  EXPECT_EQ(watch.reads(), 5u);
  // DirectoryGeneration answers through the watch while it exists.
  EXPECT_EQ(GenerationWatch::For(*db_), &watch);
  EXPECT_EQ(*DirectoryGeneration(*db_), before + 1);
  EXPECT_EQ(watch.reads(), 6u);
}

TEST_F(GenerationWatchTest, DirectoryGenerationReadsTheDatabaseWithoutAWatch) {
  { GenerationWatch watch(*db_, "sqlite://" + path_.string()); }
  EXPECT_EQ(GenerationWatch::For(*db_), nullptr);
  const std::int64_t before = *DirectoryGeneration(*db_);
  MakeOrg("CERT-FR", "FR");
  EXPECT_EQ(*DirectoryGeneration(*db_), before + 1);
}

}  // namespace
}  // namespace liaison::directory
