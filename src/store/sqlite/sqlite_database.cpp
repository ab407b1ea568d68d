#include "store/sqlite/sqlite_database.hpp"

#include <sqlite3.h>

#include <chrono>
#include <optional>
#include <thread>
#include <unordered_map>

#include "store/notifications.hpp"

namespace liaison::store::sqlite {
namespace {

constexpr int kBusyTimeoutMs = 10000;

Error SqliteError(sqlite3* db, int rc, std::string_view what) {
  int extended = db ? sqlite3_extended_errcode(db) : rc;
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error::AlreadyExists(message);
  }
  if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
    return Error::Unavailable(message);
  }
  if ((rc & 0xff) == SQLITE_CONSTRAINT) return Error::FailedPrecondition(message, "constraint");
  return Error::Internal(message);
}

}  // namespace

// One SQLite connection with its prepared-statement cache. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(sqlite3* db) : db_(db) {}
  ~Connection() {
    for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }
  sqlite3* db() const { return db_; }

  Result<sqlite3_stmt*> Prepare(std::string_view sql) {
    auto it = statements_.find(std::string(sql));
    if (it != statements_.end()) {
      sqlite3_reset(it->second);
      sqlite3_clear_bindings(it->second);
      return it->second;
    }
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, "prepare");
    statements_.emplace(std::string(sql), stmt);
    return stmt;
  }

  Status ExecPlain(const char* sql) {
    char* message = nullptr;
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    if (rc != SQLITE_OK) {
      std::string text = message ? message : sqlite3_errstr(rc);
      sqlite3_free(message);
      Error e = SqliteError(db_, rc, sql);
      e.message = std::string(sql) + ": " + text;
      return e;
    }
    return OkStatus();
  }

 private:
  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

class SqliteTransaction final : public Transaction {
 public:
  SqliteTransaction(SqliteDatabase* owner, Connection* connection, TxMode mode,
                    std::unique_lock<std::mutex> writer)
      : owner_(owner), connection_(connection), mode_(mode), writer_(std::move(writer)) {}

  ~SqliteTransaction() override {
    if (open_) (void)connection_->ExecPlain("ROLLBACK");
    if (writer_.owns_lock()) writer_.unlock();
    owner_->Release(connection_);
  }

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    Rows rows;
    RETURN_IF_ERROR(Run(sql, params, &rows));
    return rows;
  }

  Result<std::int64_t> Execute(std::string_view sql, const Params& params) override {
    if (mode_ == TxMode::kRead) {
      return Error::Internal("write statement in a read transaction");
    }
    RETURN_IF_ERROR(Run(sql, params, nullptr));
    return static_cast<std::int64_t>(sqlite3_changes64(connection_->db()));
  }

  Status Commit() override {
    if (!open_) return Error::Internal("transaction already finished");
    auto status = connection_->ExecPlain("COMMIT");
    open_ = false;
    if (status.has_value() && mode_ == TxMode::kWrite) CountLocalWriteCommit();
    if (!status.has_value()) {
      (void)connection_->ExecPlain("ROLLBACK");
      std::lock_guard lock(owner_->mutex_);
      ++owner_->failed_;
    }
    return status;
  }

 private:
  Status Run(std::string_view sql, const Params& params, Rows* rows) {
    if (!open_) return Error::Internal("transaction already finished");
    ASSIGN_OR_RETURN(sqlite3_stmt * stmt, connection_->Prepare(sql));
    if (static_cast<std::size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      return Error::Internal("parameter count mismatch for: " + std::string(sql));
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      int index = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (v.is_null()) {
        rc = sqlite3_bind_null(stmt, index);
      } else if (v.is_int()) {
        rc = sqlite3_bind_int64(stmt, index, v.as_int());
      } else if (v.is_real()) {
        rc = sqlite3_bind_double(stmt, index, v.as_real());
      } else if (v.is_blob()) {
        rc = sqlite3_bind_blob64(stmt, index, v.as_text().data(), v.as_text().size(),
                                 SQLITE_TRANSIENT);
      } else {
        rc = sqlite3_bind_text64(stmt, index, v.as_text().data(), v.as_text().size(),
                                 SQLITE_TRANSIENT, SQLITE_UTF8);
      }
      if (rc != SQLITE_OK) return SqliteError(connection_->db(), rc, "bind");
    }
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Error e = SqliteError(connection_->db(), rc, "step");
        sqlite3_reset(stmt);
        return e;
      }
      if (!rows) continue;
      int n = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(n);
      for (int c = 0; c < n; ++c) {
        switch (sqlite3_column_type(stmt, c)) {
          case SQLITE_INTEGER:
            values.emplace_back(static_cast<long long>(sqlite3_column_int64(stmt, c)));
            break;
          case SQLITE_FLOAT:
            values.emplace_back(sqlite3_column_double(stmt, c));
            break;
          case SQLITE_TEXT:
            values.emplace_back(std::string(
                reinterpret_cast<const char*>(sqlite3_column_text(stmt, c)),
                static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
            break;
          case SQLITE_BLOB: {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, c));
            values.push_back(Value::Blob(
                std::string(data ? data : "", static_cast<std::size_t>(sqlite3_column_bytes(stmt, c)))));
            break;
          }
          default:
            values.emplace_back();
        }
      }
      rows->emplace_back(std::move(values));
    }
    sqlite3_reset(stmt);
    return OkStatus();
  }

  SqliteDatabase* owner_;
  Connection* connection_;
  TxMode mode_;
  std::unique_lock<std::mutex> writer_;
  bool open_ = true;
};

Result<std::unique_ptr<Database>> SqliteDatabase::Open(const std::string& path, int pool_size,
                                                      std::chrono::milliseconds pool_wait) {
  std::unique_ptr<SqliteDatabase> database(new SqliteDatabase(pool_wait));
  for (int i = 0; i < std::max(1, pool_size); ++i) {
    sqlite3* db = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      Error e = Error::Unavailable("cannot open SQLite database " + path + ": " +
                                   (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
      sqlite3_close_v2(db);
      return e;
    }
    auto connection = std::make_unique<Connection>(db);
    sqlite3_busy_timeout(db, kBusyTimeoutMs);
    for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
                               "PRAGMA foreign_keys=ON", "PRAGMA trusted_schema=OFF"}) {
      auto status = connection->ExecPlain(pragma);
      if (!status.has_value()) {
        return Error::Unavailable("cannot open SQLite database " + path + ": " +
                                  status.error().message);
      }
    }
    database->idle_.push_back(connection.get());
    database->connections_.push_back(std::move(connection));
  }
  return std::unique_ptr<Database>(std::move(database));
}

SqliteDatabase::SqliteDatabase(std::chrono::milliseconds pool_wait) : pool_wait_(pool_wait) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<Transaction>> SqliteDatabase::Begin(TxMode mode) {
  // Take the writer lock before a connection so that waiting writers do not hold connections
  // that readers could use.
  std::unique_lock<std::mutex> writer(writer_, std::defer_lock);
  if (mode == TxMode::kWrite) writer.lock();
  Connection* connection = nullptr;
  {
    std::unique_lock lock(mutex_);
    if (!available_.wait_for(lock, pool_wait_, [&] { return !idle_.empty(); })) {
      ++failed_;
      ++timeouts_;
      return Error::Unavailable("no database connection became free in time");
    }
    connection = idle_.back();
    idle_.pop_back();
    ++started_;
  }
  auto status =
      connection->ExecPlain(mode == TxMode::kWrite ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
  if (!status.has_value()) {
    Release(connection);
    std::lock_guard lock(mutex_);
    ++failed_;
    return std::move(status).error();
  }
  return std::unique_ptr<Transaction>(
      new SqliteTransaction(this, connection, mode, std::move(writer)));
}

void SqliteDatabase::Release(Connection* connection) {
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(connection);
  }
  available_.notify_one();
}

Status SqliteDatabase::Ping() {
  ASSIGN_OR_RETURN(auto tx, Begin(TxMode::kRead));
  ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT 1"));
  return tx->Commit();
}

DatabaseStats SqliteDatabase::Stats() const {
  std::lock_guard lock(mutex_);
  DatabaseStats stats;
  stats.pool_size = static_cast<int>(connections_.size());
  stats.connections_total = static_cast<int>(connections_.size());
  stats.pool_timeouts = timeouts_;
  stats.connections_in_use = static_cast<int>(connections_.size() - idle_.size());
  stats.transactions_started = started_;
  stats.transactions_failed = failed_;
  return stats;
}

}  // namespace liaison::store::sqlite

namespace liaison::store::sqlite {
namespace {

// The thread behind a SQLite subscription (see Listen in the header).
class DataVersionPoller final : public Subscription {
 public:
  DataVersionPoller(std::string path, NotificationHandlers handlers,
                    std::chrono::milliseconds interval)
      : path_(std::move(path)), handlers_(std::move(handlers)), interval_(interval) {
    thread_ = std::thread([this] { Run(); });
  }

  ~DataVersionPoller() override {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }

 private:
  // Sleeps for `pause` or until stopped; false once stopped.
  bool Pause(std::chrono::milliseconds pause) {
    std::unique_lock lock(mu_);
    return !wake_.wait_for(lock, pause, [this] { return stop_; });
  }

  void Run() {
    bool up = false;  // `listening` was reported and `lost` not since.
    bool reported_down = false;
    while (Pause(std::chrono::milliseconds(0))) {
      sqlite3* db = nullptr;
      sqlite3_stmt* statement = nullptr;
      int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                               nullptr);
      if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, kBusyTimeoutMs);
        rc = sqlite3_prepare_v3(db, "PRAGMA data_version", -1, SQLITE_PREPARE_PERSISTENT,
                                &statement, nullptr);
      }
      std::optional<std::int64_t> last;
      while (rc == SQLITE_OK) {
        rc = sqlite3_step(statement);
        if (rc != SQLITE_ROW) break;
        const std::int64_t version = sqlite3_column_int64(statement, 0);
        rc = sqlite3_reset(statement);
        if (rc != SQLITE_OK) break;
        if (!up) {
          up = true;
          reported_down = false;
          if (handlers_.listening) handlers_.listening();
        } else if (last && version != *last && handlers_.notified) {
          handlers_.notified("");
        }
        last = version;
        if (!Pause(interval_)) break;
      }
      const bool stopped = !Pause(std::chrono::milliseconds(0));
      if (!stopped && !reported_down && handlers_.lost) {
        handlers_.lost(SqliteError(db, rc, "cannot read PRAGMA data_version of " + path_));
      }
      up = false;
      reported_down = true;
      sqlite3_finalize(statement);
      sqlite3_close_v2(db);
      if (stopped || !Pause(std::chrono::seconds(1))) return;
    }
  }

  const std::string path_;
  const NotificationHandlers handlers_;
  const std::chrono::milliseconds interval_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;  // By mu_.
  std::thread thread_;  // Last: started once the rest is set.
};

}  // namespace

Result<std::unique_ptr<Subscription>> Listen(const std::string& path, NotificationHandlers handlers,
                                             std::chrono::milliseconds interval) {
  return std::unique_ptr<Subscription>(
      std::make_unique<DataVersionPoller>(path, std::move(handlers), interval));
}

}  // namespace liaison::store::sqlite
