#include "requests/messages.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "notify/outbox.hpp"
#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {

using directory::ContactInput;

const std::string kPng = std::string("\x89PNG\r\n\x1a\n", 8) + std::string("\0\0\0\rIHDR", 8);
const std::string kPdf = "%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n";

class MessagesTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    Parties parties = MakeParties();
    const security::Organization& de_cert = parties.de_cert;
    fr_ = parties.fr;
    de_ = parties.de;
    it_ = parties.it;
    operator_ = parties.op;
    ContactInput lage = ValidInput(de_cert, "Lagezentrum");
    lage.emails = {"lagezentrum@cert-bund.example.de"};
    lage.languages = {"de", "en"};
    MakeContact(lage);
    fr_cert_ = parties.fr_cert;
    RequestDraft d = Mitigation("DE");
    d.content.tlp = Tlp::kAmber;
    request_ = Create(fr_, d);
  }

  AttachmentInput Png() { return {"netflow.png", "image/png", kPng, std::nullopt}; }

  // The e-mails about request `id` queued since `skip` of them were (each step runs a minute
  // after the previous one), by recipient.
  std::vector<Mail> NewMails(const std::string& id, std::size_t skip) {
    auto all = MailsAbout(id);
    std::vector<Mail> fresh(all.begin() + static_cast<std::ptrdiff_t>(std::min(skip, all.size())),
                            all.end());
    std::sort(fresh.begin(), fresh.end(), [](const Mail& a, const Mail& b) { return a.to < b.to; });
    clock_.Advance(std::chrono::minutes(1));
    return fresh;
  }

  security::Organization fr_cert_;
  security::Principal fr_, de_, it_, operator_;
  CooperationRequest request_;
};

TEST_F(MessagesTest, BothPartiesConverseAndOthersCannotSeeIt) {
  auto question =
      PostMessage(*db_, de_, request_.id, {"Which ports?", std::nullopt, "", {}}, settings_, Now());
  ASSERT_TRUE(question.has_value()) << question.error().message;
  EXPECT_EQ(question->tlp, Tlp::kAmber);  // The request's label by default.
  EXPECT_EQ(question->author_state, "DE");
  clock_.Advance(std::chrono::minutes(1));
  auto answer = PostMessage(*db_, fr_, request_.id, {"UDP 123 and 53", Tlp::kRed, question->id, {}},
                            settings_, Now());
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  auto thread = ListMessages(*db_, fr_, request_.id);
  ASSERT_TRUE(thread.has_value());
  ASSERT_EQ(thread->size(), 2u);
  EXPECT_EQ((*thread)[1].in_reply_to, question->id);
  EXPECT_EQ((*thread)[1].tlp, Tlp::kRed);

  for (const auto* outsider : {&it_, &operator_}) {
    EXPECT_EQ(ListMessages(*db_, *outsider, request_.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(
        PostMessage(*db_, *outsider, request_.id, {"hello", std::nullopt, "", {}}, settings_, Now())
            .error()
            .code,
        ErrorCode::kNotFound);
  }
  auto timeline = GetTimeline(*db_, fr_, request_.id);
  EXPECT_EQ(timeline->back().kind, "message");
  EXPECT_EQ(timeline->back().info.find("UDP"), std::string::npos);
  EXPECT_EQ(AuditEntries().back().action, "request.message");
}

TEST_F(MessagesTest, LabelsMayBeStricterNeverLooser) {
  auto looser = PostMessage(*db_, de_, request_.id, {"fyi", Tlp::kGreen, "", {}}, settings_, Now());
  ASSERT_FALSE(looser.has_value());
  EXPECT_EQ(looser.error().field, "tlp");
  EXPECT_EQ(looser.error().reason, "less_restrictive_than_request");
  AttachmentInput a = Png();
  a.tlp = Tlp::kClear;
  EXPECT_EQ(AddAttachment(*db_, fr_, request_.id, a, 1 << 20, Now()).error().field, "tlp");
  EXPECT_EQ(PostMessage(*db_, de_, request_.id, {"  ", std::nullopt, "", {}}, settings_, Now())
                .error()
                .field,
            "body");
  EXPECT_EQ(
      PostMessage(*db_, de_, request_.id, {"re", std::nullopt, "msg_nope", {}}, settings_, Now())
          .error()
          .code,
      ErrorCode::kNotFound);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM request_messages")[0].Int(0), 0);
}

TEST_F(MessagesTest, AttachmentsAreContentAddressedLimitedAndSniffed) {
  auto first = AddAttachment(*db_, fr_, request_.id, Png(), 1 << 20, Now());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->size, 16);
  EXPECT_EQ(first->sha256.size(), 64u);
  AttachmentInput again = Png();
  again.filename = "same-bytes.png";
  auto second = AddAttachment(*db_, de_, request_.id, again, 1 << 20, Now());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->sha256, first->sha256);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM request_blobs")[0].Int(0), 1);
  auto got = GetAttachment(*db_, de_, request_.id, first->id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->second, kPng);
  EXPECT_EQ(got->first.media_type, "image/png");
  EXPECT_EQ(ListAttachments(*db_, fr_, request_.id)->size(), 2u);
  EXPECT_EQ(GetAttachment(*db_, it_, request_.id, first->id).error().code, ErrorCode::kNotFound);
  auto with_file = PostMessage(*db_, fr_, request_.id,
                               {"See the graph", std::nullopt, "", {first->id}}, settings_, Now());
  ASSERT_TRUE(with_file.has_value());
  EXPECT_EQ(with_file->attachment_ids, std::vector<std::string>{first->id});

  AttachmentInput big = Png();
  big.content += std::string(100, 'x');
  auto too_large = AddAttachment(*db_, fr_, request_.id, big, 64, Now());
  ASSERT_FALSE(too_large.has_value());
  EXPECT_EQ(too_large.error().code, ErrorCode::kResourceExhausted);
  AttachmentInput path = Png();
  path.filename = "../../etc/passwd";
  EXPECT_EQ(AddAttachment(*db_, fr_, request_.id, path, 1 << 20, Now()).error().field, "filename");
  AttachmentInput lie = Png();
  lie.media_type = "application/pdf";
  EXPECT_EQ(AddAttachment(*db_, fr_, request_.id, lie, 1 << 20, Now()).error().reason,
            "media_type_mismatch");
}

TEST_F(MessagesTest, ADraftsAttachmentsAreTheSendersUntilItIsSubmitted) {
  constexpr char kSecretKey[] = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
  for (const auto& [org, url] : {std::pair{fr_cert_.id, "https://tickets.cert.example.fr/hook"}}) {
    ASSERT_TRUE(
        notify::RegisterWebhook(*db_, kSecretKey, {"system", ""}, org, url, {}, Now()).has_value());
  }
  RequestDraft d = Mitigation("DE");  // TLP:GREEN: the e-mail may name the files.
  CooperationRequest draft = Create(fr_, d, Submission::kSaveAsDraft);
  auto png = AddAttachment(*db_, fr_, draft.id, Png(), 1 << 20, Now());
  ASSERT_TRUE(png.has_value()) << png.error().message;
  auto pdf = AddAttachment(*db_, fr_, draft.id, {"report.pdf", "application/pdf", kPdf, {}},
                           1 << 20, Now());
  ASSERT_TRUE(pdf.has_value()) << pdf.error().message;
  EXPECT_EQ(ListAttachments(*db_, fr_, draft.id)->size(), 2u);
  EXPECT_TRUE(EventsAbout(draft.id).empty());  // Nothing about a draft leaves the sender.
  EXPECT_TRUE(MailsAbout(draft.id).empty());

  // The requested state and everyone else do not know the draft or its files exist.
  for (const auto* other : {&de_, &it_, &operator_}) {
    EXPECT_EQ(ListAttachments(*db_, *other, draft.id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(GetAttachment(*db_, *other, draft.id, png->id).error().code, ErrorCode::kNotFound);
    EXPECT_EQ(AddAttachment(*db_, *other, draft.id, Png(), 1 << 20, Now()).error().code,
              ErrorCode::kNotFound);
    EXPECT_EQ(DeleteAttachment(*db_, *other, draft.id, png->id, Now()).error().code,
              ErrorCode::kNotFound);
  }

  // The sender removes one while it is a draft: the draft moves on a version, the content goes,
  // and the removal is audited and in the timeline.
  const std::int64_t blobs = Sql("SELECT COUNT(*) FROM request_blobs")[0].Int(0);
  ASSERT_TRUE(DeleteAttachment(*db_, fr_, draft.id, pdf->id, Now()).has_value());
  EXPECT_EQ(DeleteAttachment(*db_, fr_, draft.id, pdf->id, Now()).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(DeleteAttachment(*db_, fr_, request_.id, png->id, Now()).error().code,
            ErrorCode::kNotFound);  // An attachment of another request.
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM request_blobs")[0].Int(0), blobs - 1);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM audit_log WHERE action = 'request.detach' AND "
                "record_id = ?",
                {draft.id})[0]
                .Int(0),
            1);
  auto current = GetRequest(*db_, fr_, draft.id);
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->version, draft.version + 1);
  auto timeline = GetTimeline(*db_, fr_, draft.id);
  ASSERT_TRUE(timeline.has_value());
  EXPECT_EQ(std::count_if(timeline->begin(), timeline->end(),
                          [](const TimelineEntry& e) { return e.kind == "attachment_removed"; }),
            1);
  // A submission of the version from before the removal is stale.
  EXPECT_EQ(Apply(fr_, draft, {Transition::kSubmit}).error().reason, "stale_version");

  // Submitted: the requested state sees and downloads the file; the e-mail and the webhook
  // event name it.
  auto submitted = Apply(fr_, *current, {Transition::kSubmit});
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  auto got = GetAttachment(*db_, de_, draft.id, png->id);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->second, kPng);
  // The draft's history stays with the sender: the requested state's timeline starts with the
  // creation and the submission, without the files added and removed before it (not even the
  // removed file's digest), and the sender's keeps them all.
  auto theirs = GetTimeline(*db_, de_, draft.id);
  ASSERT_TRUE(theirs.has_value());
  std::vector<std::string> kinds;
  for (const auto& e : *theirs) kinds.push_back(e.kind);
  EXPECT_EQ(kinds, (std::vector<std::string>{"created", "submitted"}));
  for (const auto& e : *theirs) EXPECT_EQ(e.info.find(pdf->sha256), std::string::npos);
  auto ours = GetTimeline(*db_, fr_, draft.id);
  ASSERT_TRUE(ours.has_value());
  EXPECT_EQ(ours->size(), 5u);  // created, two files added, one removed, submitted.
  EXPECT_EQ(ListAttachments(*db_, de_, draft.id)->size(), 1u);
  EXPECT_EQ(GetAttachment(*db_, it_, draft.id, png->id).error().code, ErrorCode::kNotFound);
  auto mails = MailsAbout(draft.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].body.find("Attachments:  1\n  - netflow.png (16 B, image/png)"),
            std::string::npos)
      << mails[0].body;
  auto payload =
      Sql("SELECT body FROM notifications WHERE channel = 'webhook' AND subject = "
          "'request.submitted' AND related_id = ?",
          {draft.id});
  ASSERT_EQ(payload.size(), 1u);
  EXPECT_NE(payload[0].Text(0).find("\"attachments\":[{\"id\":\"" + png->id + "\""),
            std::string::npos)
      << payload[0].Text(0);

  // Once submitted, attachments are part of the record: not removable, by either side.
  auto kept = DeleteAttachment(*db_, fr_, draft.id, png->id, Now());
  ASSERT_FALSE(kept.has_value());
  EXPECT_EQ(kept.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(kept.error().reason, "not_a_draft");
  EXPECT_EQ(DeleteAttachment(*db_, de_, draft.id, png->id, Now()).error().code,
            ErrorCode::kPermissionDenied);
  // Files added later work as before, and are announced.
  ASSERT_TRUE(AddAttachment(*db_, de_, draft.id, Png(), 1 << 20, Now()).has_value());
  const auto events = EventsAbout(draft.id);
  EXPECT_EQ(std::count(events.begin(), events.end(),
                       "https://tickets.cert.example.fr/hook request.attachment"),
            1);
}

TEST_F(MessagesTest, ARestrictedSubmissionMailCountsTheAttachmentsWithoutNamingThem) {
  RequestDraft d = Mitigation("DE");
  d.content.tlp = Tlp::kAmber;  // The contact has no OpenPGP key: no content by e-mail.
  CooperationRequest draft = Create(fr_, d, Submission::kSaveAsDraft);
  ASSERT_TRUE(AddAttachment(*db_, fr_, draft.id, Png(), 1 << 20, Now()).has_value());
  ASSERT_TRUE(Apply(fr_, draft, {Transition::kSubmit}).has_value());
  auto mails = MailsAbout(draft.id);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].body.find("Attachments:  1\n"), std::string::npos) << mails[0].body;
  EXPECT_EQ(mails[0].body.find("netflow.png"), std::string::npos);
}

TEST(MediaTypes, MagicNumbersAndTextAreChecked) {
  EXPECT_TRUE(CheckMediaType("image/png", kPng).has_value());
  EXPECT_TRUE(CheckMediaType("application/pdf", kPdf).has_value());
  EXPECT_TRUE(CheckMediaType("image/jpeg", std::string("\xFF\xD8\xFF\xE0", 4)).has_value());
  EXPECT_TRUE(CheckMediaType("image/gif", "GIF89a....").has_value());
  EXPECT_TRUE(CheckMediaType("application/zip", std::string("PK\x03\x04", 4)).has_value());
  EXPECT_TRUE(CheckMediaType("text/plain; charset=utf-8", "Grüße, 198.51.100.7\n").has_value());
  EXPECT_TRUE(CheckMediaType("text/csv", "ip,first_seen\n198.51.100.7,2026-01-05\n").has_value());
  EXPECT_TRUE(CheckMediaType("application/json", "{\"ip\":\"198.51.100.7\"}").has_value());
  EXPECT_TRUE(CheckMediaType("application/gzip", std::string("\x1f\x8b\x08\0", 4)).has_value());
  struct Case {
    std::string type, content, reason;
  } cases[] = {
      {"image/png", kPdf, "media_type_mismatch"},
      {"application/pdf", "MZ\x90\x00", "media_type_mismatch"},
      {"text/plain", std::string("ab\0cd", 5), "media_type_mismatch"},
      {"text/plain", "\xC3\x28", "media_type_mismatch"},
      {"text/csv", "\xED\xA0\x80", "media_type_mismatch"},
      {"application/json", "{not json", "media_type_mismatch"},
      {"application/gzip", "ip,category\n", "media_type_mismatch"},
      {"application/x-msdownload", "MZ", "unsupported_media_type"},
      {"text/html", "<html>", "unsupported_media_type"},
  };
  for (const auto& c : cases) {
    auto got = CheckMediaType(c.type, c.content);
    ASSERT_FALSE(got.has_value()) << c.type;
    EXPECT_EQ(got.error().reason, c.reason) << c.type;
  }
}

TEST_F(MessagesTest, MessagesAreEMailedToTheOtherPartyInTheirLanguageWithTheTlpLabel) {
  RequestDraft d = Mitigation("DE");
  d.content.tlp = Tlp::kGreen;
  CooperationRequest green = Create(fr_, d);
  std::size_t seen = MailsAbout(green.id).size();
  clock_.Advance(std::chrono::minutes(1));

  // The requesting side writes: the routed contact gets it, in English (its first UN language).
  ASSERT_TRUE(
      PostMessage(*db_, fr_, green.id, {"Port 123 only.", std::nullopt, "", {}}, settings_, Now())
          .has_value());
  auto mails = NewMails(green.id, seen);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "lagezentrum@cert-bund.example.de");
  EXPECT_NE(mails[0].subject.find("New message"), std::string::npos) << mails[0].subject;
  EXPECT_NE(mails[0].body.find("Port 123 only."), std::string::npos);
  EXPECT_NE(mails[0].body.find("TLP:GREEN"), std::string::npos);
  EXPECT_NE(mails[0].body.find("/requests/" + green.id), std::string::npos);
  seen += mails.size();

  // The requested side writes while the requesting organisation has no contact: its sender.
  ASSERT_TRUE(PostMessage(*db_, de_, green.id, {"Blocked.", std::nullopt, "", {}}, settings_, Now())
                  .has_value());
  mails = NewMails(green.id, seen);
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].to, "analyst@cert.example.fr");
  seen += mails.size();

  // With contacts, they get it, each in its language; RED travels as a link only, and AMBER
  // only encrypted.
  ContactInput desk = ValidInput(fr_cert_, "Permanence");
  desk.emails = {"permanence@cert.example.fr"};
  desk.languages = {"fr"};
  MakeContact(desk);
  ContactInput keyed = ValidInput(fr_cert_, "Keyed desk");
  keyed.emails = {"keyed@cert.example.fr"};
  keyed.languages = {"es"};
  keyed.openpgp_key =
      "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n";
  MakeContact(keyed);
  ASSERT_TRUE(
      PostMessage(*db_, de_, green.id, {"Secret detail.", Tlp::kRed, "", {}}, settings_, Now())
          .has_value());
  mails = NewMails(green.id, seen);
  ASSERT_EQ(mails.size(), 2u);
  for (const auto& mail : mails) {
    EXPECT_EQ(mail.body.find("Secret detail."), std::string::npos) << mail.to;
    EXPECT_NE(mail.body.find("TLP:RED"), std::string::npos) << mail.to;
    EXPECT_NE(mail.body.find("/requests/" + green.id), std::string::npos) << mail.to;
  }
  EXPECT_EQ(mails[0].to, "keyed@cert.example.fr");
  EXPECT_NE(mails[0].subject.find("Nuevo mensaje"), std::string::npos) << mails[0].subject;
  EXPECT_EQ(mails[1].to, "permanence@cert.example.fr");
  EXPECT_NE(mails[1].subject.find("Nouveau message"), std::string::npos) << mails[1].subject;
  seen += mails.size();

  ASSERT_TRUE(
      PostMessage(*db_, de_, green.id, {"Amber detail.", Tlp::kAmber, "", {}}, settings_, Now())
          .has_value());
  mails = NewMails(green.id, seen);
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0].to, "keyed@cert.example.fr");
  EXPECT_TRUE(mails[0].encrypted);
  EXPECT_NE(mails[0].body.find("Amber detail."), std::string::npos);
  EXPECT_EQ(mails[1].to, "permanence@cert.example.fr");
  EXPECT_FALSE(mails[1].encrypted);
  EXPECT_EQ(mails[1].body.find("Amber detail."), std::string::npos);
  EXPECT_NE(mails[1].body.find("TLP:AMBER"), std::string::npos);
}

TEST(MailMayCarryText, OnlyClearAndGreenOrAmberEncrypted) {
  EXPECT_TRUE(MailMayCarryText(Tlp::kClear, false));
  EXPECT_TRUE(MailMayCarryText(Tlp::kGreen, false));
  EXPECT_FALSE(MailMayCarryText(Tlp::kAmber, false));
  EXPECT_TRUE(MailMayCarryText(Tlp::kAmber, true));
  EXPECT_FALSE(MailMayCarryText(Tlp::kAmberStrict, true));
  EXPECT_FALSE(MailMayCarryText(Tlp::kRed, true));
}

}  // namespace
}  // namespace liaison::requests
