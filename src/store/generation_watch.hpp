// Follows a generation: a number in a one-row table (`SELECT value FROM <table> WHERE id = 1`)
// that database triggers bump in the transaction of every change it stands for, and that a
// trigger notifies on a channel. Knows it without a database read per call where the database
// says when it changes (store::Listen: LISTEN/NOTIFY on PostgreSQL, PRAGMA data_version polled
// on SQLite).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "store/database.hpp"
#include "store/notifications.hpp"

namespace liaison::store {

// The longest a watch answers from what it read without reading again, notifications or not: it
// bounds the staleness when notifications do not arrive although the connection looks up (a
// connection pooler in transaction mode between liaison and PostgreSQL, an engine whose
// notifications do not cross its nodes, a partition not yet noticed).
inline constexpr std::chrono::milliseconds kGenerationMaxTrust{1000};

// Follows the generation in `table` of one database. While its subscription is up, the
// generation is read from the database only after a notification, after a write transaction
// committed by this process (so a server always reads its own writes), and after the
// subscription was re-established; otherwise on every call; and at least every
// kGenerationMaxTrust. What it cannot see at once: a commit by another process whose
// notification has not arrived yet (on PostgreSQL the time the database takes to deliver it,
// normally well under a millisecond on one network; on SQLite up to the data_version poll
// interval, 100 ms), during which Current() may answer the generation from before that commit;
// never for longer than kGenerationMaxTrust. Thread-safe.
class GenerationWatch {
 public:
  // Follows `table` of `db`, opened from `url`, subscribed to `channel`. `what` names the
  // generation in log lines ("directory"). `db` must outlive the watch, and no call may be
  // running when it is destroyed.
  GenerationWatch(Database& db, const std::string& url, std::string channel, std::string table,
                  std::string what);
  virtual ~GenerationWatch();

  GenerationWatch(const GenerationWatch&) = delete;
  GenerationWatch& operator=(const GenerationWatch&) = delete;

  // The current generation, as ReadGeneration(db, table) reads it (within the window above).
  Result<std::int64_t> Current();

  // The current generation as Current() would answer it without reading the database, or
  // nullopt when Current() would read it (not listening, a change since the last read, or the
  // last read older than kGenerationMaxTrust). Never blocks on the database.
  std::optional<std::int64_t> Known();

  // True while the subscription is up.
  bool listening() const { return listening_.load(std::memory_order_acquire); }
  // How many times the subscription was set up since start.
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // How many times the generation was read from the database.
  std::uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }
  // Counts a read made outside the watch (in a caller's transaction).
  void CountRead();

  Database& db() const { return db_; }
  const std::string& table() const { return table_; }

 private:
  // The number of changes that may have moved the generation since start: notifications,
  // (re-)connections and this process's write commits. Only grows.
  std::uint64_t Epoch() const;
  // The value read at `epoch` less than kGenerationMaxTrust before `now`, if any.
  std::optional<std::int64_t> KnownAt(std::uint64_t epoch,
                                      std::chrono::steady_clock::time_point now);

  Database& db_;
  const std::string table_;
  std::atomic<bool> listening_{false};
  std::atomic<std::uint64_t> notifications_{0};  // Notifications and (re-)connections.
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> reads_{0};
  std::mutex mu_;
  bool known_ = false;             // By mu_: known_value_ was read at known_epoch_.
  std::uint64_t known_epoch_ = 0;  // By mu_.
  std::int64_t known_value_ = 0;   // By mu_.
  std::chrono::steady_clock::time_point known_at_;  // By mu_: when known_value_ was read.
  std::unique_ptr<Subscription> subscription_;      // Last: stopped first.
};

// Reads the generation in `table` (a one-row table: id 1, value) inside `tx`.
Result<std::int64_t> ReadGeneration(Transaction& tx, std::string_view table);
// The same in a read transaction of its own.
Result<std::int64_t> ReadGeneration(Database& db, std::string_view table);

}  // namespace liaison::store
