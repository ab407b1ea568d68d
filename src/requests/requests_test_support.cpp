#include "requests/requests_test_support.hpp"

#include "core/json.hpp"
#include "requests/migrations.hpp"
#include "store/migrations.hpp"

namespace liaison::requests::testing {

void RequestsTest::SetUp() {
  DirectoryTest::SetUp();
  auto applied = store::ApplyMigrations(*db_, Migrations(), Now());
  ASSERT_TRUE(applied.has_value()) << applied.error().message;
  settings_.public_url = "https://liaison.example/";
}

RequestDraft RequestsTest::Mitigation(const std::string& state) {
  RequestDraft d;
  d.requested_state = state;
  d.type = RequestType::kMitigation;
  d.urgency = Urgency::kUrgent;
  RequestContent& c = d.content;
  c.subject = "DDoS against the national grid operator";
  c.description = "Hosts in your networks take part in a DDoS against our grid operator.";
  c.language = "en";
  c.tlp = Tlp::kGreen;
  c.sector = Sector::kEnergy;
  c.activity_started_at = Now() - std::chrono::hours(6);
  c.activity_ongoing = true;
  c.indicators = {{IndicatorType::kIpv4, "198.51.100.7", "bot"},
                  {IndicatorType::kDomain, "C2.Example.NET", ""}};
  c.requested_actions = {RequestedAction::kBlockOrSinkhole, RequestedAction::kShareInformation};
  MitigationDetails m;
  m.evidence = "NetFlow extracts attached";
  m.observed_from = Now() - std::chrono::hours(6);
  m.observed_to = Now() - std::chrono::hours(1);
  m.impact = "Customer portal unavailable";
  c.mitigation = m;
  return d;
}

CooperationRequest RequestsTest::Create(const security::Principal& actor, const RequestDraft& draft,
                                        Submission submission) {
  auto r = CreateRequest(*db_, actor, draft, submission, settings_, Now());
  EXPECT_TRUE(r.has_value()) << r.error().field << ": " << r.error().message;
  return r.value_or(CooperationRequest{});
}

Result<CooperationRequest> RequestsTest::Apply(const security::Principal& actor,
                                               const CooperationRequest& r, TransitionInput input) {
  return ApplyTransition(*db_, actor, r.id, input, r.version, settings_, Now());
}

void RequestsTest::Exec(const std::string& sql, const store::Params& params) {
  auto done = store::InTransaction(*db_, store::TxMode::kWrite,
                                   [&](store::Transaction& tx) { return tx.Execute(sql, params); });
  ASSERT_TRUE(done.has_value()) << done.error().message;
}

std::vector<RequestsTest::Mail> RequestsTest::MailsAbout(const std::string& id) {
  std::vector<Mail> mails;
  for (const auto& row : Sql("SELECT recipient, subject, body, extras FROM notifications "
                             "WHERE channel = 'email' AND related_id = ? ORDER BY created_at, id",
                             {id})) {
    auto extras = json::Parse(row.Text(3));
    bool encrypted =
        extras.has_value() && extras->is_object() && extras->get_object().contains("openpgp_key");
    mails.push_back({row.Text(0), row.Text(1), row.Text(2), encrypted});
  }
  return mails;
}

std::vector<std::string> RequestsTest::EventsAbout(const std::string& id) {
  std::vector<std::string> events;
  for (const auto& row : Sql("SELECT recipient, subject FROM notifications WHERE "
                             "channel = 'webhook' AND related_id = ? ORDER BY recipient, subject",
                             {id})) {
    events.push_back(row.Text(0) + " " + row.Text(1));
  }
  return events;
}

RequestsTest::Parties RequestsTest::MakeParties() {
  using security::Role;
  Parties p;
  p.fr_cert = MakeOrg("CERT-FR", "FR");
  p.de_cert = MakeOrg("CERT-Bund", "DE");
  p.it_cert = MakeOrg("CSIRT Italia", "IT");
  auto secretariat =
      MakeOrg("Secretariat", "", security::OrgKind::kOther, security::OrgCategory::kSecretariat);
  p.fr = MakeAccount(p.fr_cert, "analyst@cert.example.fr", {Role::kTechnical});
  p.de = MakeAccount(p.de_cert, "lage@cert-bund.example.de", {Role::kTechnical});
  p.it = MakeAccount(p.it_cert, "soc@csirt.example.it", {Role::kTechnical});
  p.op = MakeAccount(secretariat, "op@node.example", {Role::kOperator});
  return p;
}

}  // namespace liaison::requests::testing
