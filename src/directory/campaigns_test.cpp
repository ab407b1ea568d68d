#include "directory/campaigns.hpp"

#include <gtest/gtest.h>

#include <map>

#include "directory/directory_test_support.hpp"

namespace liaison::directory {
namespace {

using security::OrgKind;
using security::Role;
using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

constexpr char kPublicUrl[] = "https://liaison.example/";
constexpr char kKey[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n";

class CampaignTest : public testing::DirectoryTest {
 protected:
  void SetUp() override {
    DirectoryTest::SetUp();
    // Thursday 8 January 2026, 07:00 UTC (08:00 in Paris).
    clock_.Set(FromUnixMillis(1'767'855'600'000LL));
    fr_cert_ = MakeOrg("CERT-FR", "FR", OrgKind::kNationalCert);
    fr_mfa_ = MakeOrg("MEAE", "FR", OrgKind::kForeignMinistry);
    ke_cert_ = MakeOrg("KE-CIRT", "KE", OrgKind::kNationalCert);
    secretariat_ = MakeOrg("Secretariat", "", OrgKind::kOther, security::OrgCategory::kSecretariat);
    operator_ = MakeAccount(secretariat_, "op@node.example", {Role::kOperator});
    fr_policy_ = MakeAccount(fr_mfa_, "policy@meae.example.fr", {Role::kPolicy});
    fr_technical_ = MakeAccount(fr_cert_, "analyst@cert.example.fr", {Role::kTechnical});
    ke_policy_ = MakeAccount(ke_cert_, "policy@ke-cirt.example.ke", {Role::kPolicy});

    ContactInput camille = ValidInput(fr_cert_, "Camille Martin");
    camille.emails = {"cert@cert.example.fr", "backup@cert.example.fr"};
    camille.languages = {"fr-FR", "en"};
    camille_ = MakeContact(camille);
    ContactInput bernard = ValidInput(fr_mfa_, "Bernard Petit");
    bernard.level = ContactLevel::kPolicy;
    bernard.emails = {"b.petit@meae.example.fr"};
    bernard.languages = {"de", "en"};
    bernard.openpgp_key = kKey;
    bernard_ = MakeContact(bernard);
    ContactInput wanjiru = ValidInput(ke_cert_, "Wanjiru Kamau");
    wanjiru.emails = {"soc@ke-cirt.example.ke"};
    wanjiru.languages = {"sw", "en"};
    wanjiru.time_zone = "Africa/Nairobi";
    wanjiru.available_24_7 = true;
    wanjiru_ = MakeContact(wanjiru);
  }

  CampaignInput AllWithin(days duration) {
    CampaignInput input;
    input.scope = CampaignScope::kAll;
    input.level = CampaignLevel::kBoth;
    input.deadline = Now() + duration;
    return input;
  }

  PingCampaign Start(const CampaignInput& input) {
    auto campaign = StartCampaign(*db_, operator_, input, kPublicUrl, Now());
    EXPECT_TRUE(campaign.has_value()) << campaign.error().message;
    return campaign.value_or(PingCampaign{});
  }

  struct Mail {
    std::string body;
    std::string extras;
  };
  // The ping e-mails of `campaign_id` by recipient.
  std::map<std::string, Mail> PingMails(const std::string& campaign_id) {
    std::map<std::string, Mail> mails;
    for (const auto& row : Sql("SELECT recipient, body, extras FROM notifications "
                               "WHERE channel = 'email' AND related_id = ?",
                               {campaign_id})) {
      mails[row.Text(0)] = Mail{row.Text(1), row.Text(2)};
    }
    return mails;
  }

  // The acknowledgement token in the link of `body`.
  static std::string TokenIn(const std::string& body) {
    const std::string prefix = "https://liaison.example/ack/";
    std::size_t at = body.find(prefix);
    if (at == std::string::npos) return "";
    std::size_t start = at + prefix.size();
    std::size_t end = body.find_first_of(" \r\n", start);
    return body.substr(start, end == std::string::npos ? std::string::npos : end - start);
  }

  std::string TokenFor(const std::string& campaign_id, const std::string& address) {
    return TokenIn(PingMails(campaign_id)[address].body);
  }

  bool IsStale(const PointOfContact& contact) {
    auto read = GetContact(*db_, system_, contact.id);
    EXPECT_TRUE(read.has_value());
    return read.has_value() && read->stale;
  }

  security::Organization fr_cert_, fr_mfa_, ke_cert_, secretariat_;
  security::Principal operator_, fr_policy_, fr_technical_, ke_policy_;
  PointOfContact camille_, bernard_, wanjiru_;
};

TEST_F(CampaignTest, RejectsBadInput) {
  struct Case {
    CampaignInput input;
    std::string field;
    std::string reason;
  };
  CampaignInput past = AllWithin(days(1));
  past.deadline = Now() - minutes(1);
  CampaignInput far = AllWithin(days(61));
  CampaignInput unknown_state;
  unknown_state.states = {"FR", "XX"};
  unknown_state.deadline = Now() + days(1);
  CampaignInput repeated = unknown_state;
  repeated.states = {"FR", "FR"};
  CampaignInput lower_case = unknown_state;
  lower_case.states = {"fr"};
  CampaignInput no_states = unknown_state;
  no_states.states = {};
  CampaignInput no_group = AllWithin(days(1));
  no_group.scope = CampaignScope::kRegionalGroup;
  for (const auto& c : std::vector<Case>{{past, "deadline", "deadline_passed"},
                                         {far, "deadline", "deadline_too_far"},
                                         {unknown_state, "states[1]", "unknown_state"},
                                         {repeated, "states[1]", "duplicate"},
                                         {lower_case, "states[0]", "unknown_state"},
                                         {no_states, "states", "required"},
                                         {no_group, "regional_group", "required"}}) {
    auto started = StartCampaign(*db_, operator_, c.input, kPublicUrl, Now());
    ASSERT_FALSE(started.has_value()) << c.field;
    EXPECT_EQ(started.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(started.error().field, c.field);
    EXPECT_EQ(started.error().reason, c.reason);
  }
  EXPECT_TRUE(StartCampaign(*db_, operator_, AllWithin(days(60)), kPublicUrl, Now()).has_value());

  CampaignInput germany = AllWithin(days(1));
  germany.scope = CampaignScope::kStates;
  germany.states = {"DE"};
  auto empty = StartCampaign(*db_, operator_, germany, kPublicUrl, Now());
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().reason, "no_contacts");
}

TEST_F(CampaignTest, PolicyAccountsPingOnlyTheirOwnState) {
  CampaignInput own;
  own.scope = CampaignScope::kStates;
  own.states = {"FR"};
  own.deadline = Now() + days(7);
  CampaignInput other = own;
  other.states = {"KE"};
  CampaignInput both = own;
  both.states = {"FR", "KE"};

  auto by_technical = StartCampaign(*db_, fr_technical_, own, kPublicUrl, Now());
  ASSERT_FALSE(by_technical.has_value());
  EXPECT_EQ(by_technical.error().code, ErrorCode::kPermissionDenied);
  for (const auto& input : {other, both, AllWithin(days(7))}) {
    auto beyond = StartCampaign(*db_, fr_policy_, input, kPublicUrl, Now());
    ASSERT_FALSE(beyond.has_value());
    EXPECT_EQ(beyond.error().code, ErrorCode::kPermissionDenied);
  }
  EXPECT_EQ(StartCampaign(*db_, security::Principal{}, own, kPublicUrl, Now()).error().code,
            ErrorCode::kUnauthenticated);

  auto started = StartCampaign(*db_, fr_policy_, own, kPublicUrl, Now());
  ASSERT_TRUE(started.has_value()) << started.error().message;
  EXPECT_EQ(started->owner_state, "FR");
  EXPECT_EQ(started->targets, 2);

  // Kenya is not a party to a French campaign: it cannot see it.
  auto ke_list = ListCampaigns(*db_, ke_policy_, CampaignFilter{});
  ASSERT_TRUE(ke_list.has_value());
  EXPECT_TRUE(ke_list->campaigns.empty());
  EXPECT_EQ(GetCampaign(*db_, ke_policy_, started->id).error().code, ErrorCode::kNotFound);
  auto fr_list = ListCampaigns(*db_, fr_policy_, CampaignFilter{});
  ASSERT_TRUE(fr_list.has_value());
  ASSERT_EQ(fr_list->campaigns.size(), 1u);
  EXPECT_EQ(fr_list->campaigns[0].acknowledged, 0);
  auto op_list = ListCampaigns(*db_, operator_, CampaignFilter{});
  ASSERT_TRUE(op_list.has_value());
  EXPECT_EQ(op_list->campaigns.size(), 1u);
}

TEST_F(CampaignTest, RunsAWholeCampaign) {
  const TimePoint start = Now();
  PingCampaign campaign = Start(AllWithin(days(7)));
  EXPECT_EQ(campaign.targets, 3);
  EXPECT_EQ(campaign.emails_queued, 4);  // Camille has two addresses.
  EXPECT_EQ(campaign.states.size(), 195u);

  // One e-mail per address, each with an acknowledgement link, in the contact's UN language.
  auto mails = PingMails(campaign.id);
  ASSERT_EQ(mails.size(), 4u);
  for (const auto& [address, mail] : mails) {
    EXPECT_EQ(TokenIn(mail.body).size(), 43u) << address << "\n" << mail.body;
  }
  EXPECT_EQ(TokenFor(campaign.id, "cert@cert.example.fr"),
            TokenFor(campaign.id, "backup@cert.example.fr"));
  EXPECT_NE(TokenFor(campaign.id, "cert@cert.example.fr"),
            TokenFor(campaign.id, "soc@ke-cirt.example.ke"));
  EXPECT_NE(mails["cert@cert.example.fr"].extras.find("\"language\":\"fr\""), std::string::npos)
      << mails["cert@cert.example.fr"].extras;
  EXPECT_NE(mails["cert@cert.example.fr"].body.find("Camille Martin"), std::string::npos);
  EXPECT_NE(mails["b.petit@meae.example.fr"].extras.find("\"language\":\"en\""), std::string::npos);
  EXPECT_NE(mails["b.petit@meae.example.fr"].extras.find("BEGIN PGP PUBLIC KEY BLOCK"),
            std::string::npos);  // Encrypted on delivery.
  EXPECT_EQ(mails["soc@ke-cirt.example.ke"].extras.find("openpgp_key"), std::string::npos);
  // Only hashes of the tokens are kept with the targets.
  const std::string camille_token = TokenFor(campaign.id, "cert@cert.example.fr");
  for (const auto& row : Sql("SELECT token_hash FROM ping_targets")) {
    EXPECT_EQ(row.Text(0).size(), 64u);
    EXPECT_NE(row.Text(0), camille_token);
  }

  // Camille answers by link after three hours (two of them working hours in Paris).
  clock_.Set(start + hours(3));
  auto ack = Acknowledge(*db_, camille_token, AckChannel::kLink, Now());
  ASSERT_TRUE(ack.has_value()) << ack.error().message;
  EXPECT_TRUE(ack->first);
  EXPECT_EQ(ack->contact_id, camille_.id);
  EXPECT_EQ(ack->campaign_id, campaign.id);
  clock_.Advance(hours(1));
  auto again = Acknowledge(*db_, camille_token, AckChannel::kLink, Now());
  ASSERT_TRUE(again.has_value());
  EXPECT_FALSE(again->first);
  EXPECT_EQ(again->acknowledged_at, start + hours(3));
  EXPECT_EQ(Acknowledge(*db_, "no-such-token", AckChannel::kLink, Now()).error().code,
            ErrorCode::kNotFound);

  // Kenya answers through the API after 30 hours; France may not answer for Kenya.
  clock_.Set(start + hours(30));
  const std::string wanjiru_token = TokenFor(campaign.id, "soc@ke-cirt.example.ke");
  EXPECT_EQ(AcknowledgeByCampaign(*db_, fr_policy_, campaign.id, wanjiru_token, Now()).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(AcknowledgeByCampaign(*db_, ke_policy_, "png_other", wanjiru_token, Now()).error().code,
            ErrorCode::kNotFound);
  auto api_ack = AcknowledgeByCampaign(*db_, ke_policy_, campaign.id, wanjiru_token, Now());
  ASSERT_TRUE(api_ack.has_value()) << api_ack.error().message;
  EXPECT_EQ(api_ack->acknowledged_at, start + hours(30));

  auto status = GetCampaignStatus(*db_, ke_policy_, campaign.id, Now());
  ASSERT_TRUE(status.has_value()) << status.error().message;
  EXPECT_EQ(status->sent, 3);
  EXPECT_EQ(status->acknowledged, 2);
  EXPECT_EQ(status->emails_queued, 4);
  EXPECT_FALSE(status->closed);

  // Bernard is too late.
  clock_.Set(campaign.deadline + minutes(1));
  auto late =
      Acknowledge(*db_, TokenFor(campaign.id, "b.petit@meae.example.fr"), AckChannel::kLink, Now());
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(late.error().reason, "campaign_closed");
  EXPECT_TRUE(GetCampaignStatus(*db_, operator_, campaign.id, Now())->closed);

  auto report = Report(*db_, operator_, campaign.id, Now());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  ASSERT_EQ(report->rows.size(), 3u);
  EXPECT_EQ(report->rows[1].state, "FR");
  EXPECT_EQ(report->rows[1].level, ContactLevel::kTechnical);
  EXPECT_EQ(report->rows[1].reached_24h, 1);
  EXPECT_DOUBLE_EQ(*report->rows[1].median_hours, 3.0);
  EXPECT_DOUBLE_EQ(*report->rows[1].median_working_hours, 2.0);
  EXPECT_FALSE(report->rows[0].median_hours.has_value());
  EXPECT_EQ(report->total.targets, 3);
  EXPECT_EQ(report->total.reached_by_deadline, 2);
  EXPECT_EQ(ReportToCsv(*report),
            "state,level,targets,reached_24h,reached_by_deadline,not_reached,median_hours,"
            "mean_hours,median_working_hours,mean_working_hours\r\n"
            "FR,policy,1,0,0,1,,,,\r\n"
            "FR,technical,1,1,1,0,3.00,3.00,2.00,2.00\r\n"
            "KE,technical,1,0,1,0,30.00,30.00,30.00,30.00\r\n"
            "total,,3,1,2,1,16.50,16.50,16.00,16.00\r\n");

  // A French technical account is neither the starter nor a policy account of a party.
  EXPECT_EQ(Report(*db_, fr_technical_, campaign.id, Now()).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(Report(*db_, ke_policy_, campaign.id, Now()).has_value());

  std::map<std::string, int> actions;
  for (const auto& entry : AuditEntries()) ++actions[entry.action];
  EXPECT_EQ(actions["ping.start"], 1);
  EXPECT_EQ(actions["ping.ack"], 2);
}

TEST_F(CampaignTest, TwoMissedCampaignsMarkAContactStaleUntilItAnswers) {
  ContactInput claire = ValidInput(fr_mfa_, "Claire Roux");
  claire.level = ContactLevel::kPolicy;
  claire.emails = {"c.roux@meae.example.fr"};

  // First campaign: Camille and Wanjiru answer, Bernard does not.
  PingCampaign first = Start(AllWithin(days(2)));
  ASSERT_TRUE(
      Acknowledge(*db_, TokenFor(first.id, "cert@cert.example.fr"), AckChannel::kLink, Now())
          .has_value());
  ASSERT_TRUE(
      Acknowledge(*db_, TokenFor(first.id, "soc@ke-cirt.example.ke"), AckChannel::kLink, Now())
          .has_value());
  clock_.Set(first.deadline);
  auto closed = CloseDueCampaigns(*db_, Now());
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(closed->campaigns_closed, 1);
  EXPECT_EQ(closed->contacts_marked_stale, 0);
  EXPECT_FALSE(IsStale(bernard_));

  // Second campaign: Claire joins; only Camille answers.
  PointOfContact claire_contact = MakeContact(claire);
  clock_.Advance(hours(1));
  PingCampaign second = Start(AllWithin(days(2)));
  ASSERT_TRUE(
      Acknowledge(*db_, TokenFor(second.id, "cert@cert.example.fr"), AckChannel::kLink, Now())
          .has_value());
  clock_.Set(second.deadline + minutes(5));
  closed = CloseDueCampaigns(*db_, Now());
  ASSERT_TRUE(closed.has_value()) << closed.error().message;
  EXPECT_EQ(closed->campaigns_closed, 1);
  EXPECT_EQ(closed->contacts_marked_stale, 1);
  EXPECT_TRUE(IsStale(bernard_));
  EXPECT_FALSE(IsStale(claire_contact));  // Missed one campaign only.
  EXPECT_FALSE(IsStale(wanjiru_));        // Answered the first.
  EXPECT_FALSE(IsStale(camille_));
  EXPECT_EQ(GetContact(*db_, system_, bernard_.id)->version, bernard_.version);

  // Running the job again changes nothing.
  closed = CloseDueCampaigns(*db_, Now());
  ASSERT_TRUE(closed.has_value());
  EXPECT_EQ(closed->campaigns_closed, 0);
  EXPECT_EQ(closed->contacts_marked_stale, 0);

  // The organisation's policy-level contacts are told.
  std::vector<std::string> told;
  for (const auto& row : Sql("SELECT recipient, body FROM notifications WHERE channel = 'email' "
                             "AND related_type = 'contact' AND related_id = ? ORDER BY recipient",
                             {bernard_.id})) {
    told.push_back(row.Text(0));
    EXPECT_NE(row.Text(1).find("Bernard Petit"), std::string::npos) << row.Text(1);
  }
  EXPECT_EQ(told, (std::vector<std::string>{"b.petit@meae.example.fr", "c.roux@meae.example.fr"}));

  // Bernard answers the next campaign and is current again.
  PingCampaign third = Start(AllWithin(days(2)));
  clock_.Advance(hours(2));
  ASSERT_TRUE(
      Acknowledge(*db_, TokenFor(third.id, "b.petit@meae.example.fr"), AckChannel::kLink, Now())
          .has_value());
  EXPECT_FALSE(IsStale(bernard_));

  std::map<std::string, int> actions;
  for (const auto& entry : AuditEntries()) ++actions[entry.action];
  EXPECT_EQ(actions["ping.close"], 2);
  EXPECT_EQ(actions["contact.stale"], 1);
  EXPECT_EQ(actions["contact.unstale"], 1);
}

}  // namespace
}  // namespace liaison::directory
