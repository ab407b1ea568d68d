// Cooperation requests between states: a request made on the standard template
// (request_template.hpp) by an organisation of one state to another state, routed to that
// state's points of contact, and carried through its lifecycle
//   draft → submitted → acknowledged → in_progress → answered → closed
// with declined, redirected and withdrawn on the side. Every change commits in one transaction
// with its audit entry, its timeline entry, its e-mails and its webhook events. Only the two
// parties (with a fitting role) see a request's content; operators see its metadata. Functions
// are thread-safe; each runs in its own transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "directory/contacts.hpp"
#include "requests/request_template.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {
class Signer;
}

namespace liaison::requests {

enum class RequestStatus {
  kDraft,
  kSubmitted,
  kAcknowledged,
  kInProgress,
  kAnswered,
  kClosed,
  kDeclined,
  kRedirected,
  kWithdrawn,
};

// The transitions, named as in POST /api/v1/requests/{id}/{transition}.
enum class Transition {
  kSubmit,       // Requester: draft → submitted.
  kAcknowledge,  // Requested state: submitted → acknowledged.
  kStart,        // Requested state: acknowledged → in_progress.
  kAnswer,       // Requested state: acknowledged | in_progress → answered.
  kClose,        // Requester: answered → closed.
  kDecline,      // Requested state: submitted | acknowledged | in_progress → declined.
  kRedirect,     // Requested state: submitted | acknowledged | in_progress → redirected.
  kWithdraw,     // Requester: submitted | acknowledged | in_progress → withdrawn.
};

// Why a requested state declines (documented in docs/user-guide.md).
enum class DeclineReason {
  kInsufficientInformation,
  kOutsideMandate,
  kLegalImpediment,
  kDuplicate,
  kLackOfResources,
  kOther,
};

// What the answer reports.
enum class Outcome {
  kMitigated,
  kPartiallyMitigated,
  kCouldNotBeMitigated,
  kNoMaliciousActivityFound,
  kNotWithinJurisdiction,
};

// "draft", "in_progress", "acknowledge", "insufficient_information", "could_not_be_mitigated", …
std::string_view RequestStatusName(RequestStatus v);
std::string_view TransitionName(Transition v);
std::string_view DeclineReasonName(DeclineReason v);
std::string_view OutcomeName(Outcome v);
std::optional<RequestStatus> ParseRequestStatus(std::string_view name);
std::optional<Transition> ParseTransition(std::string_view name);
std::optional<DeclineReason> ParseDeclineReason(std::string_view name);
std::optional<Outcome> ParseOutcome(std::string_view name);

// The contact level a request of `type` is routed to: law_enforcement for criminal cooperation,
// policy for information, technical otherwise. A request goes to the requested state's primary
// contacts of that level (its backups when it has no primary one) that are not stale (all of
// them when every one is stale); escalation reaches the backups (deadlines.hpp).
directory::ContactLevel RoutingLevel(RequestType type);

// Per-node settings: deadlines per urgency and the public URL used in links.
struct RequestSettings {
  std::chrono::minutes acknowledge_critical{120};
  std::chrono::minutes acknowledge_urgent{24 * 60};
  std::chrono::minutes acknowledge_routine{72 * 60};
  std::chrono::minutes answer_critical{24 * 60};
  std::chrono::minutes answer_urgent{72 * 60};
  std::chrono::minutes answer_routine{14 * 24 * 60};
  std::string public_url = "http://127.0.0.1:8080";
  // Signs the receipts of submissions, acknowledgements and answers (receipts.hpp). `liaison
  // serve` and the CLI always set it; without it (some unit tests) no receipt is issued.
  const security::Signer* signer = nullptr;

  std::chrono::minutes AcknowledgeWithin(Urgency urgency) const;
  std::chrono::minutes AnswerWithin(Urgency urgency) const;
};

// The settings of `config` ([requests] and server.public_url).
RequestSettings SettingsFrom(const Config& config);

// How a request ended up with the contacts it was sent to.
struct Routing {
  directory::ContactLevel level = directory::ContactLevel::kTechnical;  // Level reached.
  // True when the state had no contact of the level for the type and the request went to its
  // policy contacts instead; the sender is told so.
  bool fell_back_to_policy = false;
  std::int64_t contacts = 0;  // Contacts the request was sent to.
};

// What the requested state and the requester said as the request moved on.
struct Resolution {
  std::optional<Outcome> outcome;  // answer
  std::string answer;              // answer: what was done.
  std::optional<DeclineReason> decline_reason;
  std::string decline_text;
  std::string redirect_reason;
  std::string withdraw_reason;
  std::optional<int> helpful;  // close: 1..5
  std::string feedback;        // close
};

// A stored request. `content` and `resolution` are unset for a viewer who may see only metadata
// (operators).
struct CooperationRequest {
  std::string id;  // "req_…"
  std::int64_t version = 1;
  RequestType type = RequestType::kMitigation;
  Urgency urgency = Urgency::kRoutine;
  RequestStatus status = RequestStatus::kDraft;
  std::string requesting_organization_id;
  std::string requesting_state;
  std::string sender_account_id;
  std::string requested_state;
  std::optional<RequestContent> content;
  std::optional<Resolution> resolution;
  std::optional<Routing> routing;  // Set once submitted.
  TimePoint created_at;
  TimePoint updated_at;
  std::optional<TimePoint> submitted_at;
  std::optional<TimePoint> acknowledged_at;
  std::optional<TimePoint> answered_at;
  std::optional<TimePoint> finished_at;  // closed, declined, redirected or withdrawn.
  std::optional<TimePoint> acknowledge_due_at;
  std::optional<TimePoint> answer_due_at;
  std::optional<TimePoint> acknowledge_overdue_at;  // Marked by RunDeadlines.
  std::optional<TimePoint> answer_overdue_at;
  int escalation_step = 0;      // 0 none, 1 backup technical, 2 policy, 3 operator.
  std::string redirected_from;  // The request this one was redirected from.
  std::string redirected_to;    // The request created by redirecting this one.

  bool content_visible() const { return content.has_value(); }
};

// The policy resource of `request`: parties audience, owned by the requesting organisation, the
// requested state as party state once submitted, and the fitting roles of its type.
security::Resource RequestResource(const CooperationRequest& request);

// The canonical JSON of `request` (fixed key order) that audit entries digest, webhooks carry
// and the API returns; content, resolution and routing detail are null when not visible.
boost::json::object RequestJson(const CooperationRequest& request);

// A new request: the requested state, type, urgency and content. The requester is the actor.
struct RequestDraft {
  std::string requested_state;
  RequestType type = RequestType::kMitigation;
  Urgency urgency = Urgency::kRoutine;
  RequestContent content;
};

// Reads "requested_state", "type" and "urgency" and the content members (ParseContent) from the
// JSON object read by `reader`, marking them read; the caller rejects unknown members. A
// missing or unknown value is invalid_argument naming the field.
Result<RequestDraft> ParseRequestDraft(json::ObjectReader& reader);

// The JSON members of `draft`, as ParseRequestDraft reads them.
boost::json::object RequestDraftJson(const RequestDraft& draft);

enum class Submission { kSaveAsDraft, kSubmitNow };

// Creates a request by `actor` (Authorize kRequestCreate: a state organisation's account with a
// fitting role), as a draft or submitted at once. invalid_argument from ValidateContent or with
// field "requested_state" (reason "unknown_state", or "own_state" for the actor's own state);
// permission_denied/unauthenticated from the policy; on submission failed_precondition
// "no_contacts" when the requested state has no point of contact at all. Audited
// ("request.create", "request.submit"); submission routes and notifies as Transition kSubmit.
Result<CooperationRequest> CreateRequest(store::Database& db, const security::Principal& actor,
                                         const RequestDraft& draft, Submission submission,
                                         const RequestSettings& settings, TimePoint now);

// The request `id` as `actor` may see it: with content for its parties, metadata only for
// operators; not_found for everyone else and for drafts of other organisations.
Result<CooperationRequest> GetRequest(store::Database& db, const security::Principal& actor,
                                      const std::string& id);

// Replaces a draft's state, type, urgency and content when `expected_version` is current.
// not_found as for GetRequest; permission_denied for the requested side; failed_precondition
// "not_a_draft" once submitted and "stale_version" for an old version; invalid_argument from
// validation. Audited ("request.update").
Result<CooperationRequest> UpdateDraft(store::Database& db, const security::Principal& actor,
                                       const std::string& id, const RequestDraft& draft,
                                       std::int64_t expected_version, TimePoint now);

// What a transition carries.
struct TransitionInput {
  Transition transition = Transition::kAcknowledge;
  std::string note;  // answer: what was done (required); decline: details; redirect: the
                     // reason (required); withdraw: the reason; close: feedback; others: a note.
  std::optional<Outcome> outcome;               // answer (required).
  std::optional<DeclineReason> decline_reason;  // decline (required; "other" needs a note).
  std::string redirect_state;                   // redirect (required).
  std::optional<int> helpful;                   // close: 1..5.
};

// Applies `input` to request `id` when `expected_version` is current, incrementing it; exactly one
// of concurrent transitions from one version succeeds. not_found when `actor` may not see the
// request; permission_denied when it is not that party's transition (kRequestAct for the
// requester's, kRequestRespond for the requested state's); failed_precondition with reason
// "invalid_transition" when the status does not allow it and "stale_version" for an old version;
// invalid_argument for missing or malformed inputs (field "outcome", "note", "decline_reason",
// "redirect_state", "helpful"). In one transaction: the change, its audit entry
// ("request.<transition>"), its timeline entry, e-mail to the other side (request.update; on
// submit request.new to the routed contacts) and webhook events "request.<status>" to both
// parties' organisations. Redirect also creates and submits a copy addressed to the new state.
Result<CooperationRequest> ApplyTransition(store::Database& db, const security::Principal& actor,
                                           const std::string& id, const TransitionInput& input,
                                           std::int64_t expected_version,
                                           const RequestSettings& settings, TimePoint now);

enum class Box {
  kAll,     // Every request the actor may see (operators: metadata of all submitted ones).
  kInbox,   // Sent to the actor's state.
  kOutbox,  // Sent by the actor's organisation (drafts included).
};

struct RequestFilter {
  Box box = Box::kAll;
  std::optional<RequestStatus> status;
  std::optional<RequestType> type;
  std::string state;     // The other party's state (requested state in the outbox, requesting
                         // state in the inbox, either in kAll).
  std::string after_id;  // Cursor.
  int limit = 50;        // 1..500; clamped.
};

struct RequestPage {
  std::vector<CooperationRequest> requests;  // Ordered by id.
  std::string next_cursor;                   // Empty on the last page.
};

// The requests matching `filter` that `actor` may see (kRequestMetadataRead), with content when
// it may read it. Others are left out, never counted. unauthenticated for anonymous callers.
Result<RequestPage> ListRequests(store::Database& db, const security::Principal& actor,
                                 const RequestFilter& filter);

// One entry of a request's history.
struct TimelineEntry {
  std::int64_t seq = 0;  // 1, 2, … per request.
  TimePoint at;
  std::string kind;  // created, updated, submitted, routed, acknowledged, started, answered,
                     // closed, declined, redirected, withdrawn, overdue, escalated, message.
  std::string actor_account_id;  // "system" for the scheduler.
  std::string actor_organization_id;
  std::optional<RequestStatus> from_status;
  std::optional<RequestStatus> to_status;
  std::string info;    // JSON object of metadata (e.g. the escalation basis); always shown.
  std::string detail;  // JSON object of content (notes, answers); empty when not visible.
};

// The timeline of request `id`, oldest first; errors as for GetRequest. Operators get entries
// without `detail`. Outside the requesting organisation, the entries from while it was a draft
// (edits, attachments added and removed) are left out, all but `created`.
Result<std::vector<TimelineEntry>> GetTimeline(store::Database& db,
                                               const security::Principal& actor,
                                               const std::string& id);

}  // namespace liaison::requests
