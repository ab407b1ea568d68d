// JurisdictionService: the IP data set in use, swapped atomically. Readers take a snapshot
// (a shared_ptr to an immutable JurisdictionIndex) and keep it for the whole of their work, so
// a look-up never sees half of two data sets; a new set is published with one atomic store, and
// the old one is freed when its last reader lets go. Thread-safe.
//
// How a new data set reaches a running server: `liaison data update` loads and validates a data
// directory, then rewrites the manifest <data_root>/CURRENT (atomically, by rename) to name it.
// The server calls ReloadIfChanged() from its scheduler and on SIGHUP: when the manifest's
// content differs from the one it loaded, it loads the named directory and publishes it; if that
// fails it keeps serving the old set and reports the error.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/jurisdiction_index.hpp"

namespace liaison::jurisdiction {

inline constexpr std::string_view kManifestFile = "CURRENT";

class JurisdictionService {
 public:
  // `data_root` holds the manifest and, usually, the versioned data directories.
  JurisdictionService(std::string data_root, const Clock& clock);

  // The data set in use, or nullptr when none is loaded yet.
  std::shared_ptr<const JurisdictionIndex> Current() const { return current_.load(); }

  // Loads the directory the manifest names when the manifest changed since the last load (or
  // nothing is loaded). Returns true when a new set was published, false when nothing changed
  // or there is no manifest yet; the load's error when the named set is invalid (the old set
  // stays in use).
  Result<bool> ReloadIfChanged();

  // Publishes `index` directly (tests and the CLI's own look-ups).
  void Publish(std::shared_ptr<const JurisdictionIndex> index) { current_.store(std::move(index)); }

  // The last reload error ("" when the last attempt succeeded), for /readyz.
  std::string last_error() const;

 private:
  std::string data_root_;
  const Clock& clock_;
  std::atomic<std::shared_ptr<const JurisdictionIndex>> current_;
  mutable std::mutex mutex_;  // Serialises reloads; guards the fields below.
  std::string loaded_manifest_;
  std::string last_error_;
};

// What `liaison data update` does: loads and validates `source_dir`, then points the manifest of
// `data_root` at it. Returns the new set's figures, or the validation error (the manifest is then
// left as it was).
Result<IndexStats> UpdateDataSet(const std::string& data_root, const std::string& source_dir,
                                 TimePoint now);

// The newest data directory under `data_root` (by name: versions sort by date), for
// `liaison data update` without an explicit source. not_found when there is none.
Result<std::string> NewestDataDirectory(const std::string& data_root);

}  // namespace liaison::jurisdiction
