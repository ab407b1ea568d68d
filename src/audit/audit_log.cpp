#include "audit/audit_log.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <deque>
#include <utility>

#include "core/ids.hpp"

namespace liaison::audit {
namespace {

constexpr int kPageSize = 1000;
// How far from its own seq an entry whose hash fails is searched for the seq it was made at.
constexpr std::int64_t kReorderSearch = 1024;

constexpr std::string_view kColumns =
    "seq, at, account_id, organization_id, action, record_type, record_id, "
    "owner_organization_id, before_digest, after_digest, prev_hash, hash";

AuditEntry FromRow(const store::Row& row) {
  AuditEntry e;
  e.seq = row.Int(0);
  e.at = FromUnixMillis(row.Int(1));
  e.account_id = row.Text(2);
  e.organization_id = row.Text(3);
  e.action = row.Text(4);
  e.record_type = row.Text(5);
  e.record_id = row.Text(6);
  e.owner_organization_id = row.Text(7);
  e.before_digest = row.Text(8);
  e.after_digest = row.Text(9);
  e.prev_hash = row.Text(10);
  e.hash = row.Text(11);
  return e;
}

std::string Blake2b256Hex(std::string_view text) {
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), nullptr, 0);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

// An empty text (no record before a create, none after a delete) has no digest.
std::string Digest(std::string_view text) { return text.empty() ? "" : Blake2b256Hex(text); }

// Each field is preceded by its length as 8 big-endian bytes, so no two different entries
// encode to the same bytes whatever their fields contain.
void AddField(crypto_generichash_state* state, std::string_view field) {
  unsigned char length[8];
  auto n = static_cast<std::uint64_t>(field.size());
  for (int i = 7; i >= 0; --i) {
    length[i] = static_cast<unsigned char>(n & 0xff);
    n >>= 8;
  }
  crypto_generichash_update(state, length, sizeof length);
  crypto_generichash_update(state, reinterpret_cast<const unsigned char*>(field.data()),
                            field.size());
}

// Reads the chain in seq order a page at a time, keeping a few entries behind the cursor.
class ChainReader {
 public:
  explicit ChainReader(store::Transaction& tx) : tx_(tx) {}

  // The entry at 0-based position `i` in seq order, or nullptr past the end. Positions more than
  // three behind the furthest one asked for are forgotten.
  Result<const AuditEntry*> At(std::int64_t i) {
    while (i >= base_ + static_cast<std::int64_t>(window_.size()) && !exhausted_) {
      RETURN_IF_ERROR(FetchPage());
    }
    while (window_.size() > 4 && base_ < i - 3) {
      window_.pop_front();
      ++base_;
    }
    if (i < base_ || i >= base_ + static_cast<std::int64_t>(window_.size())) {
      return static_cast<const AuditEntry*>(nullptr);
    }
    return &window_[static_cast<std::size_t>(i - base_)];
  }

 private:
  Status FetchPage() {
    ASSIGN_OR_RETURN(auto rows, tx_.Query("SELECT " + std::string(kColumns) +
                                              " FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
                                          {last_seq_, kPageSize}));
    if (rows.size() < static_cast<std::size_t>(kPageSize)) exhausted_ = true;
    for (const auto& row : rows) {
      window_.push_back(FromRow(row));
      last_seq_ = window_.back().seq;
    }
    return OkStatus();
  }

  store::Transaction& tx_;
  std::deque<AuditEntry> window_;
  std::int64_t base_ = 0;
  std::int64_t last_seq_ = 0;
  bool exhausted_ = false;
};

// The seq of the entry whose hash is `hash`, if any.
Result<std::optional<std::int64_t>> FindHash(store::Transaction& tx, const std::string& hash) {
  ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT seq FROM audit_log WHERE hash = ? ORDER BY seq LIMIT 1", {hash}));
  if (rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows[0].Int(0));
}

// The seq near `entry.seq` under which the entry's stored fields give its stored hash: where it
// was written before being moved.
std::optional<std::int64_t> SeqItWasWrittenAt(const AuditEntry& entry) {
  AuditEntry moved = entry;
  for (std::int64_t d = 1; d <= kReorderSearch; ++d) {
    for (std::int64_t candidate : {entry.seq - d, entry.seq + d}) {
      if (candidate < 1) continue;
      moved.seq = candidate;
      if (ComputeEntryHash(moved) == entry.hash) return candidate;
    }
  }
  return std::nullopt;
}

std::string Seq(std::int64_t seq) { return std::to_string(seq); }

}  // namespace

std::vector<store::Migration> Migrations() {
  return {
      {"audit",
       1,
       "create audit_log",
       {"CREATE TABLE audit_log ("
        " seq INTEGER PRIMARY KEY,"
        " at INTEGER NOT NULL,"
        " account_id TEXT NOT NULL,"
        " organization_id TEXT NOT NULL,"
        " action TEXT NOT NULL,"
        " record_type TEXT NOT NULL,"
        " record_id TEXT NOT NULL,"
        " owner_organization_id TEXT NOT NULL,"
        " before_digest TEXT NOT NULL,"
        " after_digest TEXT NOT NULL,"
        " prev_hash TEXT NOT NULL,"
        " hash TEXT NOT NULL)",
        "CREATE INDEX audit_log_record ON audit_log (record_type, record_id, seq)",
        "CREATE INDEX audit_log_owner ON audit_log (owner_organization_id, seq)",
        "CREATE INDEX audit_log_actor_org ON audit_log (organization_id, seq)"}},
  };
}

std::string ComputeEntryHash(const AuditEntry& e) {
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, crypto_generichash_BYTES);
  AddField(&state, "liaison.audit.v1");
  AddField(&state, e.prev_hash);
  AddField(&state, std::to_string(e.seq));
  AddField(&state, std::to_string(ToUnixMillis(e.at)));
  for (const std::string* field :
       {&e.account_id, &e.organization_id, &e.action, &e.record_type, &e.record_id,
        &e.owner_organization_id, &e.before_digest, &e.after_digest}) {
    AddField(&state, *field);
  }
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash_final(&state, out.data(), out.size());
  return ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

Result<AuditEntry> Append(store::Transaction& tx, const AuditEvent& event, TimePoint now) {
  if (event.account_id.empty() || event.action.empty() || event.record_type.empty()) {
    return Error::Internal("an audit event needs an actor, an action and a record type");
  }
  ASSIGN_OR_RETURN(auto last,
                   tx.Query("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1"));
  AuditEntry e;
  e.seq = last.empty() ? 1 : last[0].Int(0) + 1;
  e.prev_hash = last.empty() ? std::string(kGenesisHash) : last[0].Text(1);
  e.at = now;
  e.account_id = event.account_id;
  e.organization_id = event.organization_id;
  e.action = event.action;
  e.record_type = event.record_type;
  e.record_id = event.record_id;
  e.owner_organization_id = event.owner_organization_id;
  e.before_digest = Digest(event.before);
  e.after_digest = Digest(event.after);
  e.hash = ComputeEntryHash(e);
  RETURN_IF_ERROR(tx.Execute("INSERT INTO audit_log (" + std::string(kColumns) +
                                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             {e.seq, ToUnixMillis(e.at), e.account_id, e.organization_id, e.action,
                              e.record_type, e.record_id, e.owner_organization_id, e.before_digest,
                              e.after_digest, e.prev_hash, e.hash}));
  return e;
}

Result<std::vector<AuditEntry>> List(store::Database& db, const AuditQuery& query) {
  std::string sql = "SELECT " + std::string(kColumns) + " FROM audit_log WHERE 1 = 1";
  store::Params params;
  if (query.after_seq) {
    sql += " AND seq > ?";
    params.emplace_back(*query.after_seq);
  }
  if (!query.record_type.empty()) {
    sql += " AND record_type = ?";
    params.emplace_back(query.record_type);
  }
  if (!query.record_id.empty()) {
    sql += " AND record_id = ?";
    params.emplace_back(query.record_id);
  }
  if (!query.action.empty()) {
    sql += " AND action = ?";
    params.emplace_back(query.action);
  }
  if (!query.organization_id.empty()) {
    sql += " AND (organization_id = ? OR owner_organization_id = ?)";
    params.emplace_back(query.organization_id);
    params.emplace_back(query.organization_id);
  }
  sql += " ORDER BY seq LIMIT ?";
  params.emplace_back(std::clamp(query.limit, 1, 1000));
  return store::InTransaction(db, store::TxMode::kRead,
                              [&](store::Transaction& tx) -> Result<std::vector<AuditEntry>> {
                                ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
                                std::vector<AuditEntry> entries;
                                entries.reserve(rows.size());
                                for (const auto& row : rows) entries.push_back(FromRow(row));
                                return entries;
                              });
}

Result<AuditHead> Head(store::Database& db) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<AuditHead> {
        ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT seq, hash FROM audit_log "
                                             "ORDER BY seq DESC LIMIT 1"));
        if (rows.empty()) return AuditHead{0, std::string(kGenesisHash)};
        return AuditHead{rows[0].Int(0), rows[0].Text(1)};
      });
}

Result<std::string> HeadHash(store::Database& db) {
  ASSIGN_OR_RETURN(auto head, Head(db));
  return head.hash;
}

Result<VerifyReport> Verify(store::Database& db, const std::optional<AuditHead>& expected_head) {
  // One read transaction: the walk sees one consistent snapshot while appends go on.
  ASSIGN_OR_RETURN(auto tx, db.Begin(store::TxMode::kRead));
  ChainReader chain(*tx);
  VerifyReport report;
  auto fail = [&](std::int64_t seq, std::string problem, std::string detail) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    report.detail = std::move(detail);
    return report;
  };

  std::int64_t last_seq = 0;
  std::string last_hash(kGenesisHash);
  for (std::int64_t i = 0;; ++i) {
    ASSIGN_OR_RETURN(const AuditEntry* e, chain.At(i));
    if (e == nullptr) break;
    const AuditEntry* p = nullptr;
    const AuditEntry* pp = nullptr;
    if (i >= 1) {
      ASSIGN_OR_RETURN(p, chain.At(i - 1));
    }
    if (i >= 2) {
      ASSIGN_OR_RETURN(pp, chain.At(i - 2));
    }
    const std::string expected_prev = p ? p->hash : std::string(kGenesisHash);
    const std::int64_t expected_seq = p ? p->seq + 1 : 1;
    const bool content_ok = ComputeEntryHash(*e) == e->hash;
    if (content_ok && e->prev_hash == expected_prev && e->seq == expected_seq) {
      ++report.entries_checked;
      last_seq = e->seq;
      last_hash = e->hash;
      continue;
    }

    if (e->seq != expected_seq) {
      return fail(expected_seq, "deleted",
                  "entries " + Seq(expected_seq) + " to " + Seq(e->seq - 1) + " are missing");
    }
    const std::string before_p = pp ? pp->hash : std::string(kGenesisHash);
    if (p && e->prev_hash == before_p) {
      return fail(p->seq, "inserted",
                  "entry " + Seq(p->seq) + " was inserted: entry " + Seq(e->seq) +
                      " chains to the entry before it");
    }
    if (!content_ok) {
      if (auto written_at = SeqItWasWrittenAt(*e)) {
        ASSIGN_OR_RETURN(auto predecessor, FindHash(*tx, e->prev_hash));
        if (!predecessor) {
          return fail(e->seq, "deleted",
                      "entry " + Seq(e->seq) + " was written as entry " + Seq(*written_at) +
                          " and the entry it chains to is gone: entries were deleted and the "
                          "rest renumbered");
        }
        return fail(e->seq, "reordered",
                    "entry " + Seq(e->seq) + " holds the entry written as " + Seq(*written_at));
      }
      ASSIGN_OR_RETURN(const AuditEntry* next, chain.At(i + 1));
      if (next && next->prev_hash == expected_prev) {
        return fail(
            e->seq, "inserted",
            "entry " + Seq(e->seq) + " was inserted: entry " + Seq(next->seq) + " chains past it");
      }
      return fail(e->seq, "edited",
                  "entry " + Seq(e->seq) + " does not match its hash: a field was changed");
    }
    // The entry itself is intact but does not chain to its predecessor.
    ASSIGN_OR_RETURN(auto predecessor, FindHash(*tx, e->prev_hash));
    if (predecessor && *predecessor > e->seq) {
      return fail(e->seq, "reordered",
                  "entry " + Seq(e->seq) + " chains to the later entry " + Seq(*predecessor));
    }
    if (predecessor && *predecessor < e->seq) {
      return fail(*predecessor + 1, "inserted",
                  "entries " + Seq(*predecessor + 1) + " to " + Seq(e->seq - 1) +
                      " were inserted: entry " + Seq(e->seq) + " chains to entry " +
                      Seq(*predecessor));
    }
    if (!p) {
      return fail(e->seq, "edited", "the first entry does not start from the genesis hash");
    }
    ASSIGN_OR_RETURN(const AuditEntry* next, chain.At(i + 1));
    if (next == nullptr || next->prev_hash != e->hash) {
      return fail(e->seq, "inserted",
                  "entry " + Seq(e->seq) + " does not chain to entry " + Seq(p->seq) +
                      " (forged, or entry " + Seq(p->seq) + " was rewritten)");
    }
    return fail(p->seq, "edited",
                "entry " + Seq(p->seq) + " was rewritten with a recomputed hash: entry " +
                    Seq(e->seq) + " still chains to the original");
  }

  if (expected_head && expected_head->seq > 0) {
    if (expected_head->seq > last_seq) {
      return fail(last_seq + 1, "truncated",
                  "the log ends at entry " + Seq(last_seq) + " but the kept head is entry " +
                      Seq(expected_head->seq));
    }
    ASSIGN_OR_RETURN(auto rows,
                     tx->Query("SELECT hash FROM audit_log WHERE seq = ?", {expected_head->seq}));
    if (rows.empty() || rows[0].Text(0) != expected_head->hash) {
      return fail(expected_head->seq, "edited",
                  "entry " + Seq(expected_head->seq) +
                      " differs from the kept head: the chain was rewritten from there or before");
    }
  }
  return report;
}

}  // namespace liaison::audit
