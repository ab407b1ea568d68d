#include "security/login_throttle.hpp"

namespace liaison::security {

bool LoginThrottle::Locked(Counters& counters, const std::string& key, TimePoint now) {
  auto it = counters.find(key);
  if (it == counters.end()) return false;
  if (it->second.failures >= options_.max_failures) {
    if (now < it->second.locked_until) return true;
    counters.erase(it);
  }
  return false;
}

void LoginThrottle::Fail(Counters& counters, const std::string& key, TimePoint now) {
  if (counters.size() >= options_.max_tracked) Sweep(counters, now);
  Counter& c = counters[key];
  if (c.failures == 0 || now - c.window_start >= options_.window) {
    c.failures = 0;
    c.window_start = now;
  }
  ++c.failures;
  if (c.failures >= options_.max_failures) c.locked_until = now + options_.window;
}

void LoginThrottle::Sweep(Counters& counters, TimePoint now) {
  for (auto it = counters.begin(); it != counters.end();) {
    const Counter& c = it->second;
    const bool expired = c.failures >= options_.max_failures
                             ? now >= c.locked_until
                             : now - c.window_start >= options_.window;
    it = expired ? counters.erase(it) : std::next(it);
  }
}

Status LoginThrottle::Check(std::string_view account_key, std::string_view remote_address,
                            TimePoint now) {
  std::lock_guard lock(mutex_);
  if (Locked(accounts_, std::string(account_key), now) ||
      Locked(addresses_, std::string(remote_address), now)) {
    Error e = Error::ResourceExhausted("too many failed sign-ins; try again later");
    e.reason = "login_throttled";
    return e;
  }
  return OkStatus();
}

void LoginThrottle::RecordFailure(std::string_view account_key, std::string_view remote_address,
                                  TimePoint now) {
  std::lock_guard lock(mutex_);
  Fail(accounts_, std::string(account_key), now);
  Fail(addresses_, std::string(remote_address), now);
}

void LoginThrottle::RecordSuccess(std::string_view account_key) {
  std::lock_guard lock(mutex_);
  accounts_.erase(std::string(account_key));
}

}  // namespace liaison::security
