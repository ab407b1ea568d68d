// The store contract: behaviour every Database backend must show. Runs against SQLite here; the
// PostgreSQL backend runs the same suite when it lands.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "store/database.hpp"

namespace liaison::store {
namespace {

class StoreContract : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("liaison-store-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    auto db = Open("sqlite://" + path_.string(), 4);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto status = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute(
          "CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL, r REAL, b BLOB)"));
      return OkStatus();
    });
    ASSERT_TRUE(status.has_value());
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::filesystem::path path_;
  std::unique_ptr<Database> db_;
};

TEST_F(StoreContract, RoundTripsEveryValueType) {
  auto status = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
    return tx.Execute("INSERT INTO items VALUES (?, ?, ?, ?)",
                      {"a", 42, 2.5, Value::Blob(std::string("\0\1", 2))})
                   .has_value()
               ? OkStatus()
               : Status(Error::Internal("insert"));
  });
  ASSERT_TRUE(status.has_value());
  auto tx = *db_->Begin(TxMode::kRead);
  auto rows = *tx->Query("SELECT id, n, r, b, NULL FROM items WHERE id = ?", {"a"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "a");
  EXPECT_EQ(rows[0].Int(1), 42);
  EXPECT_DOUBLE_EQ(rows[0].Real(2), 2.5);
  EXPECT_EQ(rows[0].Text(3), std::string("\0\1", 2));
  EXPECT_TRUE(rows[0].IsNull(4));
}

TEST_F(StoreContract, RollsBackWhatIsNotCommitted) {
  {
    auto tx = *db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("INSERT INTO items (id, n) VALUES ('x', 1)").has_value());
  }
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_TRUE(tx->Query("SELECT * FROM items")->empty());
}

TEST_F(StoreContract, ReportsDuplicateKeysAsAlreadyExists) {
  auto insert = [&] {
    return InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n) VALUES ('k', 1)"));
      return OkStatus();
    });
  };
  ASSERT_TRUE(insert().has_value());
  auto again = insert();
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
}

TEST_F(StoreContract, SerialisesConcurrentWritesWithoutLosingAny) {
  ASSERT_TRUE(InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
                RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n) VALUES ('c', 0)"));
                return OkStatus();
              }).has_value());
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        auto status = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
          ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT n FROM items WHERE id = 'c'"));
          RETURN_IF_ERROR(tx.Execute("UPDATE items SET n = ? WHERE id = 'c'", {rows[0].Int(0) + 1}));
          return OkStatus();
        });
        if (!status.has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_EQ((*tx->Query("SELECT n FROM items WHERE id = 'c'"))[0].Int(0), 200);
}

TEST_F(StoreContract, RefusesWritesInReadTransactions) {
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_FALSE(tx->Execute("INSERT INTO items (id, n) VALUES ('r', 1)").has_value());
}

TEST(StoreOpen, RejectsUnknownSchemes) {
  auto db = Open("mysql://x", 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().field, "database.url");
}

}  // namespace
}  // namespace liaison::store
