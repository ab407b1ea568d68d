#include "requests/stats.hpp"

#include <gtest/gtest.h>

#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {

using security::Role;
using std::chrono::hours;

class StatsTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    auto fr_cert = MakeOrg("CERT-FR", "FR");
    auto de_cert = MakeOrg("CERT-Bund", "DE");
    auto ke_cert = MakeOrg("KE-CIRT", "KE");
    fr_ = MakeAccount(fr_cert, "analyst@cert.example.fr", {Role::kTechnical});
    de_ = MakeAccount(de_cert, "lage@cert-bund.example.de", {Role::kTechnical});
    ke_ = MakeAccount(ke_cert, "soc@ke-cirt.example.ke", {Role::kTechnical});
    MakeContact(ValidInput(de_cert, "Lagezentrum"));
    MakeContact(ValidInput(ke_cert, "KE duty"));
  }

  // Submits a request to `state` now, acknowledges it after `ack` hours and answers it `answer`
  // hours after submission (negative: never), as `responder`. The clock is left where it got to.
  void Handle(const std::string& state, const security::Principal& responder, int ack, int answer) {
    const TimePoint start = Now();
    CooperationRequest r = Create(fr_, Mitigation(state));
    if (ack < 0) return;
    clock_.Set(start + hours(ack));
    TransitionInput in;
    in.transition = Transition::kAcknowledge;
    auto acked = Apply(responder, r, in);
    ASSERT_TRUE(acked.has_value());
    if (answer >= 0) {
      clock_.Set(start + hours(answer));
      in.transition = Transition::kAnswer;
      in.outcome = Outcome::kMitigated;
      in.note = "done";
      ASSERT_TRUE(Apply(responder, *acked, in).has_value());
    }
  }

  security::Principal fr_, de_, ke_;
};

TEST_F(StatsTest, GivesMedianP90AndShareWithinDeadlinePerState) {
  const TimePoint from = Now();
  Handle("DE", de_, 1, 10);   // Answered within the urgent 72 h.
  Handle("DE", de_, 3, 100);  // Answered late.
  Handle("DE", de_, 2, -1);   // Acknowledged, not answered.
  Handle("KE", ke_, -1, -1);  // Never acknowledged.
  CooperationRequest withdrawn = Create(fr_, Mitigation("DE"));
  TransitionInput w;
  w.transition = Transition::kWithdraw;
  ASSERT_TRUE(Apply(fr_, withdrawn, w).has_value());

  auto stats = Responsiveness(*db_, ke_, from, Now() + hours(1));
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  ASSERT_EQ(stats->size(), 2u);
  const StateResponsiveness& de = (*stats)[0];
  EXPECT_EQ(de.state, "DE");
  EXPECT_EQ(de.requests, 3);
  EXPECT_EQ(de.acknowledged, 3);
  EXPECT_EQ(de.answered, 2);
  EXPECT_EQ(de.answered_within_deadline, 1);
  EXPECT_DOUBLE_EQ(*de.median_hours_to_acknowledge, 2.0);
  EXPECT_DOUBLE_EQ(*de.p90_hours_to_acknowledge, 3.0);
  EXPECT_DOUBLE_EQ(*de.median_hours_to_answer, 55.0);
  EXPECT_DOUBLE_EQ(*de.p90_hours_to_answer, 100.0);
  EXPECT_NEAR(*de.share_answered_within_deadline, 1.0 / 3.0, 1e-9);
  const StateResponsiveness& ke = (*stats)[1];
  EXPECT_EQ(ke.requests, 1);
  EXPECT_FALSE(ke.median_hours_to_acknowledge.has_value());
  EXPECT_DOUBLE_EQ(*ke.share_answered_within_deadline, 0.0);

  auto empty = Responsiveness(*db_, ke_, Now() + hours(2), Now() + hours(3));
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(Responsiveness(*db_, ke_, Now(), Now()).error().field, "to");
  EXPECT_EQ(Responsiveness(*db_, security::Principal{}, from, Now()).error().code,
            ErrorCode::kUnauthenticated);
}

}  // namespace
}  // namespace liaison::requests
