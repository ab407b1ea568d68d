#include "store/scheduled_jobs.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

namespace liaison::store {
namespace {

using std::chrono::seconds;

class ScheduledJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("liaison-jobs-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    std::filesystem::remove(path_);
    db_ = OpenOne();
    ASSERT_TRUE(ApplyMigrations(*db_, Migrations(), clock_.Now()).has_value());
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  // A separate handle on the same file, as another server process has.
  std::unique_ptr<Database> OpenOne() {
    auto db = Open("sqlite://" + path_.string(), 2);
    EXPECT_TRUE(db.has_value());
    return db.has_value() ? std::move(*db) : nullptr;
  }
  static JobClaim Claim(std::string_view holder) {
    return JobClaim{"requests.deadlines", holder, seconds(30), seconds(60)};
  }

  std::filesystem::path path_;
  ManualClock clock_{FromUnixMillis(1795932000000)};
  std::unique_ptr<Database> db_;
};

TEST_F(ScheduledJobs, RunsOncePerPeriodWhoeverAsks) {
  TimePoint first_due = clock_.Now();
  EXPECT_EQ(ClaimDueJob(*db_, Claim("a"), clock_.Now()).value(), first_due);
  ASSERT_TRUE(FinishJob(*db_, "requests.deadlines", "a", clock_.Now()).has_value());
  EXPECT_FALSE(ClaimDueJob(*db_, Claim("b"), clock_.Now()).value()) << "not due again yet";
  clock_.Advance(seconds(29));
  EXPECT_FALSE(ClaimDueJob(*db_, Claim("b"), clock_.Now()).value());
  clock_.Advance(seconds(1));
  EXPECT_EQ(ClaimDueJob(*db_, Claim("b"), clock_.Now()).value(), first_due + seconds(30));
  EXPECT_FALSE(ClaimDueJob(*db_, Claim("a"), clock_.Now()).value());
}

TEST_F(ScheduledJobs, HeldJobWaitsForItsLeaseEvenWhenDueAgain) {
  ASSERT_TRUE(ClaimDueJob(*db_, Claim("crashed"), clock_.Now()).value());
  // Due again after 30 s, but the holder's lease (60 s) still runs: nobody else starts it.
  clock_.Advance(seconds(45));
  EXPECT_FALSE(ClaimDueJob(*db_, Claim("b"), clock_.Now()).value());
  clock_.Advance(seconds(16));
  EXPECT_TRUE(ClaimDueJob(*db_, Claim("b"), clock_.Now()).value()) << "the lease ran out";
  // The crashed holder's late finish changes nothing.
  ASSERT_TRUE(FinishJob(*db_, "requests.deadlines", "crashed", clock_.Now()).has_value());
  clock_.Advance(seconds(30));
  EXPECT_FALSE(ClaimDueJob(*db_, Claim("c"), clock_.Now()).value()) << "b still holds it";
}

TEST_F(ScheduledJobs, ExactlyOneOfManyConcurrentServersWins) {
  constexpr int kServers = 6;
  std::vector<std::unique_ptr<Database>> handles;
  for (int i = 0; i < kServers; ++i) handles.push_back(OpenOne());
  std::atomic<int> winners = 0;
  std::atomic<int> errors = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < kServers; ++i) {
    threads.emplace_back([&, i] {
      std::string holder = "server-" + std::to_string(i);
      auto won = ClaimDueJob(*handles[i], Claim(holder), clock_.Now());
      if (!won.has_value()) {
        ++errors;
      } else if (won->has_value()) {
        ++winners;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(winners.load(), 1);
}

TEST_F(ScheduledJobs, StateOnlyRises) {
  EXPECT_EQ(JobState(*db_, "jurisdiction.data").value(), "");
  EXPECT_TRUE(RaiseJobState(*db_, "jurisdiction.data", "2026-11-20", clock_.Now()).value());
  EXPECT_FALSE(RaiseJobState(*db_, "jurisdiction.data", "2026-11-01", clock_.Now()).value());
  EXPECT_FALSE(RaiseJobState(*db_, "jurisdiction.data", "2026-11-20", clock_.Now()).value());
  EXPECT_TRUE(RaiseJobState(*db_, "jurisdiction.data", "2026-11-28", clock_.Now()).value());
  EXPECT_EQ(JobState(*db_, "jurisdiction.data").value(), "2026-11-28");
}

}  // namespace
}  // namespace liaison::store
