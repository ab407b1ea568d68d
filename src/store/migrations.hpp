// Numbered schema migrations. Each module owns its migrations and lists them in order; a
// migration, once released, is never edited: its checksum is recorded and checked.
#pragma once

#include <string>
#include <vector>

#include "core/time.hpp"
#include "store/database.hpp"

namespace liaison::store {

struct Migration {
  std::string module;                   // e.g. "directory"
  int number = 0;                       // 1, 2, 3… within the module, never reused
  std::string name;                     // what it does, e.g. "create contacts"
  std::vector<std::string> statements;  // portable SQL, run in order in one transaction
};

struct AppliedMigration {
  std::string module;
  int number = 0;
  std::string name;
  TimePoint applied_at;
};

// Applies every migration in `migrations` not yet applied, each in its own write transaction, in
// the order given. Returns the ones applied. Returns failed_precondition with reason
// "migration_edited" when an applied migration's statements changed since it was applied.
Result<std::vector<AppliedMigration>> ApplyMigrations(Database& db,
                                                      const std::vector<Migration>& migrations,
                                                      TimePoint now);

// Returns the migrations of `migrations` that are not applied yet.
Result<std::vector<Migration>> PendingMigrations(Database& db,
                                                 const std::vector<Migration>& migrations);

}  // namespace liaison::store
