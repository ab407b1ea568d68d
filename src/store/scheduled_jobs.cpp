#include "store/scheduled_jobs.hpp"

namespace liaison::store {
namespace {

// Creates the row of job `name` when missing: due at once, held by nobody. A look, then a plain
// INSERT … VALUES: no INSERT … ON CONFLICT (spelt differently across engines) and no untyped
// parameters in a SELECT list (which PostgreSQL would take as text). Write transactions are
// serialised on SQLite; on PostgreSQL two servers creating the same job at the same instant make
// one of them fail with already_exists, and it claims at its next tick.
Status EnsureJob(Transaction& tx, std::string_view name, TimePoint now) {
  ASSIGN_OR_RETURN(Rows rows,
                   tx.Query("SELECT 1 FROM scheduled_jobs WHERE name = ?", {std::string(name)}));
  if (!rows.empty()) return OkStatus();
  RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO scheduled_jobs (name, next_due, holder, lease_until, state, last_started_at,"
      " last_finished_at, updated_at) VALUES (?, ?, NULL, NULL, '', NULL, NULL, ?)",
      {std::string(name), ToUnixMillis(now), ToUnixMillis(now)}));
  return OkStatus();
}

}  // namespace

std::vector<Migration> Migrations() {
  return {
      {"store",
       1,
       "create scheduled_jobs",
       {"CREATE TABLE scheduled_jobs ("
        " name TEXT PRIMARY KEY,"
        " next_due BIGINT NOT NULL,"
        " holder TEXT,"
        " lease_until BIGINT,"
        " state TEXT NOT NULL,"
        " last_started_at BIGINT,"
        " last_finished_at BIGINT,"
        " updated_at BIGINT NOT NULL)"}},
  };
}

Result<std::optional<TimePoint>> ClaimDueJob(Database& db, const JobClaim& claim, TimePoint now) {
  long long now_ms = ToUnixMillis(now);
  long long next_due = ToUnixMillis(now + claim.period);
  long long lease_until = ToUnixMillis(now + claim.lease);
  using Won = std::optional<TimePoint>;
  return InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<Won> {
    RETURN_IF_ERROR(EnsureJob(tx, claim.name, now));
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT next_due FROM scheduled_jobs WHERE name = ?",
                                         {std::string(claim.name)}));
    if (rows.empty() || rows[0].Int(0) > now_ms) return Won();
    long long due = rows[0].Int(0);
    // Compare-and-set on the due time read: of concurrent callers the first to write wins, and
    // the others' UPDATE no longer matches (write transactions are serialised; PostgreSQL
    // re-checks the WHERE on the row's newest version).
    ASSIGN_OR_RETURN(std::int64_t changed,
                     tx.Execute("UPDATE scheduled_jobs SET next_due = ?, holder = ?,"
                                " lease_until = ?, last_started_at = ?, updated_at = ?"
                                " WHERE name = ? AND next_due = ?"
                                " AND (lease_until IS NULL OR lease_until < ?)",
                                {next_due, std::string(claim.holder), lease_until, now_ms, now_ms,
                                 std::string(claim.name), due, now_ms}));
    if (changed != 1) return Won();
    return Won(FromUnixMillis(due));
  });
}

Status FinishJob(Database& db, std::string_view name, std::string_view holder, TimePoint now) {
  return InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Status {
    RETURN_IF_ERROR(tx.Execute(
        "UPDATE scheduled_jobs SET holder = NULL, lease_until = NULL, last_finished_at = ?,"
        " updated_at = ? WHERE name = ? AND holder = ?",
        {ToUnixMillis(now), ToUnixMillis(now), std::string(name), std::string(holder)}));
    return OkStatus();
  });
}

Result<std::string> JobState(Database& db, std::string_view name) {
  return InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<std::string> {
    ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT state FROM scheduled_jobs WHERE name = ?",
                                         {std::string(name)}));
    return rows.empty() ? std::string() : rows[0].Text(0);
  });
}

Result<bool> RaiseJobState(Database& db, std::string_view name, const std::string& state,
                           TimePoint now) {
  return InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<bool> {
    RETURN_IF_ERROR(EnsureJob(tx, name, now));
    ASSIGN_OR_RETURN(std::int64_t changed,
                     tx.Execute("UPDATE scheduled_jobs SET state = ?, updated_at = ?"
                                " WHERE name = ? AND (state = '' OR state < ?)",
                                {state, ToUnixMillis(now), std::string(name), state}));
    return changed == 1;
  });
}

}  // namespace liaison::store
