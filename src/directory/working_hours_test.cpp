#include "directory/working_hours.hpp"

#include <gtest/gtest.h>

namespace liaison::directory {
namespace {

TimePoint At(const char* rfc3339) {
  auto t = ParseRfc3339(rfc3339);
  EXPECT_TRUE(t.has_value()) << rfc3339;
  return t.value_or(TimePoint{});
}

// Paris, weekdays 09:00-17:00. Summer time in 2026 starts on Sunday 29 March (02:00 → 03:00)
// and ends on Sunday 25 October (03:00 → 02:00).
PointOfContact ParisOfficeHours() {
  PointOfContact c;
  c.time_zone = "Europe/Paris";
  for (int day = 0; day < 5; ++day) c.working_hours[day] = {"09:00-17:00"};
  return c;
}

TEST(WorkingHours, FollowsTheContactsZoneAcrossTheChangeToSummerTime) {
  PointOfContact c = ParisOfficeHours();
  // Friday before the change: UTC+1.
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-03-27T07:59:00Z")));
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-03-27T08:00:00Z")));
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-03-27T15:59:59Z")));
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-03-27T16:00:00Z")));
  // Monday after: UTC+2, so the same local hours are an hour earlier in UTC.
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-03-30T06:59:00Z")));
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-03-30T07:00:00Z")));
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-03-30T14:59:00Z")));
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-03-30T15:00:00Z")));
  // The weekend is outside.
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-03-28T10:00:00Z")));
}

TEST(WorkingHours, CountsHoursOfAnIntervalWithinWorkingHours) {
  PointOfContact c = ParisOfficeHours();
  // Friday and Monday around the change: 8 + 8 hours.
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-27T00:00:00Z"), At("2026-03-31T00:00:00Z")),
                   16.0);
  // Monday 08:00-10:00 local time: one working hour.
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-30T06:00:00Z"), At("2026-03-30T08:00:00Z")),
                   1.0);
  // Friday 16:30 to Monday 09:30 local: half an hour each side of the weekend.
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-27T15:30:00Z"), At("2026-03-30T07:30:00Z")),
                   1.0);
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-30T08:00:00Z"), At("2026-03-30T08:00:00Z")),
                   0.0);
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-31T00:00:00Z"), At("2026-03-30T00:00:00Z")),
                   0.0);
}

TEST(WorkingHours, AWholeDayIsShortOrLongWhenTheClockChanges) {
  PointOfContact c;
  c.time_zone = "Europe/Paris";
  c.working_hours[6] = {"00:00-24:00"};  // Sundays.
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-28T00:00:00Z"), At("2026-03-31T00:00:00Z")),
                   23.0);
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-10-24T00:00:00Z"), At("2026-10-27T00:00:00Z")),
                   25.0);
  // An interval that contains the skipped hour counts only the hours that exist.
  PointOfContact night;
  night.time_zone = "Europe/Paris";
  night.working_hours[6] = {"01:00-04:00"};
  EXPECT_DOUBLE_EQ(
      WorkingHoursBetween(night, At("2026-03-28T00:00:00Z"), At("2026-03-31T00:00:00Z")), 2.0);
  EXPECT_DOUBLE_EQ(
      WorkingHoursBetween(night, At("2026-10-24T00:00:00Z"), At("2026-10-27T00:00:00Z")), 4.0);
}

TEST(WorkingHours, AroundTheClockContactsCountWallClockHours) {
  PointOfContact c;
  c.time_zone = "Asia/Tokyo";
  c.available_24_7 = true;
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-03-29T01:30:00Z")));
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-03-27T00:00:00Z"), At("2026-03-30T06:00:00Z")),
                   78.0);
}

TEST(WorkingHours, NoHoursMeansNeverAndAnUnknownZoneMeansUtc) {
  PointOfContact none;
  none.time_zone = "Europe/Paris";
  EXPECT_FALSE(IsWithinWorkingHours(none, At("2026-03-30T10:00:00Z")));
  EXPECT_DOUBLE_EQ(
      WorkingHoursBetween(none, At("2026-03-27T00:00:00Z"), At("2026-03-31T00:00:00Z")), 0.0);
  PointOfContact utc = ParisOfficeHours();
  utc.time_zone = "Not/AZone";
  EXPECT_TRUE(IsWithinWorkingHours(utc, At("2026-03-30T16:30:00Z")));
}

TEST(WorkingHours, HonoursTheZoneOfTheOtherSideOfTheWorld) {
  PointOfContact c;
  c.time_zone = "Pacific/Auckland";      // UTC+13 in January.
  c.working_hours[0] = {"09:00-17:00"};  // Monday.
  // Monday 5 January 2026 09:00 in Auckland is Sunday 4 January 20:00 UTC.
  EXPECT_TRUE(IsWithinWorkingHours(c, At("2026-01-04T20:00:00Z")));
  EXPECT_FALSE(IsWithinWorkingHours(c, At("2026-01-05T20:00:00Z")));
  EXPECT_DOUBLE_EQ(WorkingHoursBetween(c, At("2026-01-04T00:00:00Z"), At("2026-01-06T00:00:00Z")),
                   8.0);
}

}  // namespace
}  // namespace liaison::directory
