// Clocks and RFC 3339 time handling. Times inside liaison are UTC system_clock time points.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison {

using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// The source of "now". Injected everywhere so tests control time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override;
};

// A clock that only moves when told to; for tests. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_ms_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::milliseconds(now_ms_.load())); }
  void Advance(std::chrono::milliseconds by) { now_ms_ += by.count(); }
  void Set(TimePoint t) { now_ms_ = t.time_since_epoch().count(); }

 private:
  std::atomic<long long> now_ms_;
};

// Formats `t` as RFC 3339 UTC with millisecond precision: "2026-11-29T06:32:55.123Z".
std::string FormatRfc3339(TimePoint t);

// Parses an RFC 3339 date-time with a Z or numeric offset. Returns invalid_argument naming
// `field` when `text` is not one.
Result<TimePoint> ParseRfc3339(std::string_view text, std::string_view field = {});

// Milliseconds since the Unix epoch, the form times are stored in.
inline long long ToUnixMillis(TimePoint t) { return t.time_since_epoch().count(); }
inline TimePoint FromUnixMillis(long long ms) {
  return TimePoint(std::chrono::milliseconds(ms));
}

// True when `name` is an IANA time zone known to the system tz database.
bool IsKnownTimeZone(std::string_view name);

}  // namespace liaison
