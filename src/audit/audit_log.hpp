// The append-only, hash-chained audit log. Each entry's hash covers its fields and the previous
// entry's hash, so an edited, deleted, inserted or reordered entry breaks the chain.
// Functions are thread-safe given a thread-confined Transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace liaison::audit {

// Who made a change, for modules below security/ that cannot see a Principal.
struct Actor {
  std::string account_id;       // "system" for the server itself.
  std::string organization_id;  // Empty for system.
};

// What happened, as given by the module that made the change.
struct AuditEvent {
  std::string account_id;       // Who ("system" for the server itself).
  std::string organization_id;  // The actor's organisation (empty for system).
  std::string action;           // e.g. "contact.update"
  std::string record_type;      // e.g. "contact"
  std::string record_id;
  std::string owner_organization_id;  // The organisation the record belongs to (for visibility).
  std::string before;  // Canonical serialisation of the record before (empty when created).
  std::string after;   // … after (empty when deleted).
};

// A stored entry. Digests and hashes are lowercase hex BLAKE2b-256.
struct AuditEntry {
  std::int64_t seq = 0;
  TimePoint at;
  std::string account_id;
  std::string organization_id;
  std::string action;
  std::string record_type;
  std::string record_id;
  std::string owner_organization_id;
  std::string before_digest;  // Empty when `before` was empty.
  std::string after_digest;
  std::string prev_hash;
  std::string hash;
};

// The audit module's migrations.
std::vector<store::Migration> Migrations();

// Appends `event` inside `tx`, which must be a write transaction, so that the entry commits or
// rolls back with the change it records. Returns the entry.
Result<AuditEntry> Append(store::Transaction& tx, const AuditEvent& event, TimePoint now);

struct AuditQuery {
  std::optional<std::int64_t> after_seq;  // Cursor: entries with seq > after_seq.
  int limit = 100;
  std::string record_type;  // Filters; empty means any.
  std::string record_id;
  std::string action;
  std::string organization_id;  // Entries whose actor or owner is this organisation.
};

// Lists entries in seq order matching `query`. Visibility is the caller's business (via the
// access policy on owner_organization_id).
Result<std::vector<AuditEntry>> List(store::Database& db, const AuditQuery& query);

struct VerifyReport {
  bool ok = true;
  std::int64_t entries_checked = 0;
  std::optional<std::int64_t> first_bad_seq;  // The first entry that fails.
  // "edited", "deleted", "inserted", "reordered" or (only with an expected head) "truncated";
  // empty when ok.
  std::string problem;
  std::string detail;  // A sentence for people.
};

// The newest entry of the chain: its seq and hash. seq 0 and 64 zeros for an empty log.
struct AuditHead {
  std::int64_t seq = 0;
  std::string hash;
};

// The prev_hash of the first entry: 64 zeros.
inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Returns the newest entry's seq and hash (seq 0 and kGenesisHash when the log is empty). Keep
// it outside the database (print it, publish it, mail it) to make truncation detectable later.
Result<AuditHead> Head(store::Database& db);

// Returns Head(db).hash.
Result<std::string> HeadHash(store::Database& db);

// Walks the whole chain and reports the first entry that was edited, deleted, inserted or
// reordered. The chain alone cannot show that its newest entries were removed, nor that its tail
// was rewritten with freshly computed hashes: a chain cut short is still a valid chain. Given an
// `expected_head` kept outside the database (from an earlier Head()), Verify also reports
// "truncated" when that entry is gone and "edited" when it differs. Returns an error only when
// the database cannot be read.
Result<VerifyReport> Verify(store::Database& db,
                            const std::optional<AuditHead>& expected_head = std::nullopt);

// The hash of `entry` computed from its fields (all but `hash`): BLAKE2b-256 over a length-prefixed
// encoding of prev_hash, seq, at and every other field. Lowercase hex.
std::string ComputeEntryHash(const AuditEntry& entry);

}  // namespace liaison::audit
