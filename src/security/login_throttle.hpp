// A throttle on password guessing, per account and per remote address, kept in the database so
// that every `liaison serve` process sharing it counts the same failures: N servers behind a
// load balancer allow the same number of guesses as one. Stateless and thread-safe.
#pragma once

#include <chrono>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace liaison::security {

class LoginThrottle {
 public:
  struct Options {
    int max_failures = 5;  // Failures within `window` after which attempts are refused.
    std::chrono::milliseconds window = std::chrono::minutes(15);
  };

  LoginThrottle() : LoginThrottle(Options{}) {}
  explicit LoginThrottle(Options options) : options_(options) {}

  // In the caller's transaction (read or write): OK when a login for `account_key` (the
  // normalised e-mail, known or not) from `remote_address` may be tried at `now`;
  // resource_exhausted with reason "login_throttled" when either has had max_failures failures
  // in the current window, until `window` has passed since the last of them.
  Status Check(store::Transaction& tx, std::string_view account_key,
               std::string_view remote_address, TimePoint now) const;

  // Counts a failed attempt against both the account and the address, in a write transaction
  // of its own; removes the entries that no longer matter.
  Status RecordFailure(store::Database& db, std::string_view account_key,
                       std::string_view remote_address, TimePoint now) const;

  // In the caller's write transaction: clears the account's failures. The address keeps its
  // count: one success must not let it try other accounts afresh.
  Status RecordSuccess(store::Transaction& tx, std::string_view account_key) const;

 private:
  const Options options_;
};

}  // namespace liaison::security
