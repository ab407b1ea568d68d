// Knows the directory generation (DirectoryGeneration) without a database read per request
// where the database says when it changes: on PostgreSQL a dedicated connection LISTENs on the
// channel that directory migration 5 notifies at every commit that changes the generation; on
// SQLite a dedicated connection polls PRAGMA data_version (store::Listen).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "store/database.hpp"
#include "store/generation_watch.hpp"

namespace liaison::directory {

// The channel the directory's changes are notified on.
inline constexpr const char* kDirectoryChannel = "liaison_directory";

using store::kGenerationMaxTrust;

// store::GenerationWatch over the directory generation (store::GenerationWatch says what it
// cannot see at once, and for how long at most).
//
// While a watch exists for a database, DirectoryGeneration(db) answers through it (one watch per
// process: a second one made while the first lives works, but only through Current()).
// Thread-safe.
class GenerationWatch : public store::GenerationWatch {
 public:
  // Follows `db`, opened from `url`. `db` must outlive the watch, and no call may be running
  // when it is destroyed.
  GenerationWatch(store::Database& db, const std::string& url);
  ~GenerationWatch() override;

  // The watch DirectoryGeneration(db) answers through, or null.
  static GenerationWatch* For(const store::Database& db);
  // The watch DirectoryGeneration answers through for its database, or null.
  static GenerationWatch* Active();

 private:
  bool registered_ = false;
};

// Reads the directory generation from the database (one read transaction), whatever watches.
Result<std::int64_t> ReadDirectoryGeneration(store::Database& db);
// The same inside the caller's transaction `tx`.
Result<std::int64_t> ReadDirectoryGeneration(store::Transaction& tx);

}  // namespace liaison::directory
