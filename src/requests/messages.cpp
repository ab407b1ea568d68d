#include "requests/messages.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <set>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "directory/contacts.hpp"
#include "notify/outbox.hpp"
#include "requests/request_records.hpp"
#include "requests/requests.hpp"

namespace liaison::requests {
namespace {

using store::Transaction;
using store::TxMode;

constexpr std::size_t kMaxMessageLength = 20000;

// Loads request `id` for the conversation: its parties only (operators never see content); a
// draft only for the sender's organisation, as the access policy has it.
Result<CooperationRequest> LoadConversation(Transaction& tx, const security::Principal& actor,
                                            const std::string& id) {
  ASSIGN_OR_RETURN(auto found, internal::LoadRequest(tx, id));
  if (!found) return Error::NotFound("no request " + id);
  RETURN_IF_ERROR(
      security::Authorize(actor, security::Action::kRequestRead, RequestResource(*found)));
  return std::move(*found);
}

Result<Tlp> LabelFor(const CooperationRequest& r, const std::optional<Tlp>& asked) {
  const Tlp floor = r.content ? r.content->tlp : Tlp::kRed;
  if (!asked) return floor;
  if (*asked < floor) {
    return Error::InvalidArgument("may be more restrictive than the request's TLP:" +
                                      std::string(TlpName(floor)) + ", never less",
                                  "tlp", "less_restrictive_than_request");
  }
  return *asked;
}

bool StartsWith(std::string_view content, std::string_view magic) {
  return content.substr(0, magic.size()) == magic;
}

std::string Sha256Hex(std::string_view content) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> out{};
  crypto_hash_sha256(out.data(), reinterpret_cast<const unsigned char*>(content.data()),
                     content.size());
  return ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

Status CheckFilename(const std::string& name) {
  if (Trim(name).empty()) return Error::InvalidArgument("is required", "filename", "required");
  RETURN_IF_ERROR(json::CheckText(name, 255, "filename"));
  if (name.find_first_of("/\\\n\t") != std::string::npos || name == "." || name == "..") {
    return Error::InvalidArgument("a file name without directories", "filename",
                                  "invalid_filename");
  }
  return OkStatus();
}

std::vector<std::string> IdsFromJson(const std::string& text) {
  std::vector<std::string> ids;
  auto parsed = json::Parse(text);
  if (!parsed.has_value() || !parsed->is_array()) return ids;
  for (const auto& v : parsed->get_array()) {
    if (v.is_string()) ids.emplace_back(v.get_string());
  }
  return ids;
}

// Records a conversation event: audit entry, timeline entry and webhook event, without content.
// A draft's events are not announced: nothing about a draft leaves the sender until it submits.
Status Record(Transaction& tx, const security::Principal& actor, const CooperationRequest& r,
              const std::string& action, const std::string& kind, const std::string& event,
              boost::json::object info, TimePoint now) {
  RETURN_IF_ERROR(internal::AuditRecord(tx, actor, action, "request", r.id,
                                        r.requesting_organization_id, json::Serialize(info), now));
  RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, kind, actor, std::nullopt, std::nullopt,
                                           json::Serialize(info), "", now));
  if (r.status == RequestStatus::kDraft) return OkStatus();
  return internal::AnnounceEvent(tx, r, event, info, now);
}

// Loads request `id` for a change to its attachments: as LoadConversation, and while it is a
// draft only by the sender's side (kRequestAct: editing the draft).
Result<CooperationRequest> LoadForAttaching(Transaction& tx, const security::Principal& actor,
                                            const std::string& id) {
  ASSIGN_OR_RETURN(auto r, LoadConversation(tx, actor, id));
  if (r.status == RequestStatus::kDraft) {
    RETURN_IF_ERROR(security::Authorize(actor, security::Action::kRequestAct, RequestResource(r)));
  }
  return r;
}

// E-mails message `m` on `r` to the other party (PostMessage).
Status QueueMessageMail(Transaction& tx, const CooperationRequest& r, const RequestMessage& m,
                        const RequestSettings& settings, TimePoint now) {
  std::vector<internal::MailRecipient> recipients;
  if (m.author_state == r.requested_state) {
    ASSIGN_OR_RETURN(auto contacts,
                     directory::ContactsOfOrganization(tx, r.requesting_organization_id));
    recipients = internal::MailRecipientsOf(contacts);
    if (recipients.empty()) {
      ASSIGN_OR_RETURN(auto sender, internal::SenderRecipient(tx, r));
      if (sender) recipients.push_back(std::move(*sender));
    }
  } else {
    ASSIGN_OR_RETURN(auto contacts, internal::RoutedContacts(tx, r));
    recipients = internal::MailRecipientsOf(contacts);
  }
  for (const auto& to : recipients) {
    const bool with_text = MailMayCarryText(m.tlp, !to.openpgp_key.empty());
    notify::EmailNotification email = internal::RequestMail(
        r, with_text ? "request.message" : "request.message_restricted", to, settings.public_url);
    email.params["author_state"] = internal::StateName(m.author_state, to.language);
    email.params["tlp"] = std::string(TlpName(m.tlp));
    email.params["message_id"] = m.id;
    if (with_text) email.params["body"] = m.body;
    ASSIGN_OR_RETURN(auto id, notify::EnqueueEmail(tx, email, now));
    (void)id;
  }
  return OkStatus();
}

}  // namespace

bool MailMayCarryText(Tlp tlp, bool encrypted) {
  if (tlp <= Tlp::kGreen) return true;
  return tlp == Tlp::kAmber && encrypted;
}

const std::vector<std::string_view>& AcceptedMediaTypes() {
  static const std::vector<std::string_view> types = {
      "application/pdf", "image/png", "image/jpeg",       "image/gif",       "application/zip",
      "text/plain",      "text/csv",  "application/json", "application/gzip"};
  return types;
}

Status CheckMediaType(std::string_view media_type, std::string_view content) {
  // Parameters such as "; charset=utf-8" are allowed; the type itself decides.
  std::string type = AsciiLower(Trim(media_type.substr(0, media_type.find(';'))));
  const auto& accepted = AcceptedMediaTypes();
  if (std::find(accepted.begin(), accepted.end(), type) == accepted.end()) {
    return Error::InvalidArgument("not an accepted media type", "Content-Type",
                                  "unsupported_media_type");
  }
  bool matches = false;
  if (type == "application/pdf") {
    matches = StartsWith(content, "%PDF-");
  } else if (type == "image/png") {
    matches = StartsWith(content, std::string_view("\x89PNG\r\n\x1a\n", 8));
  } else if (type == "image/jpeg") {
    matches = StartsWith(content, std::string_view("\xFF\xD8\xFF", 3));
  } else if (type == "image/gif") {
    matches = StartsWith(content, "GIF87a") || StartsWith(content, "GIF89a");
  } else if (type == "application/zip") {
    matches = StartsWith(content, std::string_view("PK\x03\x04", 4)) ||
              StartsWith(content, std::string_view("PK\x05\x06", 4));
  } else if (type == "application/gzip") {
    // RFC 1952: ID1 ID2 and CM = 8 (deflate).
    matches = StartsWith(content, std::string_view("\x1f\x8b\x08", 3));
  } else if (type == "application/json") {
    matches = json::Parse(content).has_value();
  } else {  // text/plain, text/csv
    matches = content.find('\0') == std::string_view::npos && IsValidUtf8(content);
  }
  if (!matches) {
    return Error::InvalidArgument("the content is not " + type, "Content-Type",
                                  "media_type_mismatch");
  }
  return OkStatus();
}

Result<RequestMessage> PostMessage(store::Database& db, const security::Principal& actor,
                                   const std::string& request_id, const MessageInput& input,
                                   const RequestSettings& settings, TimePoint now) {
  if (Trim(input.body).empty()) return Error::InvalidArgument("is required", "body", "required");
  RETURN_IF_ERROR(json::CheckText(input.body, kMaxMessageLength, "body"));
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<RequestMessage> {
    ASSIGN_OR_RETURN(auto r, LoadConversation(tx, actor, request_id));
    if (r.status == RequestStatus::kDraft) {
      return Error::FailedPrecondition("a draft has no conversation yet", "draft");
    }
    RequestMessage m;
    ASSIGN_OR_RETURN(m.tlp, LabelFor(r, input.tlp));
    if (!input.in_reply_to.empty()) {
      ASSIGN_OR_RETURN(store::Rows rows,
                       tx.Query("SELECT 1 FROM request_messages WHERE id = ? AND request_id = ?",
                                {input.in_reply_to, request_id}));
      if (rows.empty()) return Error::NotFound("no message " + input.in_reply_to);
    }
    boost::json::array attachments;
    for (const auto& id : input.attachment_ids) {
      ASSIGN_OR_RETURN(store::Rows rows,
                       tx.Query("SELECT 1 FROM request_attachments WHERE id = ? AND "
                                "request_id = ?",
                                {id, request_id}));
      if (rows.empty()) return Error::NotFound("no attachment " + id);
      attachments.emplace_back(id);
    }
    m.id = NewId("msg");
    m.request_id = request_id;
    m.in_reply_to = input.in_reply_to;
    m.author_account_id = actor.account_id;
    m.author_organization_id = actor.organization_id;
    m.author_state = actor.state;
    m.body = input.body;
    m.attachment_ids = input.attachment_ids;
    m.created_at = now;
    ASSIGN_OR_RETURN(
        auto changed,
        tx.Execute("INSERT INTO request_messages (id, request_id, in_reply_to, "
                   "author_account_id, author_organization_id, author_state, tlp, "
                   "body, attachment_ids, created_at) VALUES "
                   "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   {m.id, m.request_id, m.in_reply_to, m.author_account_id,
                    m.author_organization_id, m.author_state, std::string(TlpName(m.tlp)), m.body,
                    json::Serialize(attachments), ToUnixMillis(now)}));
    (void)changed;
    RETURN_IF_ERROR(Record(tx, actor, r, "request.message", "message", "request.message",
                           {{"message_id", m.id},
                            {"tlp", TlpName(m.tlp)},
                            {"in_reply_to", m.in_reply_to},
                            {"author_state", m.author_state}},
                           now));
    RETURN_IF_ERROR(QueueMessageMail(tx, r, m, settings, now));
    return m;
  });
}

Result<std::vector<RequestMessage>> ListMessages(store::Database& db,
                                                 const security::Principal& actor,
                                                 const std::string& request_id) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(auto r, LoadConversation(**tx, actor, request_id));
  (void)r;
  ASSIGN_OR_RETURN(store::Rows rows,
                   (*tx)->Query("SELECT id, request_id, in_reply_to, author_account_id, "
                                "author_organization_id, author_state, tlp, body, "
                                "attachment_ids, created_at FROM request_messages WHERE "
                                "request_id = ? ORDER BY created_at, id",
                                {request_id}));
  std::vector<RequestMessage> out;
  for (const auto& row : rows) {
    RequestMessage m;
    m.id = row.Text(0);
    m.request_id = row.Text(1);
    m.in_reply_to = row.Text(2);
    m.author_account_id = row.Text(3);
    m.author_organization_id = row.Text(4);
    m.author_state = row.Text(5);
    m.tlp = ParseTlp(row.Text(6)).value_or(Tlp::kRed);
    m.body = row.Text(7);
    m.attachment_ids = IdsFromJson(row.Text(8));
    m.created_at = FromUnixMillis(row.Int(9));
    out.push_back(std::move(m));
  }
  return out;
}

boost::json::object AttachmentJson(const Attachment& a) {
  return {{"id", a.id},
          {"request_id", a.request_id},
          {"filename", a.filename},
          {"media_type", a.media_type},
          {"sha256", a.sha256},
          {"size", a.size},
          {"tlp", TlpName(a.tlp)},
          {"uploaded_by", a.uploaded_by},
          {"created_at", FormatRfc3339(a.created_at)}};
}

namespace internal {

Result<Attachment> AttachToRequest(Transaction& tx, const security::Principal& actor,
                                   const CooperationRequest& r, const AttachmentInput& input,
                                   std::int64_t max_bytes, TimePoint now) {
  if (input.content.empty()) {
    return Error::InvalidArgument("the attachment is empty", "content", "required");
  }
  if (static_cast<std::int64_t>(input.content.size()) > max_bytes) {
    Error e = Error::ResourceExhausted("the attachment is larger than " +
                                       std::to_string(max_bytes) + " bytes");
    e.field = "content";
    e.reason = "too_large";
    return e;
  }
  RETURN_IF_ERROR(CheckFilename(input.filename));
  RETURN_IF_ERROR(CheckMediaType(input.media_type, input.content));
  const std::string sha256 = Sha256Hex(input.content);
  const std::string media_type =
      AsciiLower(Trim(std::string_view(input.media_type).substr(0, input.media_type.find(';'))));
  Attachment a;
  ASSIGN_OR_RETURN(a.tlp, LabelFor(r, input.tlp));
  ASSIGN_OR_RETURN(store::Rows have,
                   tx.Query("SELECT 1 FROM request_blobs WHERE sha256 = ?", {sha256}));
  if (have.empty()) {
    ASSIGN_OR_RETURN(auto stored, tx.Execute("INSERT INTO request_blobs (sha256, size, content) "
                                             "VALUES (?, ?, ?)",
                                             {sha256, static_cast<long long>(input.content.size()),
                                              store::Value::Blob(input.content)}));
    (void)stored;
  }
  a.id = NewId("att");
  a.request_id = r.id;
  a.filename = input.filename;
  a.media_type = media_type;
  a.sha256 = sha256;
  a.size = static_cast<std::int64_t>(input.content.size());
  a.uploaded_by = actor.account_id;
  a.created_at = now;
  ASSIGN_OR_RETURN(auto changed,
                   tx.Execute("INSERT INTO request_attachments (id, request_id, filename, "
                              "media_type, sha256, size, tlp, uploaded_by, created_at) VALUES "
                              "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              {a.id, a.request_id, a.filename, a.media_type, a.sha256, a.size,
                               std::string(TlpName(a.tlp)), a.uploaded_by, ToUnixMillis(now)}));
  (void)changed;
  RETURN_IF_ERROR(Record(tx, actor, r, "request.attach", "attachment", "request.attachment",
                         {{"attachment_id", a.id},
                          {"sha256", a.sha256},
                          {"size", a.size},
                          {"media_type", a.media_type},
                          {"tlp", TlpName(a.tlp)}},
                         now));
  return a;
}

}  // namespace internal

Result<Attachment> AddAttachment(store::Database& db, const security::Principal& actor,
                                 const std::string& request_id, const AttachmentInput& input,
                                 std::int64_t max_bytes, TimePoint now) {
  // The checks that need no transaction come first, so bad input costs no write transaction;
  // AttachToRequest repeats them cheaply for its other callers.
  if (input.content.empty()) {
    return Error::InvalidArgument("the attachment is empty", "content", "required");
  }
  RETURN_IF_ERROR(CheckFilename(input.filename));
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<Attachment> {
    ASSIGN_OR_RETURN(auto r, LoadForAttaching(tx, actor, request_id));
    return internal::AttachToRequest(tx, actor, r, input, max_bytes, now);
  });
}

Status DeleteAttachment(store::Database& db, const security::Principal& actor,
                        const std::string& request_id, const std::string& attachment_id,
                        TimePoint now) {
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto r, LoadConversation(tx, actor, request_id));
    RETURN_IF_ERROR(security::Authorize(actor, security::Action::kRequestAct, RequestResource(r)));
    ASSIGN_OR_RETURN(store::Rows rows,
                     tx.Query("SELECT sha256, size, media_type FROM request_attachments WHERE "
                              "id = ? AND request_id = ?",
                              {attachment_id, request_id}));
    if (rows.empty()) return Error::NotFound("no attachment " + attachment_id);
    if (r.status != RequestStatus::kDraft) {
      return Error::FailedPrecondition(
          "attachments are kept once the request is submitted; only a draft's can be removed",
          "not_a_draft");
    }
    const std::string sha256 = rows[0].Text(0);
    boost::json::object info{{"attachment_id", attachment_id},
                             {"sha256", sha256},
                             {"size", rows[0].Int(1)},
                             {"media_type", rows[0].Text(2)}};
    ASSIGN_OR_RETURN(auto removed,
                     tx.Execute("DELETE FROM request_attachments WHERE id = ?", {attachment_id}));
    (void)removed;
    // The content goes with its last attachment (content-addressed, shared between requests).
    ASSIGN_OR_RETURN(auto dropped,
                     tx.Execute("DELETE FROM request_blobs WHERE sha256 = ? AND NOT EXISTS "
                                "(SELECT 1 FROM request_attachments WHERE sha256 = ?)",
                                {sha256, sha256}));
    (void)dropped;
    // The draft changes version: a submission of the version that still had the attachment
    // fails with stale_version instead of going out without the caller seeing the change, and
    // of two concurrent changes exactly one wins.
    const std::int64_t expected_version = r.version;
    r.version += 1;
    r.updated_at = now;
    RETURN_IF_ERROR(internal::UpdateRequest(tx, r, expected_version));
    return Record(tx, actor, r, "request.detach", "attachment_removed", "request.attachment",
                  std::move(info), now);
  });
}

namespace {

constexpr char kAttachmentColumns[] =
    "id, request_id, filename, media_type, sha256, size, tlp, uploaded_by, created_at";

Attachment AttachmentFromRow(const store::Row& row) {
  Attachment a;
  a.id = row.Text(0);
  a.request_id = row.Text(1);
  a.filename = row.Text(2);
  a.media_type = row.Text(3);
  a.sha256 = row.Text(4);
  a.size = row.Int(5);
  a.tlp = ParseTlp(row.Text(6)).value_or(Tlp::kRed);
  a.uploaded_by = row.Text(7);
  a.created_at = FromUnixMillis(row.Int(8));
  return a;
}

}  // namespace

namespace internal {

Result<std::vector<Attachment>> LoadAttachments(Transaction& tx, const std::string& request_id) {
  ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kAttachmentColumns +
                                                  " FROM request_attachments WHERE request_id = ? "
                                                  "ORDER BY created_at, id",
                                              {request_id}));
  std::vector<Attachment> out;
  for (const auto& row : rows) out.push_back(AttachmentFromRow(row));
  return out;
}

}  // namespace internal

Result<std::vector<Attachment>> ListAttachments(store::Database& db,
                                                const security::Principal& actor,
                                                const std::string& request_id) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(auto r, LoadConversation(**tx, actor, request_id));
  (void)r;
  return internal::LoadAttachments(**tx, request_id);
}

Result<std::pair<Attachment, std::string>> GetAttachment(store::Database& db,
                                                         const security::Principal& actor,
                                                         const std::string& request_id,
                                                         const std::string& attachment_id) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(auto r, LoadConversation(**tx, actor, request_id));
  (void)r;
  ASSIGN_OR_RETURN(store::Rows rows,
                   (*tx)->Query(std::string("SELECT ") + kAttachmentColumns +
                                    " FROM request_attachments WHERE id = ? AND request_id = ?",
                                {attachment_id, request_id}));
  if (rows.empty()) return Error::NotFound("no attachment " + attachment_id);
  Attachment a = AttachmentFromRow(rows[0]);
  ASSIGN_OR_RETURN(store::Rows blob, (*tx)->Query("SELECT content FROM request_blobs WHERE "
                                                  "sha256 = ?",
                                                  {a.sha256}));
  if (blob.empty()) return Error::Internal("the content of attachment " + a.id + " is missing");
  return std::make_pair(std::move(a), blob[0].Text(0));
}

}  // namespace liaison::requests
