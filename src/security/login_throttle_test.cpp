#include "security/login_throttle.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "security/test_support.hpp"

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

class LoginThrottleTest : public testing::SecurityTest {
 protected:
  Status Check(const LoginThrottle& throttle, std::string_view account, std::string_view address,
               TimePoint now) {
    return store::InTransaction(*db_, store::TxMode::kRead, [&](store::Transaction& tx) {
      return throttle.Check(tx, account, address, now);
    });
  }
  bool Allowed(const LoginThrottle& throttle, std::string_view account, std::string_view address,
               TimePoint now) {
    auto status = Check(throttle, account, address, now);
    if (!status.has_value()) {
      EXPECT_EQ(status.error().code, ErrorCode::kResourceExhausted);
      EXPECT_EQ(status.error().reason, "login_throttled");
    }
    return status.has_value();
  }
  void Fail(const LoginThrottle& throttle, std::string_view account, std::string_view address,
            TimePoint now) {
    auto status = throttle.RecordFailure(*db_, account, address, now);
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }
  void Succeed(const LoginThrottle& throttle, std::string_view account) {
    auto status = store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return throttle.RecordSuccess(tx, account);
    });
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }
  std::int64_t Rows(const std::string& where = "1 = 1") {
    auto rows = store::InTransaction(*db_, store::TxMode::kRead, [&](store::Transaction& tx) {
      return tx.Query("SELECT COUNT(*) FROM login_throttle WHERE " + where);
    });
    EXPECT_TRUE(rows.has_value());
    return rows.has_value() ? (*rows)[0].Int(0) : -1;
  }
};

TEST_F(LoginThrottleTest, RefusesAnAccountAfterMaxFailuresUntilTheWindowPasses) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(Allowed(throttle, "a@x.example", "ip-" + std::to_string(i), kStart));
    Fail(throttle, "a@x.example", "ip-" + std::to_string(i), kStart + seconds(i));
  }
  EXPECT_FALSE(Allowed(throttle, "a@x.example", "ip-new", kStart + seconds(3)));
  EXPECT_FALSE(Allowed(throttle, "a@x.example", "ip-new",
                       kStart + seconds(2) + minutes(10) - std::chrono::milliseconds(1)));
  EXPECT_TRUE(Allowed(throttle, "a@x.example", "ip-new", kStart + seconds(2) + minutes(10)));
  // Other accounts were never affected.
  EXPECT_TRUE(Allowed(throttle, "b@x.example", "ip-new", kStart));
}

TEST_F(LoginThrottleTest, RefusesAnAddressThatTriesManyAccounts) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 3; ++i) {
    Fail(throttle, "user" + std::to_string(i) + "@x.example", "198.51.100.7", kStart);
  }
  EXPECT_FALSE(Allowed(throttle, "fresh@x.example", "198.51.100.7", kStart));
  EXPECT_TRUE(Allowed(throttle, "fresh@x.example", "198.51.100.8", kStart));
}

TEST_F(LoginThrottleTest, SuccessResetsTheAccountButNotTheAddress) {
  LoginThrottle throttle(ThreeInTenMinutes());
  Fail(throttle, "a@x.example", "ip", kStart);
  Fail(throttle, "a@x.example", "ip", kStart);
  Succeed(throttle, "a@x.example");
  Fail(throttle, "a@x.example", "other-ip", kStart);
  Fail(throttle, "a@x.example", "other-ip", kStart);
  EXPECT_TRUE(Allowed(throttle, "a@x.example", "third-ip", kStart));
  Fail(throttle, "b@x.example", "ip", kStart);
  EXPECT_FALSE(Allowed(throttle, "c@x.example", "ip", kStart));
}

TEST_F(LoginThrottleTest, FailuresOutsideTheWindowDoNotAddUp) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 6; ++i) {
    Fail(throttle, "a@x.example", "ip-" + std::to_string(i), kStart + minutes(6 * i));
    EXPECT_TRUE(Allowed(throttle, "a@x.example", "new", kStart + minutes(6 * i))) << i;
  }
}

TEST_F(LoginThrottleTest, AFailureThatArrivesDuringALockExtendsIt) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 3; ++i) Fail(throttle, "a@x.example", "ip", kStart + minutes(4 * i));
  // Locked from minute 8 to 18; a failure that was in flight lands at minute 12, after the
  // window that began at minute 0: it counts on instead of starting a fresh, unlocked count.
  Fail(throttle, "a@x.example", "ip2", kStart + minutes(12));
  EXPECT_FALSE(Allowed(throttle, "a@x.example", "ip3", kStart + minutes(20)));
  EXPECT_TRUE(Allowed(throttle, "a@x.example", "ip3", kStart + minutes(22)));
}

TEST_F(LoginThrottleTest, KeepsNoAddressInTheClearAndPrunesWhatNoLongerMatters) {
  LoginThrottle throttle(ThreeInTenMinutes());
  for (int i = 0; i < 10; ++i) {
    Fail(throttle, "u" + std::to_string(i) + "@x.example", "192.0.2." + std::to_string(i), kStart);
  }
  EXPECT_EQ(Rows(), 20);
  EXPECT_EQ(Rows("key_hash LIKE '%x.example%' OR key_hash LIKE '%192.0.2%'"), 0);
  // An hour later the next failure removes the expired entries; counting still works.
  for (int i = 0; i < 3; ++i) Fail(throttle, "late", "late-ip", kStart + minutes(60));
  EXPECT_EQ(Rows(), 2);
  EXPECT_FALSE(Allowed(throttle, "late", "x", kStart + minutes(60)));
}

TEST_F(LoginThrottleTest, ServersSharingTheDatabaseCountTogether) {
  // A second pool on the same database stands for a second server.
  auto other = store::Open("sqlite://" + path_.string(), 2);
  ASSERT_TRUE(other.has_value()) << other.error().message;
  LoginThrottle here(ThreeInTenMinutes());
  LoginThrottle there(ThreeInTenMinutes());
  Fail(here, "a@x.example", "ip-1", kStart);
  ASSERT_TRUE(there.RecordFailure(**other, "a@x.example", "ip-2", kStart).has_value());
  EXPECT_TRUE(Allowed(here, "a@x.example", "ip-3", kStart));
  ASSERT_TRUE(there.RecordFailure(**other, "a@x.example", "ip-2", kStart).has_value());
  EXPECT_FALSE(Allowed(here, "a@x.example", "ip-3", kStart));
}

TEST_F(LoginThrottleTest, CountsFailuresFromManyThreads) {
  LoginThrottle::Options options;
  options.max_failures = 40;
  options.window = minutes(10);
  LoginThrottle throttle(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        EXPECT_TRUE(
            throttle.RecordFailure(*db_, "shared@x.example", "ip-" + std::to_string(t), kStart)
                .has_value());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Rows("failures = 40"), 1);  // The account's count; no failure was lost.
  EXPECT_FALSE(Allowed(throttle, "shared@x.example", "fresh", kStart));
}

}  // namespace
}  // namespace liaison::security
