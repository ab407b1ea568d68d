#include "core/time.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <sstream>

namespace liaison {

TimePoint SystemClock::Now() const {
  return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// Hand-formatted: this runs for every time on the wire, and date::format's stream and locale
// set-up cost more than the whole rest of rendering a record. Same output as "%FT%TZ".
std::string FormatRfc3339(TimePoint t) {
  const auto day = date::floor<date::days>(t);
  const date::year_month_day ymd(day);
  const auto ms = (t - day).count();  // 0 .. 86'399'999
  const int year = static_cast<int>(ymd.year());
  if (year < 0 || year > 9999) return date::format("%FT%TZ", t);
  char out[24];
  auto put = [&out](int at, long long value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10)
      out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  out[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  out[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  out[10] = 'T';
  put(11, ms / 3'600'000, 2);
  out[13] = ':';
  put(14, ms / 60'000 % 60, 2);
  out[16] = ':';
  put(17, ms / 1000 % 60, 2);
  out[19] = '.';
  put(20, ms % 1000, 3);
  out[23] = 'Z';
  return std::string(out, sizeof out);
}

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
