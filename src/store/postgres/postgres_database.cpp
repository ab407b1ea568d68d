#include "store/postgres/postgres_database.hpp"

#include <libpq-fe.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/dialect.hpp"

namespace liaison::store::postgres {
namespace {

// Type OIDs of the built-in types (src/include/catalog/pg_type.dat); stable across versions.
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// Seconds libpq waits for a server to accept a connection, unless the URL says otherwise.
constexpr const char* kConnectTimeoutSeconds = "5";

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A stable 64-bit advisory-lock key for `name` (FNV-1a over "liaison:" + name), so that the
// keys of liaison's locks are fixed and unlikely to collide with another application's.
std::int64_t LockKey(std::string_view name) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  auto add = [&](std::string_view text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ULL;
    }
  };
  add("liaison:");
  add(name);
  return static_cast<std::int64_t>(hash);
}

std::string TrimMessage(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

// Where a connection goes, for messages: host, port and database, never the password.
std::string Describe(PGconn* conn) {
  const char* host = PQhost(conn);
  const char* port = PQport(conn);
  const char* db = PQdb(conn);
  return std::string("PostgreSQL at ") + (host && *host ? host : "localhost") + ":" +
         (port && *port ? port : "5432") + "/" + (db ? db : "");
}

// libpq prints the server's notices (e.g. "relation … already exists, skipping" for CREATE TABLE
// IF NOT EXISTS) to stderr, which would interleave with the JSON log; they carry nothing the
// caller does not learn from the statement's result.
void IgnoreNotice(void*, const char*) {}

// The reason of a serialization failure or deadlock (40001, 40P01): PostgreSQL rolled the
// transaction back, and running it again may succeed.
constexpr std::string_view kSerializationFailure = "serialization_failure";

bool IsConnectionLossState(std::string_view sqlstate) {
  // Class 08 (connection exception); 57P01..57P03: the server is shutting down or starting.
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

// One libpq connection with its prepared statements. Used by one thread at a time.
class Connection {
 public:
  explicit Connection(PGconn* conn) : conn_(conn) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Connects to `url`, naming itself `application_name` (in pg_stat_activity) unless the URL
  // does; unavailable with a message naming the server when that fails.
  static Result<std::unique_ptr<Connection>> Connect(const std::string& url,
                                                     const char* application_name = "liaison") {
    // The URL comes last so that what it sets overrides these defaults.
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {kConnectTimeoutSeconds, application_name, url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn == nullptr) return Error::Unavailable("cannot allocate a PostgreSQL connection");
    auto connection = std::make_unique<Connection>(conn);
    PQsetNoticeProcessor(conn, IgnoreNotice, nullptr);
    if (PQstatus(conn) != CONNECTION_OK) {
      return Error::Unavailable("cannot connect to " + Describe(conn) + ": " +
                                TrimMessage(PQerrorMessage(conn)));
    }
    return connection;
  }

  PGconn* conn() const { return conn_; }
  bool broken() const { return broken_ || PQstatus(conn_) != CONNECTION_OK; }
  bool idle() const { return PQtransactionStatus(conn_) == PQTRANS_IDLE; }

  // Turns a failed result (or none) into an Error, marking the connection broken when the
  // failure lost it.
  Error ToError(const PGresult* result, std::string_view what) {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    std::string sqlstate = state ? state : "";
    // The primary message only: DETAIL lines may quote row values (e-mail addresses, tokens).
    const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
    std::string message = std::string(what) + ": " +
                          (primary ? std::string(primary) : TrimMessage(PQerrorMessage(conn_)));
    if (!sqlstate.empty()) message += " [" + sqlstate + "]";
    if (PQstatus(conn_) != CONNECTION_OK || IsConnectionLossState(sqlstate) || sqlstate.empty()) {
      broken_ = true;
      return Error::Unavailable("lost the connection to PostgreSQL (" + message + ")");
    }
    if (sqlstate == "23505") return Error::AlreadyExists(message);
    if (sqlstate == "40001" || sqlstate == "40P01") {
      return {ErrorCode::kUnavailable, message, {}, std::string(kSerializationFailure)};
    }
    if (sqlstate == "53300" || sqlstate == "57014" || sqlstate == "55P03") {
      return Error::Unavailable(message);  // Too many connections, cancelled, lock timeout.
    }
    if (sqlstate.starts_with("23")) return Error::FailedPrecondition(message, "constraint");
    if (sqlstate == "22021" || sqlstate == "22P05") {
      return Error::InvalidArgument("text is not valid UTF-8", "", "invalid_utf8");
    }
    if (sqlstate.starts_with("22")) {
      // A value PostgreSQL's column types refuse (out of range, not a number) where SQLite's
      // dynamic typing would have stored it: the caller's input, not the server's fault.
      return Error::InvalidArgument(message, "", "invalid_value");
    }
    return Error::Internal(message);
  }

  // Runs `sql` (no parameters, possibly several statements) with the simple protocol.
  Status Command(const char* sql) {
    PgResult result(PQexec(conn_, sql));
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) return ToError(result.get(), sql);
    return OkStatus();
  }

  // Runs `translated` (the text of `sql` for PostgreSQL) with `params`, preparing it on first
  // use.
  Result<PgResult> Run(std::string_view sql, const TranslatedSql& translated,
                       const Params& params) {
    if (static_cast<std::size_t>(translated.parameters) != params.size()) {
      return Error::Internal("parameter count mismatch for: " + std::string(sql));
    }
    if (translated.script) {
      // A script (a trigger and its function) cannot be prepared; it has no parameters.
      PgResult result(PQexec(conn_, translated.text.c_str()));
      auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
      if (status != PGRES_COMMAND_OK) return ToError(result.get(), "statement failed");
      return result;
    }
    ASSIGN_OR_RETURN(const Prepared* prepared, Prepare(sql, translated));
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Value& v = params[i];
      Oid type = prepared->param_types[i];
      if (v.is_null()) continue;
      if (v.is_blob()) {
        // Binary format: the bytes as they are, no escaping.
        values[i] = v.as_text().data();
        lengths[i] = static_cast<int>(v.as_text().size());
        formats[i] = 1;
        continue;
      }
      if (v.is_int()) {
        texts[i] =
            type == kBoolOid ? (v.as_int() != 0 ? "true" : "false") : std::to_string(v.as_int());
      } else if (v.is_real()) {
        double d = v.as_real();
        if (std::isnan(d)) {
          texts[i] = "NaN";
        } else if (std::isinf(d)) {
          texts[i] = d > 0 ? "Infinity" : "-Infinity";
        } else {
          char buffer[32];
          std::snprintf(buffer, sizeof buffer, "%.17g", d);
          texts[i] = buffer;
        }
      } else {
        // libpq reads text parameters up to their first NUL, and PostgreSQL cannot store one in
        // text: refuse rather than store a shortened value.
        if (v.as_text().find('\0') != std::string::npos) {
          return Error::InvalidArgument("text contains a NUL character", "", "nul_character");
        }
        texts[i] = v.as_text();
      }
      values[i] = texts[i].c_str();
      lengths[i] = static_cast<int>(texts[i].size());
    }
    PgResult result(PQexecPrepared(conn_, prepared->name.c_str(), static_cast<int>(params.size()),
                                   values.data(), lengths.data(), formats.data(),
                                   /*resultFormat=*/0));
    auto status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return ToError(result.get(), "statement failed");
    }
    return result;
  }

 private:
  struct Prepared {
    std::string name;
    std::vector<Oid> param_types;  // As the server inferred them from the statement.
  };

  Result<const Prepared*> Prepare(std::string_view sql, const TranslatedSql& translated) {
    auto it = prepared_.find(std::string(sql));
    if (it != prepared_.end()) return &it->second;
    Prepared prepared;
    prepared.name = "s" + std::to_string(prepared_.size() + 1);
    // Parameter types are left for the server to infer from the statement (as column types,
    // LIMIT counts, …), so that portable SQL needs no casts; PQdescribePrepared then tells how
    // each value must be sent.
    PgResult result(PQprepare(conn_, prepared.name.c_str(), translated.text.c_str(),
                              translated.parameters, nullptr));
    if (!result || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      return ToError(result.get(), "prepare");
    }
    PgResult description(PQdescribePrepared(conn_, prepared.name.c_str()));
    if (!description || PQresultStatus(description.get()) != PGRES_COMMAND_OK) {
      return ToError(description.get(), "describe");
    }
    for (int i = 0; i < PQnparams(description.get()); ++i) {
      prepared.param_types.push_back(PQparamtype(description.get(), i));
    }
    auto [inserted, ok] = prepared_.emplace(std::string(sql), std::move(prepared));
    return &inserted->second;
  }

  PGconn* conn_;
  bool broken_ = false;
  std::unordered_map<std::string, Prepared> prepared_;
};

Value DecodeValue(const PGresult* result, int row, int column) {
  if (PQgetisnull(result, row, column)) return Value();
  const char* text = PQgetvalue(result, row, column);
  int length = PQgetlength(result, row, column);
  switch (PQftype(result, column)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      long long n = 0;
      std::from_chars(text, text + length, n);
      return Value(n);
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid:
      return Value(std::strtod(text, nullptr));
    case kBoolOid:
      return Value(text[0] == 't');
    case kByteaOid: {
      std::size_t size = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &size);
      std::string blob(bytes ? reinterpret_cast<const char*>(bytes) : "", bytes ? size : 0);
      PQfreemem(bytes);
      return Value::Blob(std::move(blob));
    }
    default:
      return Value(std::string(text, static_cast<std::size_t>(length)));
  }
}

Rows DecodeRows(const PGresult* result) {
  Rows rows;
  int columns = PQnfields(result);
  int count = PQntuples(result);
  rows.reserve(static_cast<std::size_t>(count));
  for (int r = 0; r < count; ++r) {
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) values.push_back(DecodeValue(result, r, c));
    rows.emplace_back(std::move(values));
  }
  return rows;
}

std::int64_t ChangedRows(const PGresult* result) {
  const char* text = PQcmdTuples(const_cast<PGresult*>(result));
  std::int64_t n = 0;
  if (text) std::from_chars(text, text + std::char_traits<char>::length(text), n);
  return n;
}

class PostgresDatabase;

class PgTransaction final : public Transaction {
 public:
  PgTransaction(PostgresDatabase* owner, std::unique_ptr<Connection> connection, TxMode mode)
      : owner_(owner), connection_(std::move(connection)), mode_(mode) {}
  ~PgTransaction() override;

  Result<Rows> Query(std::string_view sql, const Params& params) override {
    ASSIGN_OR_RETURN(PgResult result, Run(sql, params));
    return DecodeRows(result.get());
  }

  Result<std::int64_t> Execute(std::string_view sql, const Params& params) override {
    if (mode_ == TxMode::kRead) return Error::Internal("write statement in a read transaction");
    ASSIGN_OR_RETURN(PgResult result, Run(sql, params));
    return ChangedRows(result.get());
  }

  Status Commit() override;
  bool RetrySafe() const override { return retry_safe_; }

 private:
  // Whether `error`, which ended this transaction, left it safe to run again.
  bool Curable(const Error& error) const {
    return connection_->broken() || error.reason == kSerializationFailure;
  }

  Result<PgResult> Run(std::string_view sql, const Params& params);

  PostgresDatabase* owner_;
  std::unique_ptr<Connection> connection_;
  TxMode mode_;
  bool open_ = true;
  bool failed_ = false;  // A statement failed: PostgreSQL has aborted the transaction.
  bool retry_safe_ = false;
};

class SessionLock final : public ExclusiveLock {
 public:
  SessionLock(std::unique_ptr<Connection> connection, std::int64_t key)
      : connection_(std::move(connection)), key_(key) {}
  ~SessionLock() override {
    // Closing the session releases the lock too; unlocking first is just tidier in the logs.
    std::string sql = "SELECT pg_advisory_unlock(" + std::to_string(key_) + ")";
    (void)connection_->Command(sql.c_str());
  }

 private:
  std::unique_ptr<Connection> connection_;
  std::int64_t key_;
};

// How often an idle listening connection is checked with a query, and how long the answer may
// take before the connection counts as lost: a connection that vanished without a reset (a
// network partition) is noticed within twice this time.
constexpr std::chrono::seconds kListenHeartbeat{5};
// The longest wait between attempts to re-establish a lost listening connection.
constexpr std::chrono::milliseconds kListenMaxBackoff{5000};

// LISTEN on a dedicated connection, on a thread of its own that waits on the connection's socket
// and on an eventfd that the destructor signals.
class PgSubscription final : public Subscription {
 public:
  PgSubscription(std::string url, std::string channel, NotificationHandlers handlers)
      : url_(std::move(url)),
        channel_(std::move(channel)),
        handlers_(std::move(handlers)),
        wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  ~PgSubscription() override {
    stopping_ = true;
    const std::uint64_t one = 1;
    if (wake_ >= 0) (void)!write(wake_, &one, sizeof one);
    if (thread_.joinable()) thread_.join();
    if (wake_ >= 0) close(wake_);
  }

  Status Start() {
    if (wake_ < 0) return Error::Internal("cannot create an eventfd for a subscription");
    thread_ = std::thread([this] { Run(); });
    return OkStatus();
  }

 private:
  void Run() {
    std::chrono::milliseconds backoff{0};
    bool down = false;  // `lost` was reported, `listening` not since.
    while (!stopping_) {
      if (backoff.count() > 0 && Wait(-1, backoff) == Event::kStop) return;
      bool listened = false;
      Error error = Listen(&listened);  // Returns when the connection is lost, or on stop.
      if (stopping_) return;
      if (listened) {
        down = false;
        backoff = std::chrono::milliseconds(0);  // It worked until now: try again at once.
      } else {
        backoff =
            std::min(kListenMaxBackoff, std::max(backoff * 2, std::chrono::milliseconds(100)));
      }
      if (!down && handlers_.lost) handlers_.lost(error);
      down = true;
    }
  }

  enum class Event { kSocket, kTimeout, kStop };

  // Waits for the socket `fd` (none when negative) to be readable, for the eventfd, or for
  // `timeout`.
  Event Wait(int fd, std::chrono::milliseconds timeout) {
    pollfd fds[2] = {{wake_, POLLIN, 0}, {fd, POLLIN, 0}};
    int n = poll(fds, fd >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
    if (stopping_ || (n > 0 && (fds[0].revents & POLLIN))) return Event::kStop;
    return n > 0 ? Event::kSocket : Event::kTimeout;
  }

  // Connects, listens and reports notifications until the connection fails (returns why) or
  // the subscription stops.
  Error Listen(bool* listened) {
    auto connection = Connection::Connect(url_, "liaison listener");
    if (!connection.has_value()) return std::move(connection).error();
    PGconn* conn = (*connection)->conn();
    const std::string listen = "LISTEN " + channel_;
    if (Status status = (*connection)->Command(listen.c_str()); !status.has_value()) {
      return std::move(status).error();
    }
    *listened = true;
    if (handlers_.listening) handlers_.listening();
    std::optional<std::chrono::steady_clock::time_point> heartbeat_sent;
    while (!stopping_) {
      Event event = Wait(PQsocket(conn), kListenHeartbeat);
      if (event == Event::kStop) break;
      if (event == Event::kTimeout) {
        if (heartbeat_sent) return Error::Unavailable("the listening connection stopped answering");
        if (PQsendQuery(conn, "SELECT 1") == 0 || PQflush(conn) != 0) return Lost(conn);
        heartbeat_sent = std::chrono::steady_clock::now();
        continue;
      }
      if (PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK) return Lost(conn);
      while (heartbeat_sent && PQisBusy(conn) == 0) {
        PgResult result(PQgetResult(conn));
        if (!result) {
          heartbeat_sent.reset();
          break;
        }
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) return Lost(conn);
      }
      while (PGnotify* notify = PQnotifies(conn)) {
        std::string payload = notify->extra ? notify->extra : "";
        PQfreemem(notify);
        if (handlers_.notified) handlers_.notified(payload);
      }
      if (heartbeat_sent && std::chrono::steady_clock::now() - *heartbeat_sent > kListenHeartbeat) {
        return Error::Unavailable("the listening connection stopped answering");
      }
    }
    return Error::Unavailable("stopped");
  }

  static Error Lost(PGconn* conn) {
    return Error::Unavailable("lost the listening connection to PostgreSQL: " +
                              TrimMessage(PQerrorMessage(conn)));
  }

  const std::string url_;
  const std::string channel_;
  const NotificationHandlers handlers_;
  const int wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(std::string url, int pool_size, std::chrono::milliseconds pool_wait)
      : url_(std::move(url)), pool_size_(std::max(1, pool_size)), pool_wait_(pool_wait) {}

  Status Connect() {
    ASSIGN_OR_RETURN(auto connection, Connection::Connect(url_));
    std::lock_guard lock(mutex_);
    ++open_;
    idle_.push_back(std::move(connection));
    return OkStatus();
  }

  Result<std::unique_ptr<Transaction>> Begin(TxMode mode) override {
    auto deadline = std::chrono::steady_clock::now() + pool_wait_;
    for (int attempt = 1;; ++attempt) {
      ASSIGN_OR_RETURN(auto connection, Acquire(deadline));
      // Writers take the advisory lock first thing, in the same round trip as BEGIN. READ
      // COMMITTED, not REPEATABLE READ: a snapshot would be taken when the lock statement
      // starts, before the lock is granted, and miss the previous writer's commit; with all
      // writers serialised, every statement after the lock sees all earlier writes.
      static const std::string kBeginWrite =
          "BEGIN ISOLATION LEVEL READ COMMITTED; SELECT pg_advisory_xact_lock(" +
          std::to_string(LockKey("write")) + ")";
      auto status = connection->Command(mode == TxMode::kWrite
                                            ? kBeginWrite.c_str()
                                            : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      if (status.has_value()) {
        {
          std::lock_guard lock(mutex_);
          ++started_;
        }
        return std::unique_ptr<Transaction>(new PgTransaction(this, std::move(connection), mode));
      }
      // A connection found broken when the transaction starts (the server restarted, or an
      // administrator ended the session) is replaced and the start retried: nothing has run on
      // it yet, so retrying cannot apply anything twice. After a restart every idle connection
      // is stale, hence up to one retry per pooled connection, plus a fresh one.
      bool retry = connection->broken() && attempt <= pool_size_;
      Release(std::move(connection));
      if (!retry) {
        std::lock_guard lock(mutex_);
        ++failed_;
        return std::move(status).error();
      }
    }
  }

  std::string_view Kind() const override { return "postgresql"; }

  Status Ping() override {
    ASSIGN_OR_RETURN(auto tx, Begin(TxMode::kRead));
    ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT 1"));
    return tx->Commit();
  }

  DatabaseStats Stats() const override {
    std::lock_guard lock(mutex_);
    DatabaseStats stats;
    stats.pool_size = pool_size_;
    stats.connections_total = open_;
    stats.connections_in_use = open_ - static_cast<int>(idle_.size());
    stats.waiting = waiting_;
    stats.pool_timeouts = timeouts_;
    stats.transactions_started = started_;
    stats.transactions_failed = failed_;
    return stats;
  }

  Result<std::unique_ptr<ExclusiveLock>> LockExclusive(std::string_view name) override {
    // A connection of its own, outside the pool: the lock is held for the session while the
    // pool's connections run the work it protects.
    ASSIGN_OR_RETURN(auto connection, Connection::Connect(url_));
    std::int64_t key = LockKey(name);
    std::string sql = "SELECT pg_advisory_lock(" + std::to_string(key) + ")";
    RETURN_IF_ERROR(connection->Command(sql.c_str()));
    return std::unique_ptr<ExclusiveLock>(new SessionLock(std::move(connection), key));
  }

  // Returns a connection to the pool, or closes it when it is broken or in a transaction.
  void Release(std::unique_ptr<Connection> connection) {
    bool keep = !connection->broken() && connection->idle();
    std::unique_ptr<Connection> discarded;
    {
      std::lock_guard lock(mutex_);
      if (keep) {
        idle_.push_back(std::move(connection));
      } else {
        --open_;
        discarded = std::move(connection);
      }
    }
    available_.notify_one();
  }

  void CountFailure() {
    std::lock_guard lock(mutex_);
    ++failed_;
  }

  // Statement texts translated once for the whole pool.
  std::shared_ptr<const TranslatedSql> Translated(std::string_view sql) {
    std::lock_guard lock(translations_mutex_);
    auto it = translations_.find(std::string(sql));
    if (it != translations_.end()) return it->second;
    auto translated = std::make_shared<const TranslatedSql>(Translate(sql, Dialect::kPostgres));
    translations_.emplace(std::string(sql), translated);
    return translated;
  }

 private:
  // Lends an idle connection, opens a new one while the pool is below its size, or waits until
  // `deadline` for one to be returned (then unavailable).
  Result<std::unique_ptr<Connection>> Acquire(std::chrono::steady_clock::time_point deadline) {
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      bool ready = available_.wait_until(lock, deadline,
                                         [&] { return !idle_.empty() || open_ < pool_size_; });
      --waiting_;
      if (!ready) {
        ++timeouts_;
        ++failed_;
        return Error::Unavailable("no database connection became free within " +
                                  std::to_string(pool_wait_.count()) + " ms (pool of " +
                                  std::to_string(pool_size_) + ")");
      }
      if (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
      ++open_;  // Reserve the slot while connecting outside the lock.
    }
    auto connection = Connection::Connect(url_);
    if (!connection.has_value()) {
      {
        std::lock_guard lock(mutex_);
        --open_;
        ++failed_;
      }
      available_.notify_one();
    }
    return connection;
  }

  const std::string url_;
  const int pool_size_;
  const std::chrono::milliseconds pool_wait_;

  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // Connections open or being opened, idle or lent.
  int waiting_ = 0;
  std::int64_t timeouts_ = 0;
  std::int64_t started_ = 0;
  std::int64_t failed_ = 0;

  std::mutex translations_mutex_;
  std::unordered_map<std::string, std::shared_ptr<const TranslatedSql>> translations_;
};

PgTransaction::~PgTransaction() {
  if (open_ && !connection_->broken()) (void)connection_->Command("ROLLBACK");
  owner_->Release(std::move(connection_));
}

Result<PgResult> PgTransaction::Run(std::string_view sql, const Params& params) {
  if (!open_) return Error::Internal("transaction already finished");
  if (failed_) {
    return Error::Internal("statement after a failed statement in the same transaction: " +
                           std::string(sql));
  }
  auto translated = owner_->Translated(sql);
  auto result = connection_->Run(sql, *translated, params);
  if (!result.has_value()) {
    failed_ = true;
    // Before COMMIT: whatever ran is rolled back by the server (or lost with the session).
    retry_safe_ = Curable(result.error());
  }
  return result;
}

Status PgTransaction::Commit() {
  if (!open_) return Error::Internal("transaction already finished");
  open_ = false;
  if (failed_) {
    (void)connection_->Command("ROLLBACK");
    owner_->CountFailure();
    return Error::Internal("commit after a failed statement; the transaction was rolled back");
  }
  auto status = connection_->Command("COMMIT");
  if (status.has_value()) {
    if (mode_ == TxMode::kWrite) CountLocalWriteCommit();
    return status;
  }
  owner_->CountFailure();
  // A read transaction changed nothing, so it may always run again. A write whose COMMIT was
  // refused with a serialization failure was rolled back; one whose connection was lost while
  // committing may have been applied.
  retry_safe_ = mode_ == TxMode::kRead ? Curable(status.error())
                                       : !connection_->broken() && Curable(status.error());
  if (connection_->broken() && mode_ == TxMode::kWrite) {
    CountLocalWriteCommit();  // It may have been applied.
    // The COMMIT may have reached the server and been applied before the connection went: the
    // outcome is unknown, so it is reported, never retried.
    return Error::Unavailable(
        "the connection to PostgreSQL was lost while committing; the change may or may not have "
        "been saved");
  }
  if (!connection_->broken()) (void)connection_->Command("ROLLBACK");
  return status;
}

}  // namespace

Result<std::unique_ptr<Subscription>> Listen(const std::string& url, const std::string& channel,
                                             NotificationHandlers handlers) {
  auto subscription = std::make_unique<PgSubscription>(url, channel, std::move(handlers));
  RETURN_IF_ERROR(subscription->Start());
  return std::unique_ptr<Subscription>(std::move(subscription));
}

Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size,
                                       std::chrono::milliseconds pool_wait) {
  auto database = std::make_unique<PostgresDatabase>(url, pool_size, pool_wait);
  RETURN_IF_ERROR(database->Connect());
  return std::unique_ptr<Database>(std::move(database));
}

}  // namespace liaison::store::postgres
