// The store contract: behaviour every Database backend must show. Each test runs against SQLite
// and against PostgreSQL (a fresh database on the test server; see scratch_database.hpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "store/notifications.hpp"
#include "store/scratch_database.hpp"

namespace liaison::store {
namespace {

using testing::Backend;
using testing::ScratchDatabase;

class StoreContract : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto scratch = ScratchDatabase::Create(GetParam(), "contract");
    ASSERT_TRUE(scratch.has_value()) << scratch.error().message;
    scratch_.emplace(*std::move(scratch));
    db_ = OpenPool(4);
    ASSERT_NE(db_, nullptr);
    auto status = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute(
          "CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL, r REAL, b BLOB)"));
      return OkStatus();
    });
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }
  void TearDown() override {
    db_.reset();
    scratch_.reset();
  }

  std::unique_ptr<Database> OpenPool(int size, std::chrono::milliseconds wait = kDefaultPoolWait) {
    auto db = Open(scratch_->url(), size, wait);
    EXPECT_TRUE(db.has_value()) << db.error().message;
    return db.has_value() ? *std::move(db) : nullptr;
  }

  static Status Increment(Database& db) {
    return InTransaction(db, TxMode::kWrite, [](Transaction& tx) -> Status {
      ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT n FROM items WHERE id = 'c'"));
      RETURN_IF_ERROR(tx.Execute("UPDATE items SET n = ? WHERE id = 'c'", {rows[0].Int(0) + 1}));
      return OkStatus();
    });
  }

  std::optional<ScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

TEST_P(StoreContract, RoundTripsEveryValueType) {
  std::string bytes("\0\1\xff'\\", 5);
  auto status = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES (?, ?, ?, ?)",
                               {"a", 1LL << 40, 2.5, Value::Blob(bytes)}));
    return OkStatus();
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  auto tx = *db_->Begin(TxMode::kRead);
  auto rows =
      *tx->Query("SELECT id, n, r, b, NULL, COUNT(*) FROM items WHERE id = ? GROUP BY id", {"a"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text(0), "a");
  EXPECT_TRUE(rows[0][1].is_int());
  EXPECT_EQ(rows[0].Int(1), 1LL << 40);
  EXPECT_TRUE(rows[0][2].is_real());
  EXPECT_DOUBLE_EQ(rows[0].Real(2), 2.5);
  EXPECT_TRUE(rows[0][3].is_blob());
  EXPECT_EQ(rows[0].Text(3), bytes);
  EXPECT_TRUE(rows[0].IsNull(4));
  EXPECT_EQ(rows[0].Int(5), 1);
}

TEST_P(StoreContract, ReusesStatementsWithDifferentValues) {
  for (int i = 0; i < 3; ++i) {
    auto status = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n, r) VALUES (?, ?, ?)",
                                 {"k" + std::to_string(i), i, i == 1 ? Value() : Value(0.5)}));
      return OkStatus();
    });
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }
  auto tx = *db_->Begin(TxMode::kRead);
  auto rows = *tx->Query("SELECT id FROM items WHERE n >= ? AND id LIKE ? ORDER BY id LIMIT ?",
                         {1, "K%", 5});
  ASSERT_EQ(rows.size(), 2u);  // LIKE ignores ASCII case on both stores.
  EXPECT_EQ(rows[0].Text(0), "k1");
  EXPECT_EQ(rows[1].Text(0), "k2");
}

TEST_P(StoreContract, CountsChangedRows) {
  auto changed = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Result<std::int64_t> {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n) VALUES ('x', 1), ('y', 1), ('z', 2)"));
    return tx.Execute("UPDATE items SET n = n + 1 WHERE n = ?", {1});
  });
  ASSERT_TRUE(changed.has_value()) << changed.error().message;
  EXPECT_EQ(*changed, 2);
}

TEST_P(StoreContract, RollsBackWhatIsNotCommitted) {
  {
    auto tx = *db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Execute("INSERT INTO items (id, n) VALUES ('x', 1)").has_value());
  }
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_TRUE(tx->Query("SELECT * FROM items")->empty());
}

TEST_P(StoreContract, ReportsDuplicateKeysAsAlreadyExists) {
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
  // The failed transaction left nothing behind and the pool still works.
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_EQ(tx->Query("SELECT id FROM items")->size(), 1u);
}

TEST_P(StoreContract, SerialisesConcurrentWritesWithoutLosingAny) {
  ASSERT_TRUE(InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
                RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n) VALUES ('c', 0)"));
                return OkStatus();
              }).has_value());
  // Two pools on one database stand for two servers.
  auto other = OpenPool(4);
  ASSERT_NE(other, nullptr);
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      Database& db = t % 2 == 0 ? *db_ : *other;
      for (int i = 0; i < 25; ++i) {
        if (!Increment(db).has_value()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_EQ((*tx->Query("SELECT n FROM items WHERE id = 'c'"))[0].Int(0), 200);
}

TEST_P(StoreContract, ReadsSeeOneSnapshot) {
  ASSERT_TRUE(InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
                RETURN_IF_ERROR(tx.Execute("INSERT INTO items (id, n) VALUES ('c', 0)"));
                return OkStatus();
              }).has_value());
  auto reader = *db_->Begin(TxMode::kRead);
  EXPECT_EQ((*reader->Query("SELECT n FROM items WHERE id = 'c'"))[0].Int(0), 0);
  ASSERT_TRUE(Increment(*db_).has_value());
  EXPECT_EQ((*reader->Query("SELECT n FROM items WHERE id = 'c'"))[0].Int(0), 0);
}

TEST_P(StoreContract, RefusesWritesInReadTransactions) {
  auto tx = *db_->Begin(TxMode::kRead);
  EXPECT_FALSE(tx->Execute("INSERT INTO items (id, n) VALUES ('r', 1)").has_value());
}

TEST_P(StoreContract, WaitsForAFreeConnectionThenAnswersUnavailable) {
  auto small = OpenPool(1, std::chrono::milliseconds(100));
  ASSERT_NE(small, nullptr);
  auto held = small->Begin(TxMode::kRead);
  ASSERT_TRUE(held.has_value());
  auto waited = small->Begin(TxMode::kRead);
  ASSERT_FALSE(waited.has_value());
  EXPECT_EQ(waited.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(small->Stats().pool_timeouts, 1);
  held->reset();
  EXPECT_TRUE(small->Begin(TxMode::kRead).has_value());
}

TEST_P(StoreContract, ReportsPoolGauges) {
  auto tx = *db_->Begin(TxMode::kRead);
  auto stats = db_->Stats();
  EXPECT_EQ(stats.pool_size, 4);
  EXPECT_EQ(stats.connections_in_use, 1);
  EXPECT_GE(stats.connections_total, 1);
  EXPECT_GE(stats.transactions_started, 1);
}

TEST_P(StoreContract, CountsCommittedWriteTransactions) {
  const std::uint64_t before = LocalWriteCommits();
  ASSERT_TRUE(InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
                return tx.Execute("INSERT INTO items (id, n) VALUES ('w', 1)").has_value()
                           ? OkStatus()
                           : Status(Error::Internal("insert failed"));
              }).has_value());
  EXPECT_EQ(LocalWriteCommits(), before + 1);
  {
    auto rolled_back = *db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(rolled_back->Execute("INSERT INTO items (id, n) VALUES ('x', 1)").has_value());
  }
  EXPECT_TRUE(db_->Ping().has_value());  // A read transaction.
  EXPECT_EQ(LocalWriteCommits(), before + 1);
}

// What a subscription reported, for tests to wait on.
class Recorder {
 public:
  NotificationHandlers Handlers() {
    NotificationHandlers h;
    h.listening = [this] { Add("listening"); };
    h.notified = [this](std::string_view payload) { Add("notified:" + std::string(payload)); };
    h.lost = [this](const Error&) { Add("lost"); };
    return h;
  }
  // Waits until `event` was reported `count` times in all; false after a minute.
  bool WaitFor(const std::string& event, int count = 1) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::minutes(1), [&] {
      return std::count(events_.begin(), events_.end(), event) >= count;
    });
  }
  std::vector<std::string> Events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  void Add(std::string event) {
    {
      std::lock_guard lock(mu_);
      events_.push_back(std::move(event));
    }
    changed_.notify_all();
  }
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> events_;
};

TEST_P(StoreContract, ListensForNotificationsWhereTheStoreHasThem) {
  Recorder recorder;
  auto subscription = Listen(scratch_->url(), "contract_channel", recorder.Handlers());
  if (GetParam() == Backend::kSqlite) {
    // No notifications: the subscription polls PRAGMA data_version and reports each change of
    // the file, on every channel, without a payload.
    ASSERT_TRUE(subscription.has_value()) << subscription.error().message;
    ASSERT_TRUE(recorder.WaitFor("listening"));
    auto insert = [](Database& db, const char* id) {
      return InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Status {
        ASSIGN_OR_RETURN(auto changed,
                         tx.Execute("INSERT INTO items (id, n) VALUES (?, 1)", {id}));
        return OkStatus();
      });
    };
    ASSERT_TRUE(insert(*db_, "n1").has_value());
    ASSERT_TRUE(recorder.WaitFor("notified:"));
    // A rolled-back write changes nothing, so reports nothing (the next poll sees the commit
    // below, and only it).
    {
      auto tx = *db_->Begin(TxMode::kWrite);
      ASSERT_TRUE(tx->Execute("INSERT INTO items (id, n) VALUES ('never', 1)").has_value());
    }
    // A write through another pool on the same file, as another process makes it.
    auto other = Open(scratch_->url(), 1);
    ASSERT_TRUE(other.has_value()) << other.error().message;
    ASSERT_TRUE(insert(**other, "n2").has_value());
    ASSERT_TRUE(recorder.WaitFor("notified:", 2));
    const std::vector<std::string> expected = {"listening", "notified:", "notified:"};
    EXPECT_EQ(recorder.Events(), expected);
    subscription->reset();
    ASSERT_TRUE(insert(*db_, "n3").has_value());
    EXPECT_EQ(recorder.Events(), expected);
    return;
  }
  ASSERT_TRUE(subscription.has_value()) << subscription.error().message;
  ASSERT_TRUE(recorder.WaitFor("listening"));
  auto notify = [&](const char* payload) {
    return InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
      ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT pg_notify('contract_channel', ?)", {payload}));
      return OkStatus();
    });
  };
  ASSERT_TRUE(notify("first").has_value());
  ASSERT_TRUE(recorder.WaitFor("notified:first"));
  // The listening connection is dropped by the server: the subscription says so, comes back,
  // and reports what is sent afterwards.
  {
    auto tx = *db_->Begin(TxMode::kRead);
    auto killed = tx->Query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND application_name = 'liaison listener'");
    ASSERT_TRUE(killed.has_value()) << killed.error().message;
    ASSERT_EQ(killed->size(), 1u);
  }
  ASSERT_TRUE(recorder.WaitFor("lost"));
  ASSERT_TRUE(recorder.WaitFor("listening", 2));
  ASSERT_TRUE(notify("second").has_value());
  ASSERT_TRUE(recorder.WaitFor("notified:second"));
  // A rolled-back transaction notifies nobody (notifications arrive in commit order).
  {
    auto tx = *db_->Begin(TxMode::kWrite);
    ASSERT_TRUE(tx->Query("SELECT pg_notify('contract_channel', 'never')").has_value());
  }
  ASSERT_TRUE(notify("third").has_value());
  ASSERT_TRUE(recorder.WaitFor("notified:third"));
  const std::vector<std::string> expected = {"listening", "notified:first",  "lost",
                                             "listening", "notified:second", "notified:third"};
  EXPECT_EQ(recorder.Events(), expected);
  // Once the subscription is gone nothing more is reported.
  subscription->reset();
  ASSERT_TRUE(notify("after").has_value());
  EXPECT_EQ(recorder.Events(), expected);
  EXPECT_EQ(Listen(scratch_->url(), "Bad-Channel", {}).error().code, ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreContract,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return testing::BackendName(info.param); });

TEST(StoreOpen, RejectsUnknownSchemes) {
  auto db = Open("mysql://x", 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().field, "database.url");
}

TEST(StoreOpen, ReportsAnUnreachablePostgresServerWithoutItsPassword) {
  // Port 1 on the loopback interface: nothing listens there.
  auto db = Open("postgresql://liaison:s3cret-pw@127.0.0.1:1/liaison?connect_timeout=2", 1);
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(db.error().message.find("127.0.0.1:1/liaison"), std::string::npos)
      << db.error().message;
  EXPECT_EQ(db.error().message.find("s3cret-pw"), std::string::npos);
}

// PostgreSQL only: connections the server drops (a restart, an administrator) are replaced.
TEST(PostgresStore, ReplacesConnectionsTheServerDropped) {
  auto scratch = ScratchDatabase::Create(Backend::kPostgres, "heal");
  ASSERT_TRUE(scratch.has_value()) << scratch.error().message;
  auto db = *Open(scratch->url(), 3);
  auto admin = *Open(scratch->url(), 1);
  {
    // Open all three pool connections, then return them idle.
    auto a = *db->Begin(TxMode::kRead);
    auto b = *db->Begin(TxMode::kRead);
    auto c = *db->Begin(TxMode::kRead);
  }
  ASSERT_EQ(db->Stats().connections_total, 3);
  {
    auto tx = *admin->Begin(TxMode::kRead);
    auto killed = tx->Query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend'");
    ASSERT_TRUE(killed.has_value()) << killed.error().message;
    ASSERT_EQ(killed->size(), 3u);
  }
  for (int i = 0; i < 5; ++i) {
    auto ping = db->Ping();
    EXPECT_TRUE(ping.has_value()) << ping.error().message;
  }
  auto stats = db->Stats();
  EXPECT_LE(stats.connections_total, 3);
  EXPECT_EQ(stats.connections_in_use, 0);
}

TEST(PostgresStore, ReportsAStatementCutOffAsUnavailable) {
  auto scratch = ScratchDatabase::Create(Backend::kPostgres, "cutoff");
  ASSERT_TRUE(scratch.has_value()) << scratch.error().message;
  auto db = *Open(scratch->url(), 1);
  auto tx = *db->Begin(TxMode::kRead);
  // The server ends this very session: the statement's connection is lost mid-transaction.
  auto result = tx->Query("SELECT pg_terminate_backend(pg_backend_pid())");
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kUnavailable);
  tx.reset();
  EXPECT_TRUE(db->Ping().has_value());
}

// PostgreSQL only: InTransaction runs a transaction again, body included, when it failed in a
// way that applied nothing; never when a write's COMMIT was sent and its outcome is unknown.
class PostgresRetry : public ::testing::Test {
 protected:
  void SetUp() override {
    auto scratch = ScratchDatabase::Create(Backend::kPostgres, "retry");
    ASSERT_TRUE(scratch.has_value()) << scratch.error().message;
    scratch_.emplace(*std::move(scratch));
    db_ = *Open(scratch_->url(), 2);
    admin_ = *Open(scratch_->url(), 1);
    auto status = InTransaction(*db_, TxMode::kWrite, [](Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute("CREATE TABLE items (id TEXT PRIMARY KEY, n INTEGER NOT NULL)"));
      RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES ('seed', 7)"));
      // Raises the SQLSTATE it is given, as PostgreSQL does for a conflict it detects.
      RETURN_IF_ERROR(
          tx.Execute("CREATE FUNCTION raise_state(state TEXT) RETURNS INTEGER LANGUAGE plpgsql AS "
                     "'BEGIN RAISE EXCEPTION USING ERRCODE = state, MESSAGE = ''conflict''; END'"));
      return OkStatus();
    });
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }

  // Ends the session serving `tx` from another connection, as a server restart or an
  // administrator would, while `tx` is open.
  void KillBackendOf(Transaction& tx) {
    auto pid = tx.Query("SELECT pg_backend_pid()");
    ASSERT_TRUE(pid.has_value()) << pid.error().message;
    auto killed = InTransaction(*admin_, TxMode::kRead, [&](Transaction& admin) {
      return admin.Query("SELECT pg_terminate_backend(?, 10000)", {(*pid)[0].Int(0)});
    });
    ASSERT_TRUE(killed.has_value()) << killed.error().message;
    ASSERT_EQ(killed->at(0).Int(0), 1);
  }

  std::int64_t CountOf(const std::string& id) {
    auto rows = InTransaction(*admin_, TxMode::kRead, [&](Transaction& tx) {
      return tx.Query("SELECT COUNT(*) FROM items WHERE id = ?", {id});
    });
    EXPECT_TRUE(rows.has_value());
    return rows.has_value() ? rows->at(0).Int(0) : -1;
  }

  std::optional<ScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Database> admin_;
};

TEST_F(PostgresRetry, RunsAReadAgainWhenItsConnectionIsLostMidway) {
  int runs = 0;
  auto n = InTransaction(*db_, TxMode::kRead, [&](Transaction& tx) -> Result<std::int64_t> {
    ++runs;
    if (runs == 1) KillBackendOf(tx);
    ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT n FROM items WHERE id = 'seed'"));
    return rows.at(0).Int(0);
  });
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 7);
  EXPECT_EQ(runs, 2);
}

TEST_F(PostgresRetry, RunsAReadAgainAfterASerializationFailure) {
  int runs = 0;
  auto n = InTransaction(*db_, TxMode::kRead, [&](Transaction& tx) -> Result<std::int64_t> {
    ++runs;
    if (runs < 3) RETURN_IF_ERROR(tx.Query("SELECT raise_state('40001')"));
    ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT n FROM items WHERE id = 'seed'"));
    return rows.at(0).Int(0);
  });
  ASSERT_TRUE(n.has_value()) << n.error().message;
  EXPECT_EQ(*n, 7);
  EXPECT_EQ(runs, 3);
}

TEST_F(PostgresRetry, GivesUpAfterABoundedNumberOfAttempts) {
  int runs = 0;
  auto status = InTransaction(*db_, TxMode::kRead, [&](Transaction& tx) -> Status {
    ++runs;
    RETURN_IF_ERROR(tx.Query("SELECT raise_state('40P01')"));
    return OkStatus();
  });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(runs, kTransactionAttempts);
}

TEST_F(PostgresRetry, RunsAWriteCutOffBeforeCommitAgainAndAppliesItOnce) {
  int runs = 0;
  auto status = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ++runs;
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES ('w', 1)"));
    if (runs == 1) KillBackendOf(tx);
    RETURN_IF_ERROR(tx.Execute("UPDATE items SET n = n + 1 WHERE id = 'w'"));
    return OkStatus();
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(CountOf("w"), 1);
  auto n = InTransaction(*admin_, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT n FROM items WHERE id = 'w'");
  });
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(n->at(0).Int(0), 2);
}

TEST_F(PostgresRetry, RunsAWriteAgainAfterADeadlock) {
  int runs = 0;
  auto status = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ++runs;
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES ('d', 1)"));
    if (runs == 1) RETURN_IF_ERROR(tx.Query("SELECT raise_state('40P01')"));
    return OkStatus();
  });
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(CountOf("d"), 1);
}

TEST_F(PostgresRetry, NeverRunsAWriteAgainWhoseCommitOutcomeIsUnknown) {
  int runs = 0;
  auto status = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ++runs;
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES ('c', 1)"));
    KillBackendOf(tx);  // The body succeeds; its COMMIT goes out on a dead connection.
    return OkStatus();
  });
  ASSERT_FALSE(status.has_value());
  EXPECT_EQ(status.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(status.error().message.find("may or may not"), std::string::npos)
      << status.error().message;
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(CountOf("c"), 0);  // Here it was not applied; liaison could not know that.
}

TEST_F(PostgresRetry, NeverRetriesTheBodysOwnErrorsOrAOnceBody) {
  int runs = 0;
  auto refused = InTransaction(*db_, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ++runs;
    RETURN_IF_ERROR(tx.Execute("INSERT INTO items VALUES ('seed', 1)"));  // Duplicate key.
    return OkStatus();
  });
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(runs, 1);

  runs = 0;
  auto once = InTransactionOnce(*db_, TxMode::kRead, [&](Transaction& tx) -> Status {
    ++runs;
    KillBackendOf(tx);
    RETURN_IF_ERROR(tx.Query("SELECT 1"));
    return OkStatus();
  });
  ASSERT_FALSE(once.has_value());
  EXPECT_EQ(once.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(runs, 1);
}

}  // namespace
}  // namespace liaison::store
