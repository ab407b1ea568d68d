#include "requests/requests.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "notify/outbox.hpp"
#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {

using directory::ContactInput;
using directory::ContactLevel;
using security::OrgKind;
using security::Role;

constexpr char kKey[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n";
constexpr char kSecretKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

class RequestLifecycleTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    fr_cert_ = MakeOrg("CERT-FR", "FR", OrgKind::kNationalCert);
    fr_mfa_ = MakeOrg("MEAE", "FR", OrgKind::kForeignMinistry);
    de_cert_ = MakeOrg("CERT-Bund", "DE", OrgKind::kNationalCert);
    de_aa_ = MakeOrg("Auswärtiges Amt", "DE", OrgKind::kForeignMinistry);
    it_cert_ = MakeOrg("CSIRT Italia", "IT", OrgKind::kNationalCert);
    nl_cert_ = MakeOrg("NCSC-NL", "NL", OrgKind::kNationalCert);
    auto secretariat =
        MakeOrg("Secretariat", "", OrgKind::kOther, security::OrgCategory::kSecretariat);
    fr_tech_ = MakeAccount(fr_cert_, "analyst@cert.example.fr", {Role::kTechnical});
    fr_observer_ = MakeAccount(fr_cert_, "reader@cert.example.fr", {Role::kObserver});
    fr_policy_ = MakeAccount(fr_mfa_, "policy@meae.example.fr", {Role::kPolicy});
    de_tech_ = MakeAccount(de_cert_, "lage@cert-bund.example.de", {Role::kTechnical});
    it_tech_ = MakeAccount(it_cert_, "soc@csirt.example.it", {Role::kTechnical});
    nl_tech_ = MakeAccount(nl_cert_, "soc@ncsc.example.nl", {Role::kTechnical});
    operator_ = MakeAccount(secretariat, "op@node.example", {Role::kOperator});

    ContactInput duty = ValidInput(de_cert_, "Lagezentrum");
    duty.emails = {"lage@cert-bund.example.de"};
    duty.languages = {"de", "en"};
    duty.time_zone = "Europe/Berlin";
    de_duty_ = MakeContact(duty);
    ContactInput policy = ValidInput(de_aa_, "Cyber-Außenpolitik");
    policy.level = ContactLevel::kPolicy;
    policy.emails = {"cyber@aa.example.de"};
    policy.openpgp_key = kKey;
    de_policy_ = MakeContact(policy);
    ContactInput nl = ValidInput(nl_cert_, "NCSC duty");
    nl.emails = {"duty@ncsc.example.nl"};
    MakeContact(nl);
  }

  TransitionInput T(Transition t) {
    TransitionInput in;
    in.transition = t;
    return in;
  }

  CooperationRequest Must(Result<CooperationRequest> r) {
    EXPECT_TRUE(r.has_value()) << r.error().field << ": " << r.error().message;
    return r.value_or(CooperationRequest{});
  }

  std::vector<std::string> TimelineKinds(const std::string& id, const security::Principal& who) {
    std::vector<std::string> kinds;
    auto entries = GetTimeline(*db_, who, id);
    EXPECT_TRUE(entries.has_value());
    for (const auto& e : entries.value_or(std::vector<TimelineEntry>{})) kinds.push_back(e.kind);
    return kinds;
  }

  security::Organization fr_cert_, fr_mfa_, de_cert_, de_aa_, it_cert_, nl_cert_;
  security::Principal fr_tech_, fr_observer_, fr_policy_, de_tech_, it_tech_, nl_tech_, operator_;
  directory::PointOfContact de_duty_, de_policy_;
};

TEST_F(RequestLifecycleTest, MitigationRequestGoesThroughItsWholeLifecycle) {
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  EXPECT_EQ(r.id.rfind("req_", 0), 0u);
  EXPECT_EQ(r.status, RequestStatus::kSubmitted);
  EXPECT_EQ(r.requesting_state, "FR");
  ASSERT_TRUE(r.routing.has_value());
  EXPECT_EQ(r.routing->level, ContactLevel::kTechnical);
  EXPECT_FALSE(r.routing->fell_back_to_policy);
  EXPECT_EQ(r.routing->contacts, 1);
  EXPECT_EQ(*r.acknowledge_due_at, Now() + std::chrono::hours(24));
  EXPECT_EQ(*r.answer_due_at, Now() + std::chrono::hours(72));
  EXPECT_EQ(r.content->indicators[1].value, "c2.example.net");

  auto mails = MailsAbout(r.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "lage@cert-bund.example.de");
  EXPECT_NE(mails[0].body.find("DDoS against the national grid operator"), std::string::npos);
  EXPECT_NE(mails[0].body.find("https://liaison.example/requests/" + r.id), std::string::npos);

  // A minute between steps, so that the e-mails sort in the order they were queued.
  clock_.Advance(std::chrono::minutes(1));
  auto acked = Must(Apply(de_tech_, r, T(Transition::kAcknowledge)));
  EXPECT_EQ(acked.status, RequestStatus::kAcknowledged);
  EXPECT_EQ(acked.version, 2);
  clock_.Advance(std::chrono::minutes(1));
  auto started = Must(Apply(de_tech_, acked, T(Transition::kStart)));
  TransitionInput answer = T(Transition::kAnswer);
  answer.outcome = Outcome::kMitigated;
  answer.note = "Sinkholed the C2 domain; 40 hosts notified";
  clock_.Advance(std::chrono::minutes(1));
  auto answered = Must(Apply(de_tech_, started, answer));
  EXPECT_EQ(answered.resolution->outcome, Outcome::kMitigated);
  TransitionInput close = T(Transition::kClose);
  close.helpful = 5;
  close.note = "Thank you";
  clock_.Advance(std::chrono::minutes(1));
  auto closed = Must(Apply(fr_tech_, answered, close));
  EXPECT_EQ(closed.status, RequestStatus::kClosed);
  EXPECT_EQ(closed.resolution->helpful, 5);
  EXPECT_TRUE(closed.finished_at.has_value());

  EXPECT_EQ(TimelineKinds(r.id, fr_tech_),
            (std::vector<std::string>{"created", "submitted", "acknowledged", "in_progress",
                                      "answered", "closed"}));
  std::vector<std::string> actions;
  for (const auto& e : AuditEntries()) {
    if (e.record_id == r.id) actions.push_back(e.action);
  }
  EXPECT_EQ(actions,
            (std::vector<std::string>{"request.create", "request.acknowledge", "request.start",
                                      "request.answer", "request.close"}));
  // The requester hears of each of the requested state's steps; the contact of the close.
  mails = MailsAbout(r.id);
  ASSERT_EQ(mails.size(), 5u);
  EXPECT_EQ(mails[1].to, "analyst@cert.example.fr");
  EXPECT_EQ(mails[4].to, "lage@cert-bund.example.de");
  for (std::size_t i = 1; i < mails.size(); ++i) {
    EXPECT_EQ(mails[i].body.find("DDoS"), std::string::npos) << "update mails carry no content";
  }
}

TEST_F(RequestLifecycleTest, ContentAboveGreenTravelsOnlyEncrypted) {
  RequestDraft info;
  info.requested_state = "DE";
  info.type = RequestType::kInformation;
  info.urgency = Urgency::kRoutine;
  info.content.subject = "Consultation on norm 13(h) implementation";
  info.content.description = "Confidential question about your national position";
  info.content.language = "en";
  info.content.tlp = Tlp::kAmber;
  CooperationRequest encrypted = Create(fr_policy_, info);
  auto mails = MailsAbout(encrypted.id);
  ASSERT_EQ(mails.size(), 1u);  // The policy contact, who has a key.
  EXPECT_TRUE(mails[0].encrypted);
  EXPECT_NE(mails[0].body.find("Confidential question"), std::string::npos);

  RequestDraft amber = Mitigation("DE");
  amber.content.tlp = Tlp::kAmberStrict;
  CooperationRequest restricted = Create(fr_tech_, amber);
  mails = MailsAbout(restricted.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_FALSE(mails[0].encrypted);
  EXPECT_EQ(mails[0].body.find("DDoS"), std::string::npos);
  EXPECT_NE(mails[0].body.find("TLP:AMBER+STRICT"), std::string::npos);
}

TEST_F(RequestLifecycleTest, CriminalCooperationFallsBackToPolicyContactsAndSaysSo) {
  auto de_police = MakeOrg("BKA", "DE", OrgKind::kLawEnforcement);
  (void)de_police;
  auto fr_police = MakeOrg("OFAC", "FR", OrgKind::kLawEnforcement);
  auto officer = MakeAccount(fr_police, "officer@ofac.example.fr", {Role::kLawEnforcement});
  RequestDraft d;
  d.requested_state = "DE";
  d.type = RequestType::kCriminalCooperation;
  d.urgency = Urgency::kUrgent;
  d.content.subject = "Preservation of hosting logs";
  d.content.description = "Extortion case";
  d.content.language = "fr";
  d.content.tlp = Tlp::kRed;
  CriminalCooperationDetails c;
  c.kind = CriminalKind::kPreservation;
  c.authority = "Parquet de Paris";
  c.offence = "Extortion";
  c.facts = "Hospital encrypted";
  c.data_to_preserve = "Server logs";
  c.relation_to_offence = "Leak site";
  c.data_location = "Hoster GmbH, Frankfurt";
  c.necessity = "Logs rotate in 7 days";
  c.mutual_assistance_to_follow = true;
  d.content.criminal_cooperation = c;
  CooperationRequest r = Create(officer, d);
  ASSERT_TRUE(r.routing.has_value());
  EXPECT_EQ(r.routing->level, ContactLevel::kPolicy);
  EXPECT_TRUE(r.routing->fell_back_to_policy);
  auto entries = GetTimeline(*db_, officer, r.id);
  ASSERT_TRUE(entries.has_value());
  EXPECT_NE((*entries)[1].info.find("\"fell_back_to_policy\":true"), std::string::npos);
  // Technical accounts of either side do not fit a criminal-cooperation request.
  EXPECT_EQ(GetRequest(*db_, de_tech_, r.id).error().code, ErrorCode::kNotFound);
  auto missing = d;
  missing.content.criminal_cooperation->offence.clear();
  auto refused = CreateRequest(*db_, officer, missing, Submission::kSubmitNow, settings_, Now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().field, "criminal_cooperation.offence");
}

TEST_F(RequestLifecycleTest, AStateWithoutContactsCannotBeSentARequestAndNothingIsStored) {
  auto refused =
      CreateRequest(*db_, fr_tech_, Mitigation("JP"), Submission::kSubmitNow, settings_, Now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().reason, "no_contacts");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM requests")[0].Int(0), 0);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM notifications")[0].Int(0), 0);
  auto own =
      CreateRequest(*db_, fr_tech_, Mitigation("FR"), Submission::kSubmitNow, settings_, Now());
  EXPECT_EQ(own.error().reason, "own_state");
  auto unknown =
      CreateRequest(*db_, fr_tech_, Mitigation("XX"), Submission::kSubmitNow, settings_, Now());
  EXPECT_EQ(unknown.error().field, "requested_state");
  auto observer =
      CreateRequest(*db_, fr_observer_, Mitigation("DE"), Submission::kSubmitNow, settings_, Now());
  EXPECT_EQ(observer.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(RequestLifecycleTest, OnlyThePartiesSeeContentAndOperatorsSeeMetadata) {
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  EXPECT_TRUE(GetRequest(*db_, de_tech_, r.id)->content_visible());
  for (const auto* outsider : {&it_tech_, &fr_observer_, &fr_policy_}) {
    auto got = GetRequest(*db_, *outsider, r.id);
    ASSERT_FALSE(got.has_value());
    EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(GetTimeline(*db_, *outsider, r.id).error().code, ErrorCode::kNotFound);
    auto page = ListRequests(*db_, *outsider, RequestFilter{});
    ASSERT_TRUE(page.has_value());
    EXPECT_TRUE(page->requests.empty());
  }
  EXPECT_EQ(GetRequest(*db_, security::Principal{}, r.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(ListRequests(*db_, security::Principal{}, {}).error().code,
            ErrorCode::kUnauthenticated);

  auto seen = GetRequest(*db_, operator_, r.id);
  ASSERT_TRUE(seen.has_value());
  EXPECT_FALSE(seen->content_visible());
  EXPECT_FALSE(seen->resolution.has_value());
  EXPECT_EQ(seen->type, RequestType::kMitigation);
  EXPECT_EQ(seen->requested_state, "DE");
  std::string json = json::Serialize(RequestJson(*seen));
  EXPECT_EQ(json.find("DDoS"), std::string::npos);
  EXPECT_EQ(json.find("198.51.100.7"), std::string::npos);
  auto timeline = GetTimeline(*db_, operator_, r.id);
  ASSERT_TRUE(timeline.has_value());
  for (const auto& e : *timeline) EXPECT_TRUE(e.detail.empty());
  auto all = ListRequests(*db_, operator_, RequestFilter{});
  ASSERT_EQ(all->requests.size(), 1u);
  EXPECT_FALSE(all->requests[0].content_visible());
  // The operator may not act on it either.
  EXPECT_EQ(Apply(operator_, r, T(Transition::kAcknowledge)).error().code, ErrorCode::kNotFound);

  RequestFilter inbox;
  inbox.box = Box::kInbox;
  EXPECT_EQ(ListRequests(*db_, de_tech_, inbox)->requests.size(), 1u);
  EXPECT_TRUE(ListRequests(*db_, fr_tech_, inbox)->requests.empty());
  RequestFilter outbox;
  outbox.box = Box::kOutbox;
  outbox.state = "DE";
  outbox.status = RequestStatus::kSubmitted;
  EXPECT_EQ(ListRequests(*db_, fr_tech_, outbox)->requests.size(), 1u);
  outbox.status = RequestStatus::kClosed;
  EXPECT_TRUE(ListRequests(*db_, fr_tech_, outbox)->requests.empty());
}

TEST_F(RequestLifecycleTest, ListsPageWithACursor) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(Create(fr_tech_, Mitigation("DE")).id);
  std::sort(ids.begin(), ids.end());
  RequestFilter f;
  f.limit = 2;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto got = ListRequests(*db_, de_tech_, f);
    ASSERT_TRUE(got.has_value());
    for (const auto& r : got->requests) seen.push_back(r.id);
    if (got->next_cursor.empty()) break;
    f.after_id = got->next_cursor;
  }
  EXPECT_EQ(seen, ids);
}

TEST_F(RequestLifecycleTest, TransitionsBelongToOnePartyAndFollowTheLifecycle) {
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  EXPECT_EQ(Apply(fr_tech_, r, T(Transition::kAcknowledge)).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(Apply(de_tech_, r, T(Transition::kWithdraw)).error().code,
            ErrorCode::kPermissionDenied);
  TransitionInput answer = T(Transition::kAnswer);
  answer.outcome = Outcome::kMitigated;
  answer.note = "done";
  auto early = Apply(de_tech_, r, answer);
  EXPECT_EQ(early.error().reason, "invalid_transition");
  auto no_outcome = T(Transition::kAnswer);
  no_outcome.note = "done";
  EXPECT_EQ(Apply(de_tech_, r, no_outcome).error().field, "outcome");
  auto decline = T(Transition::kDecline);
  decline.decline_reason = DeclineReason::kOther;
  EXPECT_EQ(Apply(de_tech_, r, decline).error().field, "note");
  auto stale = ApplyTransition(*db_, de_tech_, r.id, T(Transition::kAcknowledge), r.version + 1,
                               settings_, Now());
  EXPECT_EQ(stale.error().reason, "stale_version");
  // Nothing above changed the request.
  EXPECT_EQ(GetRequest(*db_, fr_tech_, r.id)->version, r.version);

  auto withdrawn = Must(Apply(fr_tech_, r, T(Transition::kWithdraw)));
  EXPECT_EQ(withdrawn.status, RequestStatus::kWithdrawn);
  EXPECT_EQ(Apply(de_tech_, withdrawn, T(Transition::kAcknowledge)).error().reason,
            "invalid_transition");
}

TEST_F(RequestLifecycleTest, ExactlyOneOfConcurrentTransitionsWins) {
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  std::vector<Result<CooperationRequest>> results(4, Error::Internal("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      TransitionInput in = T(i % 2 == 0 ? Transition::kAcknowledge : Transition::kDecline);
      in.decline_reason =
          i % 2 == 0 ? std::nullopt : std::optional<DeclineReason>(DeclineReason::kDuplicate);
      results[i] = ApplyTransition(*db_, de_tech_, r.id, in, r.version, settings_, Now());
    });
  }
  for (auto& t : threads) t.join();
  int won = 0;
  for (const auto& result : results) {
    if (result.has_value()) {
      ++won;
    } else {
      EXPECT_EQ(result.error().code, ErrorCode::kFailedPrecondition) << result.error().message;
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(GetRequest(*db_, fr_tech_, r.id)->version, r.version + 1);
  EXPECT_EQ(TimelineKinds(r.id, fr_tech_).size(), 3u);
}

TEST_F(RequestLifecycleTest, RedirectHandsTheRequestToAThirdStateAndTheRequesterSeesIt) {
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  auto redirect = T(Transition::kRedirect);
  redirect.redirect_state = "NL";
  EXPECT_EQ(Apply(de_tech_, r, redirect).error().field, "note");
  redirect.redirect_state = "FR";
  redirect.note = "The hosts are in the Netherlands";
  EXPECT_EQ(Apply(de_tech_, r, redirect).error().reason, "invalid_state");
  redirect.redirect_state = "NL";
  auto moved = Must(Apply(de_tech_, r, redirect));
  EXPECT_EQ(moved.status, RequestStatus::kRedirected);
  ASSERT_FALSE(moved.redirected_to.empty());
  auto copy = GetRequest(*db_, fr_tech_, moved.redirected_to);
  ASSERT_TRUE(copy.has_value());
  EXPECT_EQ(copy->status, RequestStatus::kSubmitted);
  EXPECT_EQ(copy->requested_state, "NL");
  EXPECT_EQ(copy->redirected_from, r.id);
  EXPECT_EQ(copy->content->subject, r.content->subject);
  EXPECT_TRUE(GetRequest(*db_, nl_tech_, copy->id).has_value());
  EXPECT_EQ(GetRequest(*db_, de_tech_, copy->id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(MailsAbout(copy->id).size(), 1u);
  EXPECT_EQ(MailsAbout(copy->id)[0].to, "duty@ncsc.example.nl");
  auto timeline = GetTimeline(*db_, fr_tech_, r.id);
  EXPECT_EQ(timeline->back().kind, "redirected");
  EXPECT_NE(timeline->back().detail.find("Netherlands"), std::string::npos);
}

TEST_F(RequestLifecycleTest, DraftsStayWithTheirOrganisationUntilSubmitted) {
  RequestDraft d = Mitigation("DE");
  d.content.mitigation->impact.clear();
  CooperationRequest draft = Create(fr_tech_, d, Submission::kSaveAsDraft);
  EXPECT_EQ(draft.status, RequestStatus::kDraft);
  EXPECT_TRUE(MailsAbout(draft.id).empty());
  EXPECT_EQ(GetRequest(*db_, de_tech_, draft.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GetRequest(*db_, operator_, draft.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(ListRequests(*db_, operator_, {})->requests.empty());
  auto incomplete = Apply(fr_tech_, draft, T(Transition::kSubmit));
  EXPECT_EQ(incomplete.error().field, "mitigation.impact");

  d.content.mitigation->impact = "Portal down";
  d.urgency = Urgency::kCritical;
  auto stale = UpdateDraft(*db_, fr_tech_, draft.id, d, draft.version + 3, Now());
  EXPECT_EQ(stale.error().reason, "stale_version");
  auto updated = Must(UpdateDraft(*db_, fr_tech_, draft.id, d, draft.version, Now()));
  EXPECT_EQ(updated.urgency, Urgency::kCritical);
  auto submitted = Must(Apply(fr_tech_, updated, T(Transition::kSubmit)));
  EXPECT_EQ(submitted.status, RequestStatus::kSubmitted);
  EXPECT_EQ(*submitted.acknowledge_due_at, Now() + std::chrono::hours(2));
  EXPECT_EQ(MailsAbout(draft.id).size(), 1u);
  EXPECT_EQ(UpdateDraft(*db_, fr_tech_, draft.id, d, submitted.version, Now()).error().reason,
            "not_a_draft");
}

TEST_F(RequestLifecycleTest, EveryTransitionIsAnnouncedToBothPartiesWebhooks) {
  auto fr_hook = notify::RegisterWebhook(*db_, kSecretKey, {"system", ""}, fr_cert_.id,
                                         "https://tickets.cert.example.fr/hook", {}, Now());
  auto de_hook = notify::RegisterWebhook(*db_, kSecretKey, {"system", ""}, de_cert_.id,
                                         "https://tickets.cert-bund.example.de/hook", {}, Now());
  ASSERT_TRUE(fr_hook.has_value() && de_hook.has_value());
  CooperationRequest r = Create(fr_tech_, Mitigation("DE"));
  Must(Apply(de_tech_, r, T(Transition::kAcknowledge)));
  EXPECT_EQ(EventsAbout(r.id), (std::vector<std::string>{
                                   "https://tickets.cert-bund.example.de/hook request.acknowledged",
                                   "https://tickets.cert-bund.example.de/hook request.submitted",
                                   "https://tickets.cert.example.fr/hook request.acknowledged",
                                   "https://tickets.cert.example.fr/hook request.submitted"}));
  auto payload = Sql("SELECT body FROM notifications WHERE channel = 'webhook' AND subject = "
                     "'request.submitted' LIMIT 1")[0]
                     .Text(0);
  EXPECT_NE(payload.find("\"event\":\"request.submitted\""), std::string::npos);
  EXPECT_NE(payload.find("\"id\":\"" + r.id + "\""), std::string::npos);
}

}  // namespace
}  // namespace liaison::requests
