// An in-memory throttle on password guessing, per account and per remote address. Process-local:
// each `liaison serve` process counts on its own. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"
#include "core/time.hpp"

namespace liaison::security {

class LoginThrottle {
 public:
  struct Options {
    int max_failures = 5;  // Failures within `window` after which attempts are refused.
    std::chrono::milliseconds window = std::chrono::minutes(15);
    std::size_t max_tracked = 100'000;  // Keys kept before expired ones are swept.
  };

  LoginThrottle() : LoginThrottle(Options{}) {}
  explicit LoginThrottle(Options options) : options_(options) {}

  // OK when a login for `account_key` (the normalised e-mail, known or not) from
  // `remote_address` may be tried at `now`; resource_exhausted with reason "login_throttled"
  // when either has had max_failures failures in the current window, until `window` has passed
  // since the last of them.
  Status Check(std::string_view account_key, std::string_view remote_address, TimePoint now);

  // Counts a failed attempt against both the account and the address.
  void RecordFailure(std::string_view account_key, std::string_view remote_address, TimePoint now);

  // Clears the account's failures. The address keeps its count: one success must not let it try
  // other accounts afresh.
  void RecordSuccess(std::string_view account_key);

 private:
  struct Counter {
    int failures = 0;
    TimePoint window_start;
    TimePoint locked_until;
  };
  using Counters = std::unordered_map<std::string, Counter>;

  bool Locked(Counters& counters, const std::string& key, TimePoint now);
  void Fail(Counters& counters, const std::string& key, TimePoint now);
  void Sweep(Counters& counters, TimePoint now);

  const Options options_;
  std::mutex mutex_;
  Counters accounts_;
  Counters addresses_;
};

}  // namespace liaison::security
