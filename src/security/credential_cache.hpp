// Remembers verified bearer tokens, so that a request with a token verified before costs no
// database read: the principal a token's hash stood for, keyed on the security generation at
// which it was verified. The generation (security migration 7) grows in the transaction of
// every change that can alter what a token stands for (revoked, deleted, its account or
// organisation changed or deleted), and is followed like the directory generation
// (store::GenerationWatch). Thread-safe.
//
// What a remembered token may still be used for after a change, at most:
// - nothing when the change was committed by this process: its commit moves the watch's epoch,
//   and the next lookup reads the generation again;
// - by another process (another server, the `liaison` CLI): on PostgreSQL until the database's
//   notification arrives (well under a millisecond on one network), on SQLite until the next
//   poll of PRAGMA data_version (100 ms), and never longer than store::kGenerationMaxTrust
//   (1 s) whatever happens to notifications.
// Expiry is checked against the clock on every lookup; a lookup whose token's last use was
// recorded kLastUsedResolution ago or more misses, so that the use is recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"
#include "store/generation_watch.hpp"

namespace liaison::security {

// The channel changes of the security generation are notified on.
inline constexpr const char* kSecurityChannel = "liaison_security";

class CredentialCache {
 public:
  // At most this many tokens are remembered; beyond, the cache starts again empty.
  static constexpr std::size_t kDefaultMaxEntries = 10000;

  // A token as verified at `generation`.
  struct Entry {
    Principal principal;
    TimePoint expires_at;
    std::optional<TimePoint> last_used_at;  // As recorded in the database.
    std::int64_t generation = 0;
  };

  // Follows the security generation of `db`, opened from `url`. `db` must outlive the cache, and
  // no call may be running when it is destroyed.
  CredentialCache(store::Database& db, const std::string& url,
                  std::size_t max_entries = kDefaultMaxEntries);

  // The principal remembered for the token whose secret hashes to `hash`, when it was verified
  // at the current security generation, has not expired at `now`, and its last use was recorded
  // less than kLastUsedResolution before `now`; otherwise nullopt (a miss: verify it in the
  // database and Put() it).
  std::optional<Principal> Find(const std::string& hash, TimePoint now);

  // Find() without reading the database: also nullopt when the security generation would have
  // to be read (store::GenerationWatch::Known). Never blocks on the database.
  std::optional<Principal> FindKnown(const std::string& hash, TimePoint now);

  // Remembers what the database said of the token whose secret hashes to `hash`.
  void Put(const std::string& hash, Entry entry);

  std::uint64_t hits() const;
  std::uint64_t misses() const;
  const store::GenerationWatch& watch() const { return watch_; }

 private:
  // Find() at `generation` (nullopt: unknown, a miss), counting misses when `count_miss`.
  std::optional<Principal> FindAt(const std::string& hash, TimePoint now,
                                  std::optional<std::int64_t> generation, bool count_miss);

  store::GenerationWatch watch_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // By mu_, keyed on the secret's hash.
  std::uint64_t hits_ = 0;                          // By mu_.
  std::uint64_t misses_ = 0;                        // By mu_.
};

// Reads the security generation inside `tx`.
Result<std::int64_t> ReadSecurityGeneration(store::Transaction& tx);

}  // namespace liaison::security
