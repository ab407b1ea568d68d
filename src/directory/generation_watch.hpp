// Knows the directory generation (DirectoryGeneration) without a database read per request
// where the database says when it changes: on PostgreSQL a dedicated connection LISTENs on the
// channel that directory migration 5 notifies at every commit that changes the generation.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "store/database.hpp"
#include "store/notifications.hpp"

namespace liaison::directory {

// The channel the directory's changes are notified on.
inline constexpr const char* kDirectoryChannel = "liaison_directory";

// The longest a watch answers from what it read without reading again, notifications or not: it
// bounds the staleness when notifications do not arrive although the connection looks up (a
// connection pooler in transaction mode between liaison and PostgreSQL, an engine whose
// notifications do not cross its nodes, a partition not yet noticed).
inline constexpr std::chrono::milliseconds kGenerationMaxTrust{1000};

// Follows the directory generation of one database. While its listening connection is up, the
// generation is read from the database only after a notification, after a write transaction
// committed by this process (so a server always reads its own writes), and after the
// connection was re-established; otherwise, and always on SQLite (no notifications), on every
// call; and at least every kGenerationMaxTrust. What it cannot see at once: a commit by another
// process whose notification has not arrived yet (the time PostgreSQL takes to deliver it,
// normally well under a millisecond on one network), during which Current() may answer the
// generation from before that commit; never for longer than kGenerationMaxTrust.
//
// While a watch exists for a database, DirectoryGeneration(db) answers through it (one watch per
// process: a second one made while the first lives works, but only through Current()).
// Thread-safe.
class GenerationWatch {
 public:
  // Follows `db`, opened from `url`, listening when the store has notifications. `db` must
  // outlive the watch, and no call may be running when it is destroyed.
  GenerationWatch(store::Database& db, const std::string& url);
  ~GenerationWatch();

  GenerationWatch(const GenerationWatch&) = delete;
  GenerationWatch& operator=(const GenerationWatch&) = delete;

  // The watch DirectoryGeneration(db) answers through, or null.
  static GenerationWatch* For(const store::Database& db);
  // The watch DirectoryGeneration answers through for its database, or null.
  static GenerationWatch* Active();

  // The current generation, as ReadDirectoryGeneration(db) reads it (within the window above).
  Result<std::int64_t> Current();

  // True while the listening connection is up (never on SQLite).
  bool listening() const { return listening_.load(std::memory_order_acquire); }
  // How many times the listening connection was set up since start.
  std::uint64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  // How many times the generation was read from the database.
  std::uint64_t reads() const { return reads_.load(std::memory_order_relaxed); }
  // Counts a read made outside the watch (DirectoryGenerationIn, in a caller's transaction).
  void CountRead();

 private:
  // The number of changes that may have moved the generation since start: notifications,
  // (re-)connections and this process's write commits. Only grows.
  std::uint64_t Epoch() const;
  Result<std::int64_t> Read();

  store::Database& db_;
  bool registered_ = false;
  std::atomic<bool> listening_{false};
  std::atomic<std::uint64_t> notifications_{0};  // Notifications and (re-)connections.
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> reads_{0};
  std::mutex mu_;
  bool known_ = false;             // By mu_: known_value_ was read at known_epoch_.
  std::uint64_t known_epoch_ = 0;  // By mu_.
  std::int64_t known_value_ = 0;   // By mu_.
  std::chrono::steady_clock::time_point known_at_;     // By mu_: when known_value_ was read.
  std::unique_ptr<store::Subscription> subscription_;  // Last: stopped first.
};

// Reads the directory generation from the database (one read transaction), whatever watches.
Result<std::int64_t> ReadDirectoryGeneration(store::Database& db);
// The same inside the caller's transaction `tx`.
Result<std::int64_t> ReadDirectoryGeneration(store::Transaction& tx);

}  // namespace liaison::directory
