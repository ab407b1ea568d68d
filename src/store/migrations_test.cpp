#include "store/migrations.hpp"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace liaison::store
