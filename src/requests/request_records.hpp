// Internal to requests/: how requests, their recipients and timelines are stored and read back,
// audited and announced; shared by requests.cpp and deadlines.cpp. Not for other modules.
// Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "directory/contacts.hpp"
#include "notify/outbox.hpp"
#include "requests/messages.hpp"
#include "requests/requests.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::requests::internal {

// The column list RequestFromRow() reads, for "SELECT <columns> FROM requests".
extern const char kRequestColumns[];

// Decodes a row selected with kRequestColumns, content included.
CooperationRequest RequestFromRow(const store::Row& row);

// The request `id` with its content, or nullopt; no policy check.
Result<std::optional<CooperationRequest>> LoadRequest(store::Transaction& tx,
                                                      const std::string& id);

// A new request by `actor` from `draft`, checked as CreateRequest documents (policy, requested
// state, content) but not stored yet: the first half of CreateRequest.
Result<CooperationRequest> NewRequest(const security::Principal& actor, const RequestDraft& draft,
                                      Submission submission, TimePoint now);

// Stores `r` from NewRequest inside `tx` with its timeline, audit entry and, when submitted,
// routing, e-mails, webhook events and receipt: the second half of CreateRequest.
Status StoreNewRequest(store::Transaction& tx, const security::Principal& actor,
                       CooperationRequest& r, Submission submission,
                       const RequestSettings& settings, TimePoint now);

// Stores a new request.
Status InsertRequest(store::Transaction& tx, const CooperationRequest& r);

// Stores `r` over the row at `expected_version`; failed_precondition "stale_version" when the
// row moved on meanwhile.
Status UpdateRequest(store::Transaction& tx, const CooperationRequest& r,
                     std::int64_t expected_version);

// `r` as `actor` may see it: unchanged for its parties, without content, resolution, routing
// and sender for metadata-only viewers (operators; not for drafts); not_found for everyone else.
Result<CooperationRequest> ViewFor(const security::Principal& actor, CooperationRequest r);

// Appends the next timeline entry of request `request_id`. `info` is a JSON object of metadata,
// `detail` one of content (or empty).
Status AppendTimeline(store::Transaction& tx, const std::string& request_id,
                      const std::string& kind, const security::Principal& actor,
                      std::optional<RequestStatus> from, std::optional<RequestStatus> to,
                      const std::string& info, const std::string& detail, TimePoint now);

// The timeline of `request_id`, oldest first.
Result<std::vector<TimelineEntry>> LoadTimeline(store::Transaction& tx,
                                                const std::string& request_id);

// Appends the audit entry for a change of `after` (from `before`, or a creation when null).
Status AuditChange(store::Transaction& tx, const security::Principal& actor,
                   const std::string& action, const CooperationRequest* before,
                   const CooperationRequest& after, TimePoint now);

// Queues webhook event `event_type` with payload {"event", "occurred_at", "request", …extra} to
// the requesting organisation and the organisations of the contacts the request was routed to.
Status AnnounceToParties(store::Transaction& tx, const CooperationRequest& r,
                         const std::string& event_type, TimePoint now,
                         const boost::json::object& extra = {});

// Like AnnounceToParties, with payload {"event", "occurred_at", "request_id", …info} instead of
// the request (for conversation events, whose content stays in liaison).
Status AnnounceEvent(store::Transaction& tx, const CooperationRequest& r,
                     const std::string& event_type, const boost::json::object& info, TimePoint now);

// Appends an audit entry for a record of the request (a message, an attachment) by `actor`.
Status AuditRecord(store::Transaction& tx, const security::Principal& actor,
                   const std::string& action, const std::string& record_type,
                   const std::string& record_id, const std::string& owner_organization_id,
                   const std::string& after, TimePoint now);

// Stores attachment `input` on `r` (loaded and authorised by the caller) inside `tx`, checked as
// AddAttachment documents, with its audit entry, timeline entry and (unless `r` is a draft) its
// webhook event.
Result<Attachment> AttachToRequest(store::Transaction& tx, const security::Principal& actor,
                                   const CooperationRequest& r, const AttachmentInput& input,
                                   std::int64_t max_bytes, TimePoint now);

// The attachments of request `request_id`, oldest first; no policy check.
Result<std::vector<Attachment>> LoadAttachments(store::Transaction& tx,
                                                const std::string& request_id);

// Records that `contact` was sent request `request_id` for `reason` ("routed",
// "backup_technical", "policy"). Returns false when it already was for that reason.
Result<bool> AddRecipient(store::Transaction& tx, const std::string& request_id,
                          const directory::PointOfContact& contact, const std::string& reason,
                          TimePoint now);

// The contacts `r` was routed to that still exist, ordered by id.
Result<std::vector<directory::PointOfContact>> RoutedContacts(store::Transaction& tx,
                                                              const CooperationRequest& r);

// The ids of every contact `r` was sent to, for any reason.
Result<std::vector<std::string>> RecipientIds(store::Transaction& tx, const std::string& id);

boost::json::object ResolutionToJson(const Resolution& resolution);

// Who an e-mail about a request goes to.
struct MailRecipient {
  std::string name;
  std::string address;
  std::string language;     // Of the six UN languages; others fall back to English.
  std::string openpgp_key;  // When set, the e-mail is encrypted to it.
};

// The recipients of e-mails to `contacts`: one per address, in each contact's UN language,
// encrypted to its OpenPGP key when it has one.
std::vector<MailRecipient> MailRecipientsOf(const std::vector<directory::PointOfContact>& contacts);

// The account that sent `r`, as a recipient; nullopt when it is gone or disabled.
Result<std::optional<MailRecipient>> SenderRecipient(store::Transaction& tx,
                                                     const CooperationRequest& r);

// The name of state `alpha2` in `language` (the code itself when unknown).
std::string StateName(const std::string& alpha2, const std::string& language);

// An e-mail about `r` from template `template_name`, with the parameters every request e-mail
// has: recipient_name, request_id, type, urgency, requesting_state and requested_state (state
// names in the recipient's language) and link ("{public_url}/requests/{id}"). Callers add the
// template's own parameters.
notify::EmailNotification RequestMail(const CooperationRequest& r, const std::string& template_name,
                                      const MailRecipient& to, const std::string& public_url);

}  // namespace liaison::requests::internal
