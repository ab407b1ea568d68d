#include "core/time.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <sstream>

namespace liaison {

TimePoint SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string FormatRfc3339(TimePoint t) { return date::format("%FT%TZ", t); }

Result<TimePoint> ParseRfc3339(std::string_view text, std::string_view field) {
  auto invalid = [&] {
    return Error::InvalidArgument("expected an RFC 3339 date-time such as 2026-01-31T12:00:00Z",
                                  std::string(field), "invalid_time");
  };
  // RFC 3339 requires a full date, 'T', a time and an offset; reject anything shorter early.
  if (text.size() < 20 || text.size() > 40 || (text[10] != 'T' && text[10] != 't')) {
    return invalid();
  }
  std::string s(text);
  s[10] = 'T';
  if (s.back() == 'z') s.back() = 'Z';
  for (const char* fmt : {"%FT%TZ", "%FT%T%Ez"}) {
    std::istringstream in(s);
    date::sys_time<std::chrono::milliseconds> tp;
    if (std::string(fmt) == "%FT%TZ") {
      in >> date::parse("%FT%T", tp);
      if (!in.fail() && in.get() == 'Z' && in.peek() == std::char_traits<char>::eof()) return tp;
    } else {
      std::chrono::minutes offset{};
      in >> date::parse(fmt, tp, offset);
      if (!in.fail() && in.peek() == std::char_traits<char>::eof()) return tp;
    }
  }
  return invalid();
}

bool IsKnownTimeZone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  try {
    return date::locate_zone(name) != nullptr;
  } catch (const std::exception&) {
    return false;
  }
}

}  // namespace liaison
