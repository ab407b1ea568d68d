#include "requests/mitigation_drafts.hpp"

#include <gtest/gtest.h>

#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {

using security::OrgKind;
using security::Role;

class MitigationDraftsTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    fr_cert_ = MakeOrg("CERT-FR", "FR", OrgKind::kNationalCert);
    de_cert_ = MakeOrg("CERT-Bund", "DE", OrgKind::kNationalCert);
    nl_mfa_ = MakeOrg("BZ", "NL", OrgKind::kForeignMinistry);
    fr_tech_ = MakeAccount(fr_cert_, "analyst@cert.example.fr", {Role::kTechnical});
    fr_analyst_ = MakeAccount(fr_cert_, "data@cert.example.fr", {Role::kAnalyst});
    de_tech_ = MakeAccount(de_cert_, "lage@cert-bund.example.de", {Role::kTechnical});
    auto de = ValidInput(de_cert_, "Lagezentrum");
    de.emails = {"lage@cert-bund.example.de"};
    MakeContact(de);
    // The Netherlands has only a policy contact: mitigation requests fall back to it.
    auto nl = ValidInput(nl_mfa_, "Cyber desk");
    nl.level = directory::ContactLevel::kPolicy;
    nl.emails = {"cyber@bz.example.nl"};
    MakeContact(nl);
  }

  static jurisdiction::GroupSummary Group(std::string group, std::string state,
                                          std::vector<std::uint32_t> v4,
                                          std::int64_t observations) {
    jurisdiction::GroupSummary g;
    g.group = std::move(group);
    g.state = std::move(state);
    g.countries = {g.state.empty() ? "TW" : g.state};
    g.observations = observations;
    g.addresses_v4 = std::move(v4);
    g.distinct_addresses = static_cast<std::int64_t>(g.addresses_v4.size());
    g.as_numbers = {3320, 64500};
    g.distinct_as_numbers = 2;
    g.categories = {{"scanner", observations - 1}, {"c2\n\xff\xed\xa0\x80", 1}};
    return g;
  }

  jurisdiction::AttributionSummary Summary() {
    jurisdiction::AttributionSummary s;
    s.data_version = "fixture-1";
    s.address_field = "ip";
    s.lines = 40;
    s.observations = 40;
    auto de = Group("DE", "DE", {0x0a000001, 0x0a000002, 0x0a000003}, 20);
    de.addresses_v6 = {(jurisdiction::Uint128{0x20010db8} << 96) | 5};
    de.distinct_addresses = 4;
    de.first_seen = Now() - std::chrono::hours(48);
    de.last_seen = Now() - std::chrono::hours(1);
    s.groups = {de, Group("FR", "FR", {0x0b000001}, 10), Group("NL", "NL", {0x0c000001}, 5),
                Group("IT", "IT", {0x0d000001}, 3), Group("no-state-TW", "", {0x0e000001}, 2)};
    return s;
  }

  security::Organization fr_cert_, de_cert_, nl_mfa_;
  security::Principal fr_tech_, fr_analyst_, de_tech_;
};

TEST_F(MitigationDraftsTest, DraftsOneRequestPerOtherStateOnTheNodeAndSkipsTheRest) {
  MitigationDraftOptions options;
  options.impact = "scanning of our energy sector";
  auto made = DraftMitigationRequests(*db_, fr_tech_, Summary(), options, Now());
  ASSERT_TRUE(made.has_value()) << made.error().field << ": " << made.error().message;
  ASSERT_EQ(made->drafts.size(), 2u);
  const auto& de = made->drafts[0];
  EXPECT_EQ(de.request.requested_state, "DE");
  EXPECT_EQ(de.request.status, RequestStatus::kDraft);
  EXPECT_EQ(de.request.type, RequestType::kMitigation);
  EXPECT_EQ(de.request.requesting_organization_id, fr_cert_.id);
  EXPECT_EQ(de.indicators, 4);
  const RequestContent& c = *de.request.content;
  ASSERT_EQ(c.indicators.size(), 4u);
  EXPECT_EQ(c.indicators[0].value, "10.0.0.1");
  EXPECT_EQ(c.indicators[3].type, IndicatorType::kIpv6);
  EXPECT_EQ(c.indicators[3].value, "2001:db8::5");
  EXPECT_EQ(c.tlp, Tlp::kAmber);
  EXPECT_EQ(c.language, "en");
  EXPECT_NE(c.subject.find("Germany"), std::string::npos) << c.subject;
  EXPECT_NE(c.description.find("4 of the 4 distinct addresses"), std::string::npos)
      << c.description;
  ASSERT_TRUE(c.mitigation.has_value());
  EXPECT_EQ(c.mitigation->observed_from, Now() - std::chrono::hours(48));
  EXPECT_EQ(c.mitigation->observed_to, Now() - std::chrono::hours(1));
  EXPECT_EQ(c.mitigation->impact, "scanning of our energy sector");
  EXPECT_NE(c.mitigation->evidence.find("as_numbers: AS3320, AS64500"), std::string::npos);
  // The feed's control characters and broken UTF-8 do not reach the text.
  EXPECT_NE(c.mitigation->evidence.find("scanner 19, c2????? 1"), std::string::npos)
      << c.mitigation->evidence;
  EXPECT_EQ(made->drafts[1].request.requested_state, "NL");

  ASSERT_EQ(made->skipped.size(), 3u);
  EXPECT_EQ(made->skipped[0].group, "FR");
  EXPECT_EQ(made->skipped[0].reason, DraftSkip::kOwnState);
  EXPECT_EQ(made->skipped[1].state, "IT");
  EXPECT_EQ(made->skipped[1].reason, DraftSkip::kNotOnNode);
  EXPECT_EQ(made->skipped[2].reason, DraftSkip::kNoState);

  // Drafts are the sender's only, audited, and nothing is sent.
  EXPECT_FALSE(GetRequest(*db_, de_tech_, de.request.id).has_value());
  EXPECT_TRUE(MailsAbout(de.request.id).empty());
  EXPECT_TRUE(EventsAbout(de.request.id).empty());
  int audited = 0;
  for (const auto& e : AuditEntries()) audited += e.action == "request.create";
  EXPECT_EQ(audited, 2);

  // Submitting a draft routes it as any request.
  TransitionInput submit;
  submit.transition = Transition::kSubmit;
  auto submitted =
      ApplyTransition(*db_, fr_tech_, de.request.id, submit, de.request.version, settings_, Now());
  ASSERT_TRUE(submitted.has_value()) << submitted.error().field << submitted.error().message;
  EXPECT_EQ(MailsAbout(de.request.id).size(), 1u);
  EXPECT_TRUE(GetRequest(*db_, de_tech_, de.request.id).has_value());
}

TEST_F(MitigationDraftsTest, WritesInTheChosenLanguageAndCapsTheIndicators) {
  MitigationDraftOptions options;
  options.language = "fr";
  options.max_indicators = 2;
  options.tlp = Tlp::kRed;
  options.urgency = Urgency::kUrgent;
  auto made = DraftMitigationRequests(*db_, fr_tech_, Summary(), options, Now());
  ASSERT_TRUE(made.has_value()) << made.error().message;
  const auto& de = made->drafts[0];
  EXPECT_EQ(de.indicators, 2);
  EXPECT_EQ(de.distinct_addresses, 4);
  EXPECT_EQ(de.request.urgency, Urgency::kUrgent);
  EXPECT_EQ(de.request.content->tlp, Tlp::kRed);
  EXPECT_EQ(de.request.content->language, "fr");
  EXPECT_NE(de.request.content->description.find("2 des 4 adresses distinctes"), std::string::npos)
      << de.request.content->description;
  options.language = "de";
  auto refused = DraftMitigationRequests(*db_, fr_tech_, Summary(), options, Now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "language");
}

TEST_F(MitigationDraftsTest, AnAccountThatMayNotMakeRequestsGetsNoneAndNothingIsWritten) {
  auto before = AuditEntries().size();
  auto made = DraftMitigationRequests(*db_, fr_analyst_, Summary(), {}, Now());
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().code, ErrorCode::kPermissionDenied);
  EXPECT_EQ(AuditEntries().size(), before);
  EXPECT_FALSE(CheckMayDraftMitigation(fr_analyst_).has_value());
  EXPECT_TRUE(CheckMayDraftMitigation(fr_tech_).has_value());
}

TEST_F(MitigationDraftsTest, AnInvalidDraftLeavesNoDraftBehind) {
  auto summary = Summary();
  // The second drafted state's window starts after it ends: its draft is invalid, so the first
  // state's draft, already stored in the same transaction, is rolled back too.
  summary.groups[2].first_seen = Now() - std::chrono::hours(1);
  summary.groups[2].last_seen = Now() - std::chrono::hours(2);
  auto before = AuditEntries().size();
  auto made = DraftMitigationRequests(*db_, fr_tech_, summary, {}, Now());
  ASSERT_FALSE(made.has_value());
  EXPECT_EQ(made.error().field, "mitigation.observed_to");
  EXPECT_EQ(AuditEntries().size(), before);
  EXPECT_TRUE(Sql("SELECT id FROM requests").empty());
}

}  // namespace
}  // namespace liaison::requests
