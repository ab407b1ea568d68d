#include "core/time.hpp"

#include <date/date.h>
#include <gtest/gtest.h>

namespace liaison {
namespace {

TEST(Rfc3339, RoundTripsUtcWithMilliseconds) {
  auto t = ParseRfc3339("2026-11-29T06:32:55.123Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-29T06:32:55.123Z");
}

TEST(Rfc3339, FormatsLikeTheDateLibrary) {
  // Dates across the range in use, leap days and the edges of a day, against date::format.
  for (long long ms : {0LL, 1LL, 999LL, 86'399'999LL, 951'782'400'000LL, 1'709'164'800'123LL,
                       4'102'444'799'999LL, -1LL, -86'400'000LL, 253'402'300'799'999LL}) {
    TimePoint t{std::chrono::milliseconds(ms)};
    EXPECT_EQ(FormatRfc3339(t), date::format("%FT%TZ", t)) << ms;
  }
}

TEST(Rfc3339, AppliesNumericOffsets) {
  auto t = ParseRfc3339("2026-11-29T08:32:55+02:00");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-29T06:32:55.000Z");
}

TEST(Rfc3339, RejectsWhatIsNotADateTime) {
  for (const char* bad : {"", "2026-11-29", "yesterday", "2026-13-01T00:00:00Z",
                          "2026-11-29T06:32:55", "2026-11-29T06:32:55Zjunk"}) {
    auto t = ParseRfc3339(bad, "deadline");
    ASSERT_FALSE(t.has_value()) << bad;
    EXPECT_EQ(t.error().field, "deadline");
  }
}

TEST(TimeZones, KnowsIanaNamesOnly) {
  EXPECT_TRUE(IsKnownTimeZone("Europe/Paris"));
  EXPECT_TRUE(IsKnownTimeZone("Asia/Kolkata"));
  EXPECT_FALSE(IsKnownTimeZone("Mars/Olympus_Mons"));
  EXPECT_FALSE(IsKnownTimeZone(""));
}

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(FromUnixMillis(1000));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 1000);
  clock.Advance(std::chrono::seconds(2));
  EXPECT_EQ(ToUnixMillis(clock.Now()), 3000);
}

}  // namespace
}  // namespace liaison
