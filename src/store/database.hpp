// The database interface every module stores its records through. SQL is written once, with `?`
// placeholders and the portable subset of SQL that SQLite and PostgreSQL share; a backend
// translates what differs. Implementations are thread-safe; a Transaction is used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/result.hpp"

namespace liaison::store {

// One SQL parameter or column value: null, integer, real, text or blob.
class Value {
 public:
  struct BlobTag {};
  Value() = default;
  Value(std::nullptr_t) {}                           // NOLINT
  Value(int v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT
  Value(long v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT
  Value(long long v) : v_(static_cast<std::int64_t>(v)) {}  // NOLINT
  Value(bool v) : v_(static_cast<std::int64_t>(v ? 1 : 0)) {}  // NOLINT
  Value(double v) : v_(v) {}                          // NOLINT
  Value(std::string v) : v_(std::move(v)) {}          // NOLINT
  Value(const char* v) : v_(std::string(v)) {}        // NOLINT
  Value(std::string_view v) : v_(std::string(v)) {}   // NOLINT
  template <typename T>
  Value(const std::optional<T>& v) {  // NOLINT
    if (v) *this = Value(*v);
  }
  static Value Blob(std::string bytes) {
    Value v;
    v.v_ = BlobBytes{std::move(bytes)};
    return v;
  }

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_real() const { return std::holds_alternative<double>(v_); }
  bool is_text() const { return std::holds_alternative<std::string>(v_); }
  bool is_blob() const { return std::holds_alternative<BlobBytes>(v_); }
  std::int64_t as_int() const;   // 0 for null; converts real.
  double as_real() const;        // 0 for null; converts int.
  const std::string& as_text() const;  // Text or blob bytes; "" for null and numbers.

 private:
  struct BlobBytes {
    std::string bytes;
  };
  std::variant<std::monostate, std::int64_t, double, std::string, BlobBytes> v_;
};

// One result row. Column accessors take the 0-based column index.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  const Value& operator[](std::size_t i) const { return values_.at(i); }
  bool IsNull(std::size_t i) const { return values_.at(i).is_null(); }
  std::int64_t Int(std::size_t i) const { return values_.at(i).as_int(); }
  double Real(std::size_t i) const { return values_.at(i).as_real(); }
  const std::string& Text(std::size_t i) const { return values_.at(i).as_text(); }
  std::optional<std::string> OptText(std::size_t i) const;
  std::optional<std::int64_t> OptInt(std::size_t i) const;

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;
using Params = std::vector<Value>;

enum class TxMode {
  kRead,   // A consistent snapshot; writes are refused.
  kWrite,  // Serialised with every other write transaction.
};

// A transaction. Destroying it without Commit() rolls back. Not thread-safe.
class Transaction {
 public:
  virtual ~Transaction() = default;
  // Runs a statement that returns rows.
  virtual Result<Rows> Query(std::string_view sql, const Params& params = {}) = 0;
  // Runs a statement; returns the number of rows changed. A unique-constraint violation is
  // already_exists; a busy or lost database is unavailable. After any failed statement the
  // transaction can only be rolled back (PostgreSQL refuses further statements; Commit fails).
  virtual Result<std::int64_t> Execute(std::string_view sql, const Params& params = {}) = 0;
  // Commits; after a failure the transaction is rolled back. A connection lost while committing
  // is unavailable: the transaction may or may not have been applied, and is never retried.
  virtual Status Commit() = 0;
  // True when the transaction failed in a way that applied nothing and that running it again
  // may cure: its connection was lost, or the database refused it with a serialization failure
  // or deadlock, before COMMIT was sent (for a read transaction, at any point). False when a
  // write's COMMIT was sent and its outcome is unknown. InTransaction reads it.
  virtual bool RetrySafe() const { return false; }
};

// Counters for /metrics and /readyz.
struct DatabaseStats {
  int pool_size = 0;           // The most connections the pool opens.
  int connections_total = 0;   // Connections open now.
  int connections_in_use = 0;  // Connections lent to transactions now.
  int waiting = 0;             // Callers waiting for a free connection now.
  std::int64_t pool_timeouts = 0;  // Begin() calls that gave up waiting since start.
  std::int64_t transactions_started = 0;
  std::int64_t transactions_failed = 0;
};

// A database-wide lock held for as long as the object lives (see Database::LockExclusive).
class ExclusiveLock {
 public:
  virtual ~ExclusiveLock() = default;
};

// A database: a pool of connections to one SQLite file or PostgreSQL server. Thread-safe.
class Database {
 public:
  virtual ~Database() = default;
  // Starts a transaction, waiting for a free connection up to the pool's timeout
  // (then unavailable).
  virtual Result<std::unique_ptr<Transaction>> Begin(TxMode mode) = 0;
  // "sqlite" or "postgresql".
  virtual std::string_view Kind() const = 0;
  // Checks that the database answers.
  virtual Status Ping() = 0;
  virtual DatabaseStats Stats() const = 0;
  // Takes the lock named `name`, shared by every process using this database, waiting for as
  // long as another holds it; released when the returned object is destroyed. Used so that two
  // servers starting together do not both migrate. On SQLite, where every write transaction
  // already excludes the others, this is a no-op. Returns unavailable when the database fails.
  virtual Result<std::unique_ptr<ExclusiveLock>> LockExclusive(std::string_view name) = 0;
};

inline constexpr std::chrono::milliseconds kDefaultPoolWait = std::chrono::seconds(10);

// Opens the database named by `url`: sqlite:///absolute/path.db, sqlite://relative/path.db or
// postgresql://user:password@host:port/dbname?options (libpq's URI syntax; postgres:// too).
// Creates the SQLite file if missing. The pool holds at most `pool_size` connections; Begin()
// waits up to `pool_wait` for a free one. Returns invalid_argument for an unknown scheme and
// unavailable when the database cannot be opened or reached.
Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size,
                                       std::chrono::milliseconds pool_wait = kDefaultPoolWait);

// How often InTransaction runs a body whose transaction failed RetrySafe(), at most.
inline constexpr int kTransactionAttempts = 3;

// Runs `body(tx)` in a transaction of `mode` and commits when it succeeds. `body` returns a
// Result<T> or Status; its error is returned after rolling back.
//
// When the transaction fails in a way that applied nothing (Transaction::RetrySafe: a lost
// connection or a serialization failure before COMMIT was sent), the whole transaction is run
// again, body included, up to kTransactionAttempts times in all. `body` must therefore be
// re-runnable: it may change the database and assign what it computed to the caller's variables,
// but must not do anything outside the database that a second run would repeat (send a message,
// append to a caller's list, count, move from a captured variable). A read-only body is, as long
// as it only assigns to captured variables. Use InTransactionOnce for a body that is not.
template <typename Body>
auto InTransaction(Database& db, TxMode mode, Body&& body)
    -> decltype(body(std::declval<Transaction&>())) {
  for (int attempt = 1;; ++attempt) {
    auto tx = db.Begin(mode);
    if (!tx.has_value()) return std::move(tx).error();
    auto result = body(**tx);
    if (result.has_value()) {
      auto status = (*tx)->Commit();
      if (status.has_value()) return result;
      if (attempt >= kTransactionAttempts || !(*tx)->RetrySafe()) return std::move(status).error();
    } else if (attempt >= kTransactionAttempts || !(*tx)->RetrySafe()) {
      return result;
    }
  }
}

// InTransaction for a body that must run at most once: a failure is returned, never retried.
template <typename Body>
auto InTransactionOnce(Database& db, TxMode mode, Body&& body)
    -> decltype(body(std::declval<Transaction&>())) {
  auto tx = db.Begin(mode);
  if (!tx.has_value()) return std::move(tx).error();
  auto result = body(**tx);
  if (!result.has_value()) return result;
  RETURN_IF_ERROR((*tx)->Commit());
  return result;
}

}  // namespace liaison::store
