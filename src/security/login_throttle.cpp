#include "security/login_throttle.hpp"

#include <algorithm>
#include <string>

#include "security/record_text.hpp"

namespace liaison::security {
namespace {

// The row key of an account or an address: a hash, so that the table does not list the e-mail
// addresses people mistyped or the addresses they came from in the clear.
std::string AccountKey(std::string_view account_key) {
  return internal::SecretHash("account\n" + std::string(account_key));
}
std::string AddressKey(std::string_view remote_address) {
  return internal::SecretHash("address\n" + std::string(remote_address));
}

}  // namespace

Status LoginThrottle::Check(store::Transaction& tx, std::string_view account_key,
                            std::string_view remote_address, TimePoint now) const {
  ASSIGN_OR_RETURN(store::Rows locked,
                   tx.Query("SELECT 1 FROM login_throttle WHERE key_hash IN (?, ?)"
                            " AND failures >= ? AND locked_until > ?",
                            {AccountKey(account_key), AddressKey(remote_address),
                             options_.max_failures, ToUnixMillis(now)}));
  if (locked.empty()) return OkStatus();
  Error e = Error::ResourceExhausted("too many failed sign-ins; try again later");
  e.reason = "login_throttled";
  return e;
}

Status LoginThrottle::RecordFailure(store::Database& db, std::string_view account_key,
                                    std::string_view remote_address, TimePoint now) const {
  const std::int64_t now_ms = ToUnixMillis(now);
  const std::int64_t window_ms = options_.window.count();
  // Serialised with every other write, so the read-then-write of a counter cannot lose a failure
  // counted by another server at the same time.
  return store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
    RETURN_IF_ERROR(tx.Execute("DELETE FROM login_throttle WHERE expires_at <= ?", {now_ms}));
    for (const std::string& key : {AccountKey(account_key), AddressKey(remote_address)}) {
      ASSIGN_OR_RETURN(store::Rows rows,
                       tx.Query("SELECT failures, window_start, locked_until FROM login_throttle"
                                " WHERE key_hash = ?",
                                {key}));
      std::int64_t failures = 0;
      std::int64_t window_start = now_ms;
      std::int64_t locked_until = 0;
      // A count goes on within its window, and while it locks (failures that were in flight
      // when the lock began must not lift it); otherwise it starts afresh.
      if (!rows.empty() && (now_ms - rows[0].Int(1) < window_ms || rows[0].Int(2) > now_ms)) {
        failures = rows[0].Int(0);
        window_start = rows[0].Int(1);
        locked_until = rows[0].Int(2);
      }
      ++failures;
      if (failures >= options_.max_failures) locked_until = now_ms + window_ms;
      const std::int64_t expires_at = std::max(window_start + window_ms, locked_until);
      if (rows.empty()) {
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO login_throttle (key_hash, failures, window_start, locked_until,"
                       " expires_at) VALUES (?, ?, ?, ?, ?)",
                       {key, failures, window_start, locked_until, expires_at}));
      } else {
        RETURN_IF_ERROR(
            tx.Execute("UPDATE login_throttle SET failures = ?, window_start = ?, locked_until = ?,"
                       " expires_at = ? WHERE key_hash = ?",
                       {failures, window_start, locked_until, expires_at, key}));
      }
    }
    return OkStatus();
  });
}

Status LoginThrottle::RecordSuccess(store::Transaction& tx, std::string_view account_key) const {
  RETURN_IF_ERROR(
      tx.Execute("DELETE FROM login_throttle WHERE key_hash = ?", {AccountKey(account_key)}));
  return OkStatus();
}

}  // namespace liaison::security
