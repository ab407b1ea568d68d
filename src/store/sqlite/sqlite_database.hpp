// The SQLite backend: a pool of connections to one database file in WAL mode. Write
// transactions are serialised by a process-wide lock and BEGIN IMMEDIATE; reads run in parallel
// on snapshots. Every commit is synced (synchronous=FULL). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/notifications.hpp"

struct sqlite3;

namespace liaison::store::sqlite {

class Connection;

class SqliteDatabase final : public Database {
 public:
  // Opens (creating if needed) the file at `path` with `pool_size` connections; Begin() waits up
  // to `pool_wait` for a free one.
  static Result<std::unique_ptr<Database>> Open(const std::string& path, int pool_size,
                                                std::chrono::milliseconds pool_wait);
  ~SqliteDatabase() override;

  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override;
  std::string_view Kind() const override { return "sqlite"; }
  Status Ping() override;
  DatabaseStats Stats() const override;
  // Write transactions already exclude each other (BEGIN IMMEDIATE): nothing more to lock.
  Result<std::unique_ptr<ExclusiveLock>> LockExclusive(std::string_view name) override {
    return std::make_unique<ExclusiveLock>();
  }

  // Returns a connection to the pool; used by transactions.
  void Release(Connection* connection);

 private:
  explicit SqliteDatabase(std::chrono::milliseconds pool_wait);

  const std::chrono::milliseconds pool_wait_;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::vector<Connection*> idle_;
  std::mutex writer_;  // Held for the life of each write transaction.
  std::int64_t started_ = 0;
  std::int64_t failed_ = 0;
  std::int64_t timeouts_ = 0;
  friend class SqliteTransaction;
};

// How often a SQLite subscription reads PRAGMA data_version.
inline constexpr std::chrono::milliseconds kDataVersionPollInterval{100};

// store::Listen for SQLite, which has no notifications: a thread with a connection of its own
// reads PRAGMA data_version every kDataVersionPollInterval, and reports `notified` (payload "")
// whenever it moved, i.e. whenever any other connection, of this process or another, committed
// a write to the file since the last poll. It cannot tell channels apart: every commit is
// reported on every channel. `listening` is called once the connection is open, `lost` when a
// poll fails (then it opens a new connection after a pause, and says `listening` again).
Result<std::unique_ptr<Subscription>> Listen(const std::string& path, NotificationHandlers handlers,
                                             std::chrono::milliseconds interval =
                                                 kDataVersionPollInterval);

}  // namespace liaison::store::sqlite
