// Moving a whole node between stores: `liaison export` writes every row of every table to a
// store-neutral NDJSON file, and `liaison import` loads such a file into a freshly migrated,
// empty database of any backend, in one transaction. The tables and their columns are derived
// from the migrations (the same list `liaison migrate` applies), so no backend needs to list its
// catalogue. The format is described in docs/operator-guide.md ("Moving a node between stores").
// Thread-safe as the Database is.
#pragma once

#include <cstdint>
#include <istream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace liaison::store {

// A table as the migrations leave it: its name and its columns in order.
struct TableSchema {
  std::string name;
  std::vector<std::string> columns;
  // A migration inserts rows into it (e.g. a counter's one row): a freshly migrated database
  // holds them, and import replaces them with the export's.
  bool seeded = false;
};

// The tables the migrations create (CREATE TABLE, ALTER TABLE … ADD COLUMN, DROP TABLE), in the
// order they are first created, which is an order in which foreign keys are satisfied.
// Returns invalid_argument when a statement changes a table in a way this reader does not know
// (a renamed table or column), so that an export never silently leaves data out.
Result<std::vector<TableSchema>> TablesFromMigrations(const std::vector<Migration>& migrations);

// What an export or an import moved: rows per table.
struct TransferSummary {
  std::map<std::string, std::int64_t> rows;
};

// Writes the whole database to `out` from one consistent snapshot: a header line (format,
// version, time, source backend, the applied migrations with their checksums, the tables with
// their columns), one line per row, and a trailer with the row count of each table. Returns
// failed_precondition (reason "migrations_pending") when `migrations` are not all applied, or
// (reason "migrations_unknown") when the database has migrations this build does not know;
// unavailable when writing to `out` fails; the database's error otherwise.
Result<TransferSummary> ExportNode(Database& db, const std::vector<Migration>& migrations,
                                   std::ostream& out, TimePoint now);

// Loads a file written by ExportNode into `db` in one write transaction: all of it or, on any
// error, nothing. `db` must have exactly the export's migrations applied (failed_precondition,
// reason "migrations_differ") and every table empty (failed_precondition, reason
// "database_not_empty"); the file must be complete and well formed (invalid_argument, reason
// "malformed_export", naming the line).
Result<TransferSummary> ImportNode(Database& db, const std::vector<Migration>& migrations,
                                   std::istream& in);

}  // namespace liaison::store
