#include "requests/deadlines.hpp"

#include <gtest/gtest.h>

#include <map>

#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {

using directory::ContactInput;
using directory::ContactLevel;
using security::OrgKind;
using security::Role;
using std::chrono::hours;
using std::chrono::minutes;

class DeadlinesTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    // Monday 5 January 2026, 08:00 UTC: 09:00 in Berlin.
    clock_.Set(FromUnixMillis(1'767'225'600'000LL) + hours(4 * 24 + 8));
    auto fr_cert = MakeOrg("CERT-FR", "FR");
    auto de_cert = MakeOrg("CERT-Bund", "DE");
    auto de_aa = MakeOrg("Auswärtiges Amt", "DE", OrgKind::kForeignMinistry);
    auto secretariat =
        MakeOrg("Secretariat", "", OrgKind::kOther, security::OrgCategory::kSecretariat);
    fr_tech_ = MakeAccount(fr_cert, "analyst@cert.example.fr", {Role::kTechnical});
    de_tech_ = MakeAccount(de_cert, "lage@cert-bund.example.de", {Role::kTechnical});
    MakeAccount(secretariat, "op@node.example", {Role::kOperator});

    ContactInput office = ValidInput(de_cert, "Office desk");
    office.emails = {"office@cert-bund.example.de"};
    office.time_zone = "Europe/Berlin";
    office_ = MakeContact(office);
    // The night desk is the backup: not a first recipient, the first escalation step.
    ContactInput night = ValidInput(de_cert, "Night desk");
    night.emails = {"night@cert-bund.example.de"};
    night.role = directory::ContactRole::kBackup;
    night_ = MakeContact(night);
    // A stale primary contact is left out of routing while a fresh one remains, and is no
    // backup either.
    ContactInput stale = ValidInput(de_cert, "Old desk");
    stale.emails = {"old@cert-bund.example.de"};
    auto old_desk = MakeContact(stale);
    Exec("UPDATE contacts SET stale = 1 WHERE id = ?", {old_desk.id});
    ContactInput policy = ValidInput(de_aa, "Cyber policy");
    policy.level = ContactLevel::kPolicy;
    policy.emails = {"cyber@aa.example.de"};
    MakeContact(policy);
  }

  CooperationRequest Critical() {
    RequestDraft d = Mitigation("DE");
    d.urgency = Urgency::kCritical;
    return Create(fr_tech_, d);
  }

  DeadlineSummary Run() {
    auto summary = RunDeadlines(*db_, settings_, Now());
    EXPECT_TRUE(summary.has_value()) << summary.error().message;
    return summary.value_or(DeadlineSummary{});
  }

  // How many e-mails of template `name` each address got about request `id`.
  std::map<std::string, int> Escalations(const std::string& id) {
    std::map<std::string, int> count;
    for (const auto& row : Sql("SELECT recipient FROM notifications WHERE related_id = ? AND "
                               "channel = 'email' AND extras LIKE '%request.escalated%'",
                               {id})) {
      ++count[row.Text(0)];
    }
    return count;
  }

  std::vector<TimelineEntry> Timeline(const std::string& id) {
    auto entries = GetTimeline(*db_, fr_tech_, id);
    EXPECT_TRUE(entries.has_value());
    return entries.value_or(std::vector<TimelineEntry>{});
  }

  security::Principal fr_tech_, de_tech_;
  directory::PointOfContact office_, night_;
};

TEST_F(DeadlinesTest, EscalatesToBackupThenPolicyThenOperatorOnceEach) {
  CooperationRequest r = Critical();
  ASSERT_EQ(MailsAbout(r.id).size(), 1u);
  EXPECT_EQ(MailsAbout(r.id)[0].to, "office@cert-bund.example.de");

  clock_.Advance(hours(1) + minutes(59));
  EXPECT_EQ(Run().escalation_steps, 0);
  clock_.Advance(minutes(1));
  DeadlineSummary first = Run();
  EXPECT_EQ(first.acknowledgements_overdue, 1);
  EXPECT_EQ(first.escalation_steps, 1);
  EXPECT_EQ(Escalations(r.id), (std::map<std::string, int>{{"night@cert-bund.example.de", 1}}));
  EXPECT_EQ(Run().escalation_steps, 0);  // Once each.
  auto seen = GetRequest(*db_, de_tech_, r.id);
  ASSERT_TRUE(seen.has_value());
  EXPECT_TRUE(seen->acknowledge_overdue_at.has_value());  // Overdue to both sides.
  EXPECT_EQ(seen->version, r.version);

  clock_.Advance(hours(2));
  EXPECT_EQ(Run().escalation_steps, 1);
  clock_.Advance(hours(2));
  EXPECT_EQ(Run().escalation_steps, 1);
  clock_.Advance(hours(20));
  EXPECT_EQ(Run().escalation_steps, 0);
  EXPECT_EQ(Escalations(r.id), (std::map<std::string, int>{{"cyber@aa.example.de", 1},
                                                           {"night@cert-bund.example.de", 1},
                                                           {"op@node.example", 1}}));
  std::vector<std::string> steps;
  for (const auto& e : Timeline(r.id)) {
    if (e.kind == "escalated" || e.kind == "overdue") {
      EXPECT_NE(e.info.find("\"basis\":\"working_hours\""), std::string::npos) << e.info;
      steps.push_back(e.kind + ":" +
                      (e.info.find("\"step\":\"") != std::string::npos
                           ? e.info.substr(e.info.find("\"step\":\"") + 8, 6)
                           : std::string()));
    }
  }
  EXPECT_EQ(steps, (std::vector<std::string>{"overdue:", "escalated:backup", "escalated:policy",
                                             "escalated:operat"}));
  // The escalation e-mails carry no content.
  for (const auto& mail : MailsAbout(r.id)) {
    if (mail.to != "office@cert-bund.example.de") {
      EXPECT_EQ(mail.body.find("DDoS"), std::string::npos);
    }
  }
}

TEST_F(DeadlinesTest, SaysInTheTimelineWhenTheStateHasNoBackupContact) {
  Exec("DELETE FROM contacts WHERE id = ?", {night_.id});
  CooperationRequest r = Critical();
  clock_.Advance(hours(2));
  DeadlineSummary first = Run();
  EXPECT_EQ(first.escalation_steps, 1);
  EXPECT_TRUE(Escalations(r.id).empty());
  const TimelineEntry last = Timeline(r.id).back();
  EXPECT_EQ(last.kind, "escalated");
  EXPECT_NE(last.info.find("\"reached\":0"), std::string::npos) << last.info;
  EXPECT_NE(last.info.find("no backup technical contact"), std::string::npos) << last.info;
  clock_.Advance(hours(2));
  EXPECT_EQ(Run().escalation_steps, 1);
  EXPECT_EQ(Escalations(r.id), (std::map<std::string, int>{{"cyber@aa.example.de", 1}}));
}

TEST_F(DeadlinesTest, WorkingHoursPauseTheDeadlineOutsideThem) {
  // Friday 9 January, 15:00 UTC: 16:00 in Berlin, one working hour left that day.
  clock_.Advance(hours(4 * 24 + 7));
  CooperationRequest r = Critical();
  clock_.Advance(hours(21));  // Saturday noon.
  EXPECT_EQ(Run().acknowledgements_overdue, 0);
  clock_.Advance(hours(2 * 24 - 3));  // Monday 09:00 UTC, 10:00 in Berlin: two working hours.
  EXPECT_EQ(Run().acknowledgements_overdue, 1);
  EXPECT_EQ(Timeline(r.id).back().kind, "escalated");
}

TEST_F(DeadlinesTest, TwentyFourSevenContactsAreEscalatedOnTheClock) {
  Exec("UPDATE contacts SET available_24_7 = 1 WHERE id = ?", {office_.id});
  clock_.Advance(hours(4 * 24 + 7));  // Friday 16:00 in Berlin.
  CooperationRequest r = Critical();
  clock_.Advance(hours(2));
  EXPECT_EQ(Run().acknowledgements_overdue, 1);
  bool found = false;
  for (const auto& e : Timeline(r.id)) {
    if (e.kind == "overdue") {
      found = true;
      EXPECT_NE(e.info.find("\"basis\":\"clock\""), std::string::npos) << e.info;
      EXPECT_NE(e.info.find("24/7"), std::string::npos) << e.info;
    }
  }
  EXPECT_TRUE(found);
}

TEST_F(DeadlinesTest, AcknowledgedRequestsAreNotEscalatedButTheirAnswerCanBeOverdue) {
  CooperationRequest r = Critical();
  TransitionInput ack;
  ack.transition = Transition::kAcknowledge;
  ASSERT_TRUE(Apply(de_tech_, r, ack).has_value());
  clock_.Advance(hours(23));
  EXPECT_EQ(Run().escalation_steps, 0);
  EXPECT_TRUE(Escalations(r.id).empty());
  clock_.Advance(hours(1));
  EXPECT_EQ(Run().answers_overdue, 1);
  EXPECT_EQ(Run().answers_overdue, 0);
  auto seen = GetRequest(*db_, fr_tech_, r.id);
  ASSERT_TRUE(seen->answer_overdue_at.has_value());
  EXPECT_EQ(Timeline(r.id).back().kind, "overdue");
  EXPECT_NE(Timeline(r.id).back().info.find("\"deadline\":\"answer\""), std::string::npos);
}

}  // namespace
}  // namespace liaison::requests
