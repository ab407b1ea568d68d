#include "store/migrations.hpp"

#include <sodium.h>

#include <map>
#include <utility>

#include "core/ids.hpp"

namespace liaison::store {
namespace {

std::string Checksum(const Migration& m) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  for (const auto& s : m.statements) {
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(s.data()), s.size());
    const unsigned char separator = 0;
    crypto_generichash_update(&state, &separator, 1);
  }
  unsigned char out[32];
  crypto_generichash_final(&state, out, sizeof out);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out), sizeof out));
}

Status EnsureTable(Database& db) {
  return InTransaction(db, TxMode::kWrite, [](Transaction& tx) -> Status {
    return tx
        .Execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " module TEXT NOT NULL, number INTEGER NOT NULL, name TEXT NOT NULL,"
            " checksum TEXT NOT NULL, applied_at INTEGER NOT NULL,"
            " PRIMARY KEY (module, number))")
        .has_value()
               ? OkStatus()
               : Status(Error::Internal("cannot create schema_migrations"));
  });
}

Result<std::map<std::pair<std::string, int>, std::string>> Applied(Transaction& tx) {
  std::map<std::pair<std::string, int>, std::string> applied;
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT module, number, checksum FROM schema_migrations"));
  for (const auto& row : rows) {
    applied[{row.Text(0), static_cast<int>(row.Int(1))}] = row.Text(2);
  }
  return applied;
}

}  // namespace

Result<std::vector<Migration>> PendingMigrations(Database& db,
                                                 const std::vector<Migration>& migrations) {
  RETURN_IF_ERROR(EnsureTable(db));
  return InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<std::vector<Migration>> {
    ASSIGN_OR_RETURN(auto applied, Applied(tx));
    std::vector<Migration> pending;
    for (const auto& m : migrations) {
      auto it = applied.find({m.module, m.number});
      if (it == applied.end()) {
        pending.push_back(m);
      } else if (it->second != Checksum(m)) {
        return Error::FailedPrecondition("migration " + m.module + "/" +
                                             std::to_string(m.number) +
                                             " was edited after it was applied",
                                         "migration_edited");
      }
    }
    return pending;
  });
}

Result<std::vector<AppliedMigration>> ApplyMigrations(Database& db,
                                                      const std::vector<Migration>& migrations,
                                                      TimePoint now) {
  // Two servers starting together on one database: the second waits here, then finds nothing
  // pending.
  ASSIGN_OR_RETURN(auto lock, db.LockExclusive("migrations"));
  ASSIGN_OR_RETURN(auto pending, PendingMigrations(db, migrations));
  std::vector<AppliedMigration> done;
  for (const auto& m : pending) {
    // The body reports whether it applied the migration; `done` is extended once it is
    // committed, since a transaction may be run again.
    auto applied = InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<bool> {
      // Another process may have applied it since we looked.
      ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT 1 FROM schema_migrations WHERE module = ? AND "
                                           "number = ?",
                                           {m.module, m.number}));
      if (!rows.empty()) return false;
      for (const auto& statement : m.statements) {
        auto result = tx.Execute(statement);
        if (!result.has_value()) {
          return Error::Internal("migration " + m.module + "/" + std::to_string(m.number) +
                                 " failed: " + result.error().message);
        }
      }
      RETURN_IF_ERROR(tx.Execute(
          "INSERT INTO schema_migrations (module, number, name, checksum, applied_at) VALUES "
          "(?, ?, ?, ?, ?)",
          {m.module, m.number, m.name, Checksum(m), ToUnixMillis(now)}));
      return true;
    });
    if (!applied.has_value()) return std::move(applied).error();
    if (*applied) done.push_back({m.module, m.number, m.name, now});
  }
  return done;
}

}  // namespace liaison::store
