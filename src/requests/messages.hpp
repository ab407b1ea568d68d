// The conversation on a request: threaded messages between the two parties, and attachments
// stored content-addressed by SHA-256 with a size limit and a media type checked against the
// content. Every message and attachment carries a TLP label at least as restrictive as the
// request's. Functions are thread-safe; each runs in its own transaction.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "requests/request_template.hpp"
#include "requests/requests.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::requests {

struct MessageInput {
  std::string body;                         // 1..20000 characters.
  std::optional<Tlp> tlp;                   // Unset: the request's label.
  std::string in_reply_to;                  // A message of the same request, or empty.
  std::vector<std::string> attachment_ids;  // Attachments of the same request to refer to.
};

struct RequestMessage {
  std::string id;  // "msg_…"
  std::string request_id;
  std::string in_reply_to;
  std::string author_account_id;
  std::string author_organization_id;
  std::string author_state;
  Tlp tlp = Tlp::kAmber;
  std::string body;
  std::vector<std::string> attachment_ids;
  TimePoint created_at;
};

// Posts a message on request `request_id` (Authorize kRequestRead: either party with a fitting
// role; not on drafts). not_found when the caller may not read the request or `in_reply_to` /
// an attachment id is not the request's; failed_precondition "draft" on a draft;
// invalid_argument for an empty or over-long "body" and for a "tlp" less restrictive than the
// request's (reason "less_restrictive_than_request"). Audited ("request.message"), in the
// timeline ("message"), announced to both parties' webhooks ("request.message", without the
// body) and e-mailed to the other party: from the requesting side to the contacts the request
// was routed to; from the requested side to the requesting organisation's contacts (its sender
// when it has none). Each e-mail is in the recipient's language, carries the message's TLP label
// and a link, and carries the text only as MailMayCarryText allows.
Result<RequestMessage> PostMessage(store::Database& db, const security::Principal& actor,
                                   const std::string& request_id, const MessageInput& input,
                                   const RequestSettings& settings, TimePoint now);

// Whether an e-mail may carry the text of a message labelled `tlp`: always for CLEAR and GREEN;
// for AMBER only when it is encrypted to the recipient's OpenPGP key (`encrypted`); never for
// AMBER+STRICT and RED, whose e-mails carry only the label and a link.
bool MailMayCarryText(Tlp tlp, bool encrypted);

// The messages of request `request_id`, oldest first; not_found as for GetRequest, and for
// operators, who never see content.
Result<std::vector<RequestMessage>> ListMessages(store::Database& db,
                                                 const security::Principal& actor,
                                                 const std::string& request_id);

// The media types accepted for attachments (application/gzip since draft mitigation requests
// attach compressed shares of a feed).
const std::vector<std::string_view>& AcceptedMediaTypes();

// Checks that `content` is of `media_type` (magic numbers for PDF, PNG, JPEG, GIF, ZIP and gzip;
// valid UTF-8 without NUL for text/plain and text/csv; a JSON document for application/json).
// invalid_argument (field "Content-Type") with reason "unsupported_media_type" or
// "media_type_mismatch" otherwise.
Status CheckMediaType(std::string_view media_type, std::string_view content);

struct AttachmentInput {
  std::string filename;  // 1..255 characters, no path separators or control characters.
  std::string media_type;
  std::string content;
  std::optional<Tlp> tlp;  // Unset: the request's label.
};

struct Attachment {
  std::string id;  // "att_…"
  std::string request_id;
  std::string filename;
  std::string media_type;
  std::string sha256;  // Lowercase hex of the content.
  std::int64_t size = 0;
  Tlp tlp = Tlp::kAmber;
  std::string uploaded_by;
  TimePoint created_at;
};

// The JSON of `a` that the API returns and the submission's webhook event lists.
boost::json::object AttachmentJson(const Attachment& a);

// Stores an attachment on request `request_id` (same rights as PostMessage; on a draft, the
// sender's side only: kRequestAct). A draft's attachments are seen by the sender's organisation
// only until it submits, then by both parties as any other. The content is kept once per SHA-256
// however often it is attached. resource_exhausted (field "content", reason "too_large") above
// `max_bytes`; invalid_argument for an empty content, a bad "filename", a media type that is not
// accepted or does not match the content, or a "tlp" less restrictive than the request's.
// Audited ("request.attach"), in the timeline ("attachment"), announced ("request.attachment")
// unless the request is a draft.
Result<Attachment> AddAttachment(store::Database& db, const security::Principal& actor,
                                 const std::string& request_id, const AttachmentInput& input,
                                 std::int64_t max_bytes, TimePoint now);

// Removes attachment `attachment_id` of draft `request_id` (kRequestAct: the sender's side), and
// its content when no other attachment has it; the draft's version goes up by one. not_found as
// for GetRequest and for an attachment of another request; permission_denied for the requested
// side; failed_precondition "not_a_draft" once the request is submitted (attachments are then
// part of the record); failed_precondition "stale_version" when the draft changed meanwhile.
// Audited ("request.detach"), in the timeline ("attachment_removed"); nothing is announced.
Status DeleteAttachment(store::Database& db, const security::Principal& actor,
                        const std::string& request_id, const std::string& attachment_id,
                        TimePoint now);

// The attachments of request `request_id`, oldest first; errors as for ListMessages.
Result<std::vector<Attachment>> ListAttachments(store::Database& db,
                                                const security::Principal& actor,
                                                const std::string& request_id);

// Attachment `attachment_id` of request `request_id` with its content; errors as for
// ListMessages, not_found for an attachment of another request.
Result<std::pair<Attachment, std::string>> GetAttachment(store::Database& db,
                                                         const security::Principal& actor,
                                                         const std::string& request_id,
                                                         const std::string& attachment_id);

}  // namespace liaison::requests
