// Test support: a throwaway database of either kind, for suites that run against both stores.
// A SQLite scratch database is a file in the temporary directory; a PostgreSQL one is a fresh
// database (random name) on the test server named by LIAISON_TEST_POSTGRES_URL, or by the file
// that LIAISON_TEST_POSTGRES_URL_FILE names (written by tests/support/pg_cluster.py, the CTest
// fixture). Dropped again on destruction. Not thread-safe.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace liaison::store::testing {

enum class Backend { kSqlite, kPostgres };

std::string BackendName(Backend backend);

// The URL of the PostgreSQL test server's maintenance database, or nullopt when none is
// configured.
std::optional<std::string> PostgresTestServerUrl();

class ScratchDatabase {
 public:
  // Creates the database; `label` goes into its name for people reading the server's logs.
  // Returns unavailable when PostgreSQL is asked for and no test server is configured.
  static Result<ScratchDatabase> Create(Backend backend, const std::string& label);
  ScratchDatabase(ScratchDatabase&& other) noexcept;
  ScratchDatabase& operator=(ScratchDatabase&&) = delete;
  ~ScratchDatabase();

  const std::string& url() const { return url_; }

 private:
  ScratchDatabase() = default;
  Backend backend_ = Backend::kSqlite;
  std::string url_;
  std::string server_url_;  // PostgreSQL: where to drop it from.
  std::string name_;        // PostgreSQL database name, or SQLite file path.
  bool owned_ = false;
};

}  // namespace liaison::store::testing
