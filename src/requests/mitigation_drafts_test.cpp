#include "requests/mitigation_drafts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "jurisdiction/jurisdiction_test_support.hpp"
#include "requests/messages.hpp"
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

// Drafts from a real feed attributed with the fixture data set, with each state's share of it
// collected for attachments.
class DraftAttachmentsTest : public MitigationDraftsTest {
 protected:
  void SetUp() override {
    MitigationDraftsTest::SetUp();
    jurisdiction::testing::WriteFixtureDataSet(data_.path());
    index_ = *jurisdiction::JurisdictionIndex::Load(data_.path().string(), TimePoint{});
  }
  // Attributes `feed` with shares of at most `max_bytes`, then drafts from it with `options`
  // (TLP:GREEN and an impact unless set); `tamper` may change the summary first.
  Result<MitigationDrafts> Draft(const std::string& feed, std::size_t max_bytes,
                                 void (*tamper)(jurisdiction::AttributionSummary&) = nullptr) {
    jurisdiction::GroupShareCollector collector(
        *index_, max_bytes,
        [this](const std::string& group) { return MayGetDraft(fr_tech_, group); });
    auto source = jurisdiction::FeedFromMemory(feed);
    auto summary = jurisdiction::Attribute(*source, *index_, {}, collector);
    EXPECT_TRUE(summary.has_value());
    if (tamper) tamper(*summary);
    MitigationDraftOptions options;
    options.tlp = Tlp::kGreen;
    options.impact = "scanning of our energy sector";
    return DraftMitigationRequests(*db_, fr_tech_, *summary, options, Now(),
                                   {&collector, static_cast<std::int64_t>(max_bytes)});
  }
  static const MitigationDraft* For(const MitigationDrafts& made, const std::string& state) {
    for (const auto& d : made.drafts) {
      if (d.request.requested_state == state) return &d;
    }
    return nullptr;
  }
  // The rows of `feed` whose address starts with `prefix`, counted independently of liaison.
  static std::int64_t RowsOf(const std::string& feed, const std::string& prefix) {
    std::istringstream in(feed);
    std::string line;
    std::int64_t n = 0;
    while (std::getline(in, line)) n += line.rfind(prefix, 0) == 0;
    return n;
  }

  jurisdiction::testing::TempDir data_;
  std::shared_ptr<const jurisdiction::JurisdictionIndex> index_;
};

// Germany 2.58.196.0/23, the Netherlands 2001:420:4100::/40, France (the sender) 10.0.0.0/8.
const std::string kFeed =
    "ip,category,timestamp\n"
    "2.58.196.1,scanner,2024-11-01T08:00:00Z\n"
    "10.0.0.1,scanner,2024-11-01T08:00:01Z\n"
    "2.58.196.2,c2,2024-11-01T08:00:02Z\n"
    "2001:420:4100::1,scanner,2024-11-01T08:00:03Z\n"
    "2.58.196.1,scanner,2024-11-01T08:00:04Z\n"
    "2001:420:4100::2,\"ddos, reflector\",2024-11-01T08:00:05Z\n"
    "2.58.196.9,phishing,2024-11-01T08:00:06Z\n";

TEST_F(DraftAttachmentsTest, EachDraftCarriesItsStatesRowsSeenOnlyByTheSenderUntilSubmitted) {
  auto made = Draft(kFeed, 1 << 20);
  ASSERT_TRUE(made.has_value()) << made.error().message;
  ASSERT_EQ(made->drafts.size(), 2u);
  const MitigationDraft* de = For(*made, "DE");
  const MitigationDraft* nl = For(*made, "NL");
  ASSERT_TRUE(de && nl && de->attachment && nl->attachment);
  EXPECT_EQ(de->attachment->attachment.filename, "DE.csv");
  EXPECT_EQ(de->attachment->attachment.media_type, "text/csv");
  EXPECT_EQ(de->attachment->rows, RowsOf(kFeed, "2.58.196."));
  EXPECT_EQ(de->attachment->total_rows, 4);
  EXPECT_FALSE(de->attachment->truncated());
  EXPECT_EQ(nl->attachment->rows, RowsOf(kFeed, "2001:420:4100::"));

  auto got = GetAttachment(*db_, fr_tech_, de->request.id, de->attachment->attachment.id);
  ASSERT_TRUE(got.has_value()) << got.error().message;
  EXPECT_EQ(got->second,
            "address,country,state,as_number,as_name,category,line\n"
            "2.58.196.1,DE,DE,,,scanner,2\n"
            "2.58.196.2,DE,DE,,,c2,4\n"
            "2.58.196.1,DE,DE,,,scanner,6\n"
            "2.58.196.9,DE,DE,,,phishing,8\n");
  const RequestContent& c = *de->request.content;
  EXPECT_NE(c.description.find("DE.csv"), std::string::npos) << c.description;
  EXPECT_NE(c.description.find("4 of the 4 observations"), std::string::npos) << c.description;
  EXPECT_NE(c.mitigation->evidence.find("attachment: DE.csv, 4 of 4 observations\n"),
            std::string::npos)
      << c.mitigation->evidence;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audit_log WHERE action = 'request.attach'")[0].Int(0), 2);

  // Germany learns of neither the draft nor its file until it is submitted; then it has both.
  const std::string& file = de->attachment->attachment.id;
  EXPECT_EQ(GetAttachment(*db_, de_tech_, de->request.id, file).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListAttachments(*db_, de_tech_, de->request.id).error().code, ErrorCode::kNotFound);
  TransitionInput submit;
  submit.transition = Transition::kSubmit;
  auto submitted = ApplyTransition(*db_, fr_tech_, de->request.id, submit, de->request.version,
                                   settings_, Now());
  ASSERT_TRUE(submitted.has_value())
      << submitted.error().field << ": " << submitted.error().message;
  auto downloaded = GetAttachment(*db_, de_tech_, de->request.id, file);
  ASSERT_TRUE(downloaded.has_value());
  EXPECT_EQ(downloaded->second, got->second);
  auto mails = MailsAbout(de->request.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(
      mails[0].body.find("  - DE.csv (" + std::to_string(got->second.size()) + " B, text/csv)"),
      std::string::npos)
      << mails[0].body;
  // The Netherlands' draft, not submitted, stays hidden from Germany as from everyone else.
  EXPECT_EQ(ListAttachments(*db_, de_tech_, nl->request.id).error().code, ErrorCode::kNotFound);
}

TEST_F(DraftAttachmentsTest, AShareOverTheLimitIsCompressedThenCutAndTheDraftSaysSo) {
  std::string feed = "ip,category\n";
  std::uint32_t x = 7;
  for (int i = 0; i < 3000; ++i) {
    x = x * 1103515245u + 12345u;
    feed += "2.58.196." + std::to_string(i % 250) + ",c" + std::to_string(x) + "\n";
  }
  auto made = Draft(feed, 4096);
  ASSERT_TRUE(made.has_value()) << made.error().message;
  const MitigationDraft* de = For(*made, "DE");
  ASSERT_TRUE(de && de->attachment);
  const DraftAttachment& a = *de->attachment;
  EXPECT_EQ(a.attachment.filename, "DE.csv.gz");
  EXPECT_EQ(a.attachment.media_type, "application/gzip");
  EXPECT_LE(a.attachment.size, 4096);
  EXPECT_TRUE(a.truncated());
  EXPECT_EQ(a.total_rows, 3000);
  EXPECT_GT(a.rows, 0);
  const RequestContent& c = *de->request.content;
  EXPECT_NE(c.description.find(std::to_string(a.rows) + " of the 3000 observations"),
            std::string::npos)
      << c.description;
  EXPECT_NE(c.mitigation->evidence.find("the first ones"), std::string::npos);
}

TEST_F(DraftAttachmentsTest, AFailedDraftingLeavesNoRequestAndNoAttachmentBehind) {
  // The Netherlands' draft, made after Germany's, is invalid (its window ends before it starts).
  auto made = Draft(kFeed, 1 << 20, [](jurisdiction::AttributionSummary& s) {
    for (auto& g : s.groups) {
      if (g.state != "NL") continue;
      g.first_seen = TimePoint{} + std::chrono::hours(2);
      g.last_seen = TimePoint{} + std::chrono::hours(1);
    }
  });
  ASSERT_FALSE(made.has_value());
  EXPECT_TRUE(Sql("SELECT id FROM requests").empty());
  EXPECT_TRUE(Sql("SELECT id FROM request_attachments").empty());
  EXPECT_TRUE(Sql("SELECT sha256 FROM request_blobs").empty());
}

}  // namespace
}  // namespace liaison::requests
