#include "directory/working_hours.hpp"

#include <date/tz.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace liaison::directory {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using std::chrono::minutes;

using LocalMs = date::local_time<milliseconds>;

const date::time_zone* Zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
    return nullptr;  // Treated as UTC.
  }
}

// [begin, end) in minutes after local midnight, from validated "HH:MM-HH:MM" text.
std::optional<std::pair<int, int>> ParseInterval(const std::string& text) {
  if (text.size() != 11 || text[2] != ':' || text[5] != '-' || text[8] != ':') return std::nullopt;
  auto number = [&](std::size_t at) { return (text[at] - '0') * 10 + (text[at + 1] - '0'); };
  for (std::size_t at : {0, 3, 6, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(text[at])) ||
        !std::isdigit(static_cast<unsigned char>(text[at + 1]))) {
      return std::nullopt;
    }
  }
  int begin = number(0) * 60 + number(3);
  int end = number(6) * 60 + number(9);
  if (begin >= end || end > 24 * 60) return std::nullopt;
  return std::make_pair(begin, end);
}

// Index into kWeekdays (Monday 0) of a local day.
std::size_t WeekdayIndex(date::local_days day) { return date::weekday(day).iso_encoding() - 1; }

class Converter {
 public:
  explicit Converter(const std::string& zone_name) : zone_(Zone(zone_name)) {}

  LocalMs ToLocal(TimePoint t) const {
    if (zone_ == nullptr) return LocalMs(t.time_since_epoch());
    return zone_->to_local(t);
  }

  // A local time as UTC. A time skipped by a change to summer time maps to the moment of the
  // change; a repeated one to its first (`choose::earliest`) or second occurrence.
  TimePoint ToSys(LocalMs local, date::choose choose) const {
    if (zone_ == nullptr) return TimePoint(local.time_since_epoch());
    return zone_->to_sys(local, choose);
  }

 private:
  const date::time_zone* zone_;
};

}  // namespace

Availability AvailabilityOf(const PointOfContact& contact) {
  return Availability{contact.time_zone, contact.working_hours, contact.available_24_7};
}

bool IsWithinWorkingHours(const Availability& availability, TimePoint t) {
  if (availability.available_24_7) return true;
  Converter converter(availability.time_zone);
  LocalMs local = converter.ToLocal(t);
  auto day = date::floor<days>(local);
  milliseconds since_midnight = local - LocalMs(day);
  for (const auto& text : availability.working_hours[WeekdayIndex(day)]) {
    auto interval = ParseInterval(text);
    if (!interval) continue;
    if (since_midnight >= minutes(interval->first) && since_midnight < minutes(interval->second)) {
      return true;
    }
  }
  return false;
}

bool IsWithinWorkingHours(const PointOfContact& contact, TimePoint t) {
  return IsWithinWorkingHours(AvailabilityOf(contact), t);
}

double WorkingHoursBetween(const Availability& availability, TimePoint from, TimePoint to) {
  if (to <= from) return 0.0;
  constexpr double kMsPerHour = 3600.0 * 1000.0;
  if (availability.available_24_7) return static_cast<double>((to - from).count()) / kMsPerHour;
  Converter converter(availability.time_zone);
  // One local day either side covers intervals that start before `from` in local terms.
  auto first_day = date::floor<days>(converter.ToLocal(from)) - days(1);
  auto last_day = date::floor<days>(converter.ToLocal(to)) + days(1);
  milliseconds total(0);
  for (auto day = first_day; day <= last_day; day += days(1)) {
    for (const auto& text : availability.working_hours[WeekdayIndex(day)]) {
      auto interval = ParseInterval(text);
      if (!interval) continue;
      TimePoint begin =
          converter.ToSys(LocalMs(day) + minutes(interval->first), date::choose::earliest);
      TimePoint end =
          converter.ToSys(LocalMs(day) + minutes(interval->second), date::choose::latest);
      begin = std::max(begin, from);
      end = std::min(end, to);
      if (end > begin) total += end - begin;
    }
  }
  return static_cast<double>(total.count()) / kMsPerHour;
}

double WorkingHoursBetween(const PointOfContact& contact, TimePoint from, TimePoint to) {
  return WorkingHoursBetween(AvailabilityOf(contact), from, to);
}

}  // namespace liaison::directory
