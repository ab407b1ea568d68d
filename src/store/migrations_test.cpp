#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "store/scratch_database.hpp"

namespace liaison::store {
namespace {

TEST(Migrations, ApplyOnceAndDetectEdits) {
  auto path = std::filesystem::temp_directory_path() /
              ("liaison-migrations-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  auto db = *Open("sqlite://" + path.string(), 2);
  std::vector<Migration> migrations = {
      {"demo", 1, "create a", {"CREATE TABLE a (x INTEGER)"}},
      {"demo", 2, "create b", {"CREATE TABLE b (y INTEGER)", "INSERT INTO b VALUES (7)"}},
  };
  auto first = ApplyMigrations(*db, migrations, FromUnixMillis(1));
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->size(), 2u);
  auto second = ApplyMigrations(*db, migrations, FromUnixMillis(2));
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->empty());
  EXPECT_TRUE(PendingMigrations(*db, migrations)->empty());

  migrations[1].statements[1] = "INSERT INTO b VALUES (8)";
  auto edited = ApplyMigrations(*db, migrations, FromUnixMillis(3));
  ASSERT_FALSE(edited.has_value());
  EXPECT_EQ(edited.error().reason, "migration_edited");
  db.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

TEST(Migrations, RollBackAFailedMigrationWhole) {
  auto path = std::filesystem::temp_directory_path() /
              ("liaison-migrations-fail-" + std::to_string(::getpid()) + ".db");
  std::filesystem::remove(path);
  auto db = *Open("sqlite://" + path.string(), 2);
  std::vector<Migration> migrations = {
      {"demo", 1, "half broken", {"CREATE TABLE c (x INTEGER)", "NOT SQL"}},
  };
  EXPECT_FALSE(ApplyMigrations(*db, migrations, FromUnixMillis(1)).has_value());
  auto tx = *db->Begin(TxMode::kRead);
  EXPECT_TRUE(
      tx->Query("SELECT name FROM sqlite_master WHERE name = 'c'")->empty());
  EXPECT_EQ(PendingMigrations(*db, migrations)->size(), 1u);
  tx.reset();
  db.reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}

class MigrationsOnEveryStore : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(MigrationsOnEveryStore, TwoServersMigratingAtOnceApplyEachMigrationOnce) {
  auto scratch = testing::ScratchDatabase::Create(GetParam(), "migrate");
  ASSERT_TRUE(scratch.has_value()) << scratch.error().message;
  std::vector<Migration> migrations;
  for (int i = 1; i <= 6; ++i) {
    migrations.push_back({"demo", i, "create t" + std::to_string(i),
                          {"CREATE TABLE t" + std::to_string(i) + " (x INTEGER, y REAL, z BLOB)",
                           "INSERT INTO t" + std::to_string(i) + " (x) VALUES (1)"}});
  }
  auto first = *Open(scratch->url(), 2);
  auto second = *Open(scratch->url(), 2);
  Result<std::vector<AppliedMigration>> a = std::vector<AppliedMigration>{};
  Result<std::vector<AppliedMigration>> b = std::vector<AppliedMigration>{};
  std::thread ta([&] { a = ApplyMigrations(*first, migrations, FromUnixMillis(1)); });
  std::thread tb([&] { b = ApplyMigrations(*second, migrations, FromUnixMillis(2)); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.has_value()) << a.error().message;
  ASSERT_TRUE(b.has_value()) << b.error().message;
  EXPECT_EQ(a->size() + b->size(), migrations.size());
  auto tx = *first->Begin(TxMode::kRead);
  EXPECT_EQ((*tx->Query("SELECT COUNT(*) FROM schema_migrations"))[0].Int(0), 6);
  for (int i = 1; i <= 6; ++i) {
    EXPECT_EQ((*tx->Query("SELECT COUNT(*) FROM t" + std::to_string(i)))[0].Int(0), 1);
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, MigrationsOnEveryStore,
                         ::testing::Values(testing::Backend::kSqlite, testing::Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace liaison::store
