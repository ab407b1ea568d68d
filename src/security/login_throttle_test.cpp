#include "security/login_throttle.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace liaison::security {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const TimePoint kStart = FromUnixMillis(1'767'225'600'000LL);

LoginThrottle::Options ThreeInTenMinutes() {
  LoginThrottle::Options options;
  options.max_failures = 3;
  options.window = minutes(10);
  return options;
}

TEST(LoginThrottle, RefusesAnAccountAfterMaxFailuresUntilTheWindowPasses) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(throttle.Check("a@x.example", "ip-" + std::to_string(i), kStart).has_value());
    throttle.RecordFailure("a@x.example", "ip-" + std::to_string(i), kStart + seconds(i));
  }
  auto refused = throttle.Check("a@x.example", "ip-new", kStart + seconds(3));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kResourceExhausted);
  EXPECT_EQ(refused.error().reason, "login_throttled");
  EXPECT_FALSE(throttle
                   .Check("a@x.example", "ip-new",
                          kStart + seconds(2) + minutes(10) - std::chrono::milliseconds(1))
                   .has_value());
  EXPECT_TRUE(
      throttle.Check("a@x.example", "ip-new", kStart + seconds(2) + minutes(10)).has_value());
  // Other accounts were never affected.
  EXPECT_TRUE(throttle.Check("b@x.example", "ip-new", kStart).has_value());
}

TEST(LoginThrottle, RefusesAnAddressThatTriesManyAccounts) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 3; ++i) {
    throttle.RecordFailure("user" + std::to_string(i) + "@x.example", "198.51.100.7", kStart);
  }
  EXPECT_FALSE(throttle.Check("fresh@x.example", "198.51.100.7", kStart).has_value());
  EXPECT_TRUE(throttle.Check("fresh@x.example", "198.51.100.8", kStart).has_value());
}

TEST(LoginThrottle, SuccessResetsTheAccountButNotTheAddress) {
  LoginThrottle throttle(ThreeInTenMinutes());
  throttle.RecordFailure("a@x.example", "ip", kStart);
  throttle.RecordFailure("a@x.example", "ip", kStart);
  throttle.RecordSuccess("a@x.example");
  throttle.RecordFailure("a@x.example", "other-ip", kStart);
  throttle.RecordFailure("a@x.example", "other-ip", kStart);
  EXPECT_TRUE(throttle.Check("a@x.example", "third-ip", kStart).has_value());
  throttle.RecordFailure("b@x.example", "ip", kStart);
  EXPECT_FALSE(throttle.Check("c@x.example", "ip", kStart).has_value());
}

TEST(LoginThrottle, FailuresOutsideTheWindowDoNotAddUp) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 6; ++i) {
    throttle.RecordFailure("a@x.example", "ip-" + std::to_string(i), kStart + minutes(6 * i));
    EXPECT_TRUE(throttle.Check("a@x.example", "new", kStart + minutes(6 * i)).has_value()) << i;
  }
}

TEST(LoginThrottle, SweepsExpiredEntriesWhenFull) {
  LoginThrottle::Options options = ThreeInTenMinutes();
  options.max_tracked = 10;
  LoginThrottle throttle(options);
  for (int i = 0; i < 10; ++i) {
    throttle.RecordFailure("u" + std::to_string(i), "ip" + std::to_string(i), kStart);
  }
  // An hour later the old entries are swept as new ones arrive; counting still works.
  for (int i = 0; i < 3; ++i) throttle.RecordFailure("late", "late-ip", kStart + minutes(60));
  EXPECT_FALSE(throttle.Check("late", "x", kStart + minutes(60)).has_value());
}

TEST(LoginThrottle, CountsFailuresFromManyThreads) {
  LoginThrottle::Options options;
  options.max_failures = 400;
  options.window = minutes(10);
  LoginThrottle throttle(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&throttle, t] {
      for (int i = 0; i < 100; ++i) {
        throttle.RecordFailure("shared@x.example", "ip-" + std::to_string(t), kStart);
        (void)throttle.Check("shared@x.example", "ip-" + std::to_string(t), kStart);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_FALSE(throttle.Check("shared@x.example", "fresh", kStart).has_value());
}

}  // namespace
}  // namespace liaison::security
