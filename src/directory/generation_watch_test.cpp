// GenerationWatch on SQLite, where it follows PRAGMA data_version: it listens, a write by this
// process is seen by the next call, and repeated calls without writes read nothing. (On
// PostgreSQL, tests/integration/test_directory_cache.py runs two servers on one database.)
#include "directory/generation_watch.hpp"

#include <gtest/gtest.h>

#include "directory/directory_test_support.hpp"
#include "security/test_support.hpp"

namespace liaison::directory {
namespace {

using security::testing::Eventually;

class GenerationWatchTest : public testing::DirectoryTest {};

TEST_F(GenerationWatchTest, FollowsTheGenerationWithoutAReadPerCall) {
  GenerationWatch watch(*db_, "sqlite://" + path_.string());
  ASSERT_TRUE(Eventually([&] { return watch.listening(); }));
  EXPECT_EQ(watch.connections(), 1u);
  auto start = watch.Current();
  ASSERT_TRUE(start.has_value()) << start.error().message;
  EXPECT_EQ(*start, *ReadDirectoryGeneration(*db_));
  // Without writes, calls answer from what was read (the generation is re-read at least every
  // kGenerationMaxTrust, so a slow machine may read once more).
  const std::uint64_t reads = watch.reads();
  for (int i = 0; i < 100; ++i) EXPECT_EQ(*watch.Current(), *start);
  EXPECT_LE(watch.reads(), reads + 1);
  // This process's writes are seen by the very next call.
  auto org = MakeOrg("CERT-FR", "FR");
  auto after_org = watch.Current();
  ASSERT_TRUE(after_org.has_value());
  EXPECT_GT(*after_org, *start);
  MakeContact(ValidInput(org));
  EXPECT_GT(*watch.Current(), *after_org);
  // A write through another pool on the same file, as another server would make it (in this
  // process it also counts as a local commit; the poll's report of a write by another process
  // is tested in store_contract_test and tests/integration/test_directory_cache.py).
  const std::int64_t before = *watch.Current();
  auto other = store::Open("sqlite://" + path_.string(), 1);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  ASSERT_TRUE(store::InTransaction(**other, store::TxMode::kWrite, [](store::Transaction& tx) {
                return tx.Execute("UPDATE organizations SET name = 'CERT-FR (renamed)'");
              }).has_value());
  EXPECT_EQ(*watch.Current(), before + 1);
  // DirectoryGeneration answers through the watch while it exists.
  EXPECT_EQ(GenerationWatch::For(*db_), &watch);
  EXPECT_EQ(*DirectoryGeneration(*db_), before + 1);
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
