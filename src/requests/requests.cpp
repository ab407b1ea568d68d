#include "requests/requests.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "core/countries.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "core/vocabulary.hpp"
#include "notify/outbox.hpp"
#include "requests/receipts.hpp"
#include "requests/request_records.hpp"
#include "security/accounts.hpp"

namespace liaison::requests {
namespace {

using store::Params;
using store::Transaction;
using store::TxMode;

constexpr int kMaxPageSize = 500;
constexpr std::size_t kMaxNoteLength = 10000;

const Names<RequestStatus>& StatusNames() {
  static const Names<RequestStatus> names = {{RequestStatus::kDraft, "draft"},
                                             {RequestStatus::kSubmitted, "submitted"},
                                             {RequestStatus::kAcknowledged, "acknowledged"},
                                             {RequestStatus::kInProgress, "in_progress"},
                                             {RequestStatus::kAnswered, "answered"},
                                             {RequestStatus::kClosed, "closed"},
                                             {RequestStatus::kDeclined, "declined"},
                                             {RequestStatus::kRedirected, "redirected"},
                                             {RequestStatus::kWithdrawn, "withdrawn"}};
  return names;
}

const Names<Transition>& TransitionNames() {
  static const Names<Transition> names = {
      {Transition::kSubmit, "submit"},     {Transition::kAcknowledge, "acknowledge"},
      {Transition::kStart, "start"},       {Transition::kAnswer, "answer"},
      {Transition::kClose, "close"},       {Transition::kDecline, "decline"},
      {Transition::kRedirect, "redirect"}, {Transition::kWithdraw, "withdraw"}};
  return names;
}

const Names<DeclineReason>& DeclineReasonNames() {
  static const Names<DeclineReason> names = {
      {DeclineReason::kInsufficientInformation, "insufficient_information"},
      {DeclineReason::kOutsideMandate, "outside_mandate"},
      {DeclineReason::kLegalImpediment, "legal_impediment"},
      {DeclineReason::kDuplicate, "duplicate"},
      {DeclineReason::kLackOfResources, "lack_of_resources"},
      {DeclineReason::kOther, "other"}};
  return names;
}

const Names<Outcome>& OutcomeNames() {
  static const Names<Outcome> names = {
      {Outcome::kMitigated, "mitigated"},
      {Outcome::kPartiallyMitigated, "partially_mitigated"},
      {Outcome::kCouldNotBeMitigated, "could_not_be_mitigated"},
      {Outcome::kNoMaliciousActivityFound, "no_malicious_activity_found"},
      {Outcome::kNotWithinJurisdiction, "not_within_jurisdiction"}};
  return names;
}

// Which side may apply a transition, and from which statuses to which.
struct TransitionRule {
  Transition transition;
  security::Action side;  // kRequestAct (requester) or kRequestRespond (requested state).
  std::vector<RequestStatus> from;
  RequestStatus to;
};

const std::vector<TransitionRule>& Rules() {
  using S = RequestStatus;
  using security::Action;
  static const std::vector<TransitionRule> rules = {
      {Transition::kSubmit, Action::kRequestAct, {S::kDraft}, S::kSubmitted},
      {Transition::kAcknowledge, Action::kRequestRespond, {S::kSubmitted}, S::kAcknowledged},
      {Transition::kStart, Action::kRequestRespond, {S::kAcknowledged}, S::kInProgress},
      {Transition::kAnswer,
       Action::kRequestRespond,
       {S::kAcknowledged, S::kInProgress},
       S::kAnswered},
      {Transition::kClose, Action::kRequestAct, {S::kAnswered}, S::kClosed},
      {Transition::kDecline,
       Action::kRequestRespond,
       {S::kSubmitted, S::kAcknowledged, S::kInProgress},
       S::kDeclined},
      {Transition::kRedirect,
       Action::kRequestRespond,
       {S::kSubmitted, S::kAcknowledged, S::kInProgress},
       S::kRedirected},
      {Transition::kWithdraw,
       Action::kRequestAct,
       {S::kSubmitted, S::kAcknowledged, S::kInProgress},
       S::kWithdrawn},
  };
  return rules;
}

const TransitionRule& RuleFor(Transition t) {
  for (const auto& rule : Rules()) {
    if (rule.transition == t) return rule;
  }
  LIAISON_CHECK(false);
  return Rules().front();
}

Status CheckNote(const std::string& note, const std::string& field) {
  return json::CheckText(note, kMaxNoteLength, field);
}

// Checks the inputs a transition needs, before anything is loaded.
Status ValidateTransitionInput(const TransitionInput& in, const std::string& requesting_state,
                               const std::string& requested_state) {
  RETURN_IF_ERROR(CheckNote(in.note, "note"));
  auto unexpected = [](bool present, const char* field) -> Status {
    if (present)
      return Error::InvalidArgument("not for this transition", field, "unexpected_field");
    return OkStatus();
  };
  RETURN_IF_ERROR(unexpected(in.outcome && in.transition != Transition::kAnswer, "outcome"));
  RETURN_IF_ERROR(
      unexpected(in.decline_reason && in.transition != Transition::kDecline, "decline_reason"));
  RETURN_IF_ERROR(unexpected(!in.redirect_state.empty() && in.transition != Transition::kRedirect,
                             "redirect_state"));
  RETURN_IF_ERROR(unexpected(in.helpful && in.transition != Transition::kClose, "helpful"));
  switch (in.transition) {
    case Transition::kAnswer:
      if (!in.outcome) return Error::InvalidArgument("is required", "outcome", "required");
      if (Trim(in.note).empty()) {
        return Error::InvalidArgument("say what was done", "note", "required");
      }
      break;
    case Transition::kDecline:
      if (!in.decline_reason) {
        return Error::InvalidArgument("is required", "decline_reason", "required");
      }
      if (*in.decline_reason == DeclineReason::kOther && Trim(in.note).empty()) {
        return Error::InvalidArgument("explain the reason \"other\"", "note", "required");
      }
      break;
    case Transition::kRedirect:
      if (in.redirect_state.empty()) {
        return Error::InvalidArgument("is required", "redirect_state", "required");
      }
      if (!IsParticipatingState(in.redirect_state)) {
        return Error::InvalidArgument("not a UN member or observer state (alpha-2, upper case)",
                                      "redirect_state", "unknown_state");
      }
      if (!requested_state.empty() &&
          (in.redirect_state == requested_state || in.redirect_state == requesting_state)) {
        return Error::InvalidArgument("redirect to a third state", "redirect_state",
                                      "invalid_state");
      }
      if (Trim(in.note).empty()) {
        return Error::InvalidArgument("give the reason for the redirect", "note", "required");
      }
      break;
    case Transition::kClose:
      if (in.helpful && (*in.helpful < 1 || *in.helpful > 5)) {
        return Error::InvalidArgument("must be between 1 and 5", "helpful", "out_of_range");
      }
      break;
    default:
      break;
  }
  return OkStatus();
}

Status ValidateState(const std::string& requested_state, const security::Principal& actor) {
  if (requested_state.empty()) {
    return Error::InvalidArgument("is required", "requested_state", "required");
  }
  if (!IsParticipatingState(requested_state)) {
    return Error::InvalidArgument("not a UN member or observer state (alpha-2, upper case)",
                                  "requested_state", "unknown_state");
  }
  if (!actor.is_system() && requested_state == actor.state) {
    return Error::InvalidArgument("a request goes to another state", "requested_state",
                                  "own_state");
  }
  return OkStatus();
}

// The "attachments" parameter of a new request's e-mail: "-" when there is none, else their
// number and, when the e-mail may carry content, one line per file with its name and size.
std::string AttachmentsText(const std::vector<Attachment>& attachments, bool with_names) {
  if (attachments.empty()) return "-";
  std::string out = std::to_string(attachments.size());
  if (!with_names) return out;
  for (const auto& a : attachments) {
    out += "\n  - " + a.filename + " (" + std::to_string(a.size) + " B, " + a.media_type + ")";
  }
  return out;
}

// The e-mail "request.new" (with subject and description) or "request.new_restricted" (without)
// to every address of `contact`. Content above TLP:GREEN goes only encrypted to the contact's key.
// Both say how many files are attached; only the first names them.
Status QueueNewRequestMail(Transaction& tx, const CooperationRequest& r,
                           const directory::PointOfContact& contact,
                           const std::vector<Attachment>& attachments,
                           const RequestSettings& settings, TimePoint now) {
  const RequestContent& content = *r.content;
  const bool may_carry_content = content.tlp <= Tlp::kGreen || !contact.openpgp_key.empty();
  const std::string language = directory::PreferredUnLanguage(contact);
  for (const auto& address : contact.emails) {
    notify::EmailNotification email = internal::RequestMail(
        r, may_carry_content ? "request.new" : "request.new_restricted",
        {contact.name, address, language, contact.openpgp_key}, settings.public_url);
    email.params["tlp"] = std::string(TlpName(content.tlp));
    email.params["acknowledge_by"] =
        r.acknowledge_due_at ? FormatRfc3339(*r.acknowledge_due_at) : std::string();
    email.params["attachments"] = AttachmentsText(attachments, may_carry_content);
    if (may_carry_content) {
      email.params["subject"] = content.subject;
      email.params["description"] = content.description;
    }
    ASSIGN_OR_RETURN(auto id, notify::EnqueueEmail(tx, email, now));
    (void)id;
  }
  return OkStatus();
}

// Routes a request being submitted to the requested state's contacts of the level for its type
// (or its policy contacts when it has none), records them and e-mails them. failed_precondition
// "no_contacts" when the state has no contact at either level.
Result<Routing> Route(Transaction& tx, CooperationRequest& r, const RequestSettings& settings,
                      TimePoint now) {
  Routing routing;
  routing.level = RoutingLevel(r.type);
  ASSIGN_OR_RETURN(auto contacts, directory::ContactsOfState(tx, r.requested_state, routing.level));
  if (contacts.empty() && routing.level != directory::ContactLevel::kPolicy) {
    routing.fell_back_to_policy = true;
    routing.level = directory::ContactLevel::kPolicy;
    ASSIGN_OR_RETURN(contacts, directory::ContactsOfState(tx, r.requested_state, routing.level));
  }
  if (contacts.empty()) {
    return Error::FailedPrecondition(
        r.requested_state + " has no point of contact on this node to send the request to",
        "no_contacts");
  }
  // The primary contacts of the level receive the request; backups are kept for escalation,
  // unless the level has no primary contact. Among them, those that missed their reachability
  // checks are left out unless no other is left.
  auto keep_if = [&contacts](auto predicate) {
    std::vector<directory::PointOfContact> kept;
    std::copy_if(contacts.begin(), contacts.end(), std::back_inserter(kept), predicate);
    if (!kept.empty()) contacts = std::move(kept);
  };
  keep_if([](const directory::PointOfContact& c) {
    return c.role == directory::ContactRole::kPrimary;
  });
  keep_if([](const directory::PointOfContact& c) { return !c.stale; });
  routing.contacts = static_cast<std::int64_t>(contacts.size());
  r.routing = routing;
  // A draft's attachments go out with it (a new request or a redirected copy has none).
  ASSIGN_OR_RETURN(auto attachments, internal::LoadAttachments(tx, r.id));
  for (const auto& contact : contacts) {
    RETURN_IF_ERROR(internal::AddRecipient(tx, r.id, contact, "routed", now));
    RETURN_IF_ERROR(QueueNewRequestMail(tx, r, contact, attachments, settings, now));
  }
  return routing;
}

// Submits `r` (a draft, or a new copy when redirecting): deadlines, routing and e-mails.
Status Submit(Transaction& tx, CooperationRequest& r, const RequestSettings& settings,
              TimePoint now) {
  r.status = RequestStatus::kSubmitted;
  r.submitted_at = now;
  r.acknowledge_due_at = now + settings.AcknowledgeWithin(r.urgency);
  r.answer_due_at = now + settings.AnswerWithin(r.urgency);
  ASSIGN_OR_RETURN(Routing routing, Route(tx, r, settings, now));
  (void)routing;
  return OkStatus();
}

// What the "request.submitted" webhook event carries besides the request: its attachments.
Result<boost::json::object> SubmittedExtra(Transaction& tx, const CooperationRequest& r) {
  ASSIGN_OR_RETURN(auto attachments, internal::LoadAttachments(tx, r.id));
  boost::json::array items;
  for (const auto& a : attachments) items.push_back(AttachmentJson(a));
  return boost::json::object{{"attachments", std::move(items)}};
}

// The timeline's metadata for a submission: where the request was routed.
boost::json::object SubmittedInfo(const CooperationRequest& r) {
  boost::json::object info;
  if (r.routing) {
    info["level"] = directory::ContactLevelName(r.routing->level);
    info["fell_back_to_policy"] = r.routing->fell_back_to_policy;
    info["contacts"] = r.routing->contacts;
  }
  return info;
}

Result<CooperationRequest> LoadForChange(Transaction& tx, const security::Principal& actor,
                                         const std::string& id) {
  ASSIGN_OR_RETURN(auto found, internal::LoadRequest(tx, id));
  if (!found) return Error::NotFound("no request " + id);
  RETURN_IF_ERROR(
      security::Authorize(actor, security::Action::kRequestRead, RequestResource(*found)));
  return std::move(*found);
}

Status CheckVersion(const CooperationRequest& r, std::int64_t expected_version) {
  if (r.version != expected_version) {
    return Error::FailedPrecondition("the request is at version " + std::to_string(r.version) +
                                         ", not " + std::to_string(expected_version),
                                     "stale_version");
  }
  return OkStatus();
}

// "request.update" to the requester's sender, or to every contact the request was routed to.
Status QueueUpdateMail(Transaction& tx, const CooperationRequest& r, bool to_requester,
                       const RequestSettings& settings, TimePoint now) {
  std::vector<internal::MailRecipient> recipients;
  if (to_requester) {
    ASSIGN_OR_RETURN(auto sender, internal::SenderRecipient(tx, r));
    if (sender) recipients.push_back(std::move(*sender));
  } else {
    ASSIGN_OR_RETURN(auto contacts, internal::RoutedContacts(tx, r));
    recipients = internal::MailRecipientsOf(contacts);
  }
  for (const auto& to : recipients) {
    notify::EmailNotification email =
        internal::RequestMail(r, "request.update", to, settings.public_url);
    email.params["status"] = std::string(RequestStatusName(r.status));
    ASSIGN_OR_RETURN(auto id, notify::EnqueueEmail(tx, email, now));
    (void)id;
  }
  return OkStatus();
}

// What a transition puts in the timeline's content column.
std::string TransitionDetail(const TransitionInput& in) {
  boost::json::object detail;
  if (!in.note.empty()) detail["note"] = in.note;
  if (in.outcome) detail["outcome"] = OutcomeName(*in.outcome);
  if (in.decline_reason) detail["decline_reason"] = DeclineReasonName(*in.decline_reason);
  if (!in.redirect_state.empty()) detail["redirect_state"] = in.redirect_state;
  if (in.helpful) detail["helpful"] = *in.helpful;
  return detail.empty() ? std::string() : json::Serialize(detail);
}

// A receipt for `event` of `r` when the settings carry the node's signer.
Status MaybeIssueReceipt(Transaction& tx, const CooperationRequest& r, std::string_view event,
                         const security::Principal& actor, const RequestSettings& settings,
                         TimePoint now) {
  if (settings.signer == nullptr) return OkStatus();
  return IssueReceipt(tx, *settings.signer, r, event, actor, settings.public_url, now);
}

// Creates and submits the copy of `original` addressed to `state`.
Result<CooperationRequest> CreateRedirectCopy(Transaction& tx, const security::Principal& actor,
                                              const CooperationRequest& original,
                                              const std::string& state,
                                              const RequestSettings& settings, TimePoint now) {
  CooperationRequest copy;
  copy.id = NewId("req");
  copy.type = original.type;
  copy.urgency = original.urgency;
  copy.requesting_organization_id = original.requesting_organization_id;
  copy.requesting_state = original.requesting_state;
  copy.sender_account_id = original.sender_account_id;
  copy.requested_state = state;
  copy.content = original.content;
  copy.resolution = Resolution{};
  copy.created_at = now;
  copy.updated_at = now;
  copy.redirected_from = original.id;
  boost::json::object info{{"redirected_from", original.id},
                           {"from_state", original.requested_state}};
  RETURN_IF_ERROR(internal::AppendTimeline(tx, copy.id, "created", actor, std::nullopt,
                                           RequestStatus::kDraft, json::Serialize(info), "", now));
  RETURN_IF_ERROR(Submit(tx, copy, settings, now));
  RETURN_IF_ERROR(internal::InsertRequest(tx, copy));
  RETURN_IF_ERROR(internal::AppendTimeline(tx, copy.id, "submitted", actor, RequestStatus::kDraft,
                                           RequestStatus::kSubmitted,
                                           json::Serialize(SubmittedInfo(copy)), "", now));
  RETURN_IF_ERROR(internal::AuditChange(tx, actor, "request.create", nullptr, copy, now));
  ASSIGN_OR_RETURN(auto extra, SubmittedExtra(tx, copy));
  RETURN_IF_ERROR(internal::AnnounceToParties(tx, copy, "request.submitted", now, extra));
  RETURN_IF_ERROR(MaybeIssueReceipt(tx, copy, "submitted", actor, settings, now));
  return copy;
}

// Reads the required vocabulary member `key` with `parse`.
template <typename E>
Result<E> RequiredName(json::ObjectReader& reader, std::string_view key,
                       std::optional<E> (*parse)(std::string_view)) {
  ASSIGN_OR_RETURN(auto text, reader.RequiredString(key, 64));
  auto value = parse(text);
  if (!value) {
    return Error::InvalidArgument("unknown value '" + text + "'", reader.FieldName(key),
                                  "invalid_" + std::string(key));
  }
  return *value;
}

}  // namespace

std::string_view RequestStatusName(RequestStatus v) { return NameIn(StatusNames(), v); }
std::string_view TransitionName(Transition v) { return NameIn(TransitionNames(), v); }
std::string_view DeclineReasonName(DeclineReason v) { return NameIn(DeclineReasonNames(), v); }
std::string_view OutcomeName(Outcome v) { return NameIn(OutcomeNames(), v); }
std::optional<RequestStatus> ParseRequestStatus(std::string_view n) {
  return ParseIn(StatusNames(), n);
}
std::optional<Transition> ParseTransition(std::string_view n) {
  return ParseIn(TransitionNames(), n);
}
std::optional<DeclineReason> ParseDeclineReason(std::string_view n) {
  return ParseIn(DeclineReasonNames(), n);
}
std::optional<Outcome> ParseOutcome(std::string_view n) { return ParseIn(OutcomeNames(), n); }

directory::ContactLevel RoutingLevel(RequestType type) {
  switch (type) {
    case RequestType::kCriminalCooperation:
      return directory::ContactLevel::kLawEnforcement;
    case RequestType::kInformation:
      return directory::ContactLevel::kPolicy;
    default:
      return directory::ContactLevel::kTechnical;
  }
}

std::chrono::minutes RequestSettings::AcknowledgeWithin(Urgency urgency) const {
  switch (urgency) {
    case Urgency::kCritical:
      return acknowledge_critical;
    case Urgency::kUrgent:
      return acknowledge_urgent;
    case Urgency::kRoutine:
      return acknowledge_routine;
  }
  return acknowledge_routine;
}

std::chrono::minutes RequestSettings::AnswerWithin(Urgency urgency) const {
  switch (urgency) {
    case Urgency::kCritical:
      return answer_critical;
    case Urgency::kUrgent:
      return answer_urgent;
    case Urgency::kRoutine:
      return answer_routine;
  }
  return answer_routine;
}

RequestSettings SettingsFrom(const Config& config) {
  const RequestsConfig& c = config.requests;
  RequestSettings s;
  s.acknowledge_critical = std::chrono::minutes(c.acknowledge_critical_minutes);
  s.acknowledge_urgent = std::chrono::minutes(c.acknowledge_urgent_minutes);
  s.acknowledge_routine = std::chrono::minutes(c.acknowledge_routine_minutes);
  s.answer_critical = std::chrono::minutes(c.answer_critical_minutes);
  s.answer_urgent = std::chrono::minutes(c.answer_urgent_minutes);
  s.answer_routine = std::chrono::minutes(c.answer_routine_minutes);
  s.public_url = config.server.public_url;
  return s;
}

security::Resource RequestResource(const CooperationRequest& r) {
  security::Resource resource;
  resource.audience = security::Audience::kParties;
  resource.owner_organization_id = r.requesting_organization_id;
  resource.owner_state = r.requesting_state;
  if (r.status != RequestStatus::kDraft) resource.party_states = {r.requested_state};
  resource.fitting_roles = FittingRoles(r.type);
  return resource;
}

boost::json::object RequestJson(const CooperationRequest& r) {
  auto time = [](const std::optional<TimePoint>& t) -> boost::json::value {
    if (!t) return nullptr;
    return boost::json::value(FormatRfc3339(*t));
  };
  boost::json::object o;
  o["id"] = r.id;
  o["version"] = r.version;
  o["type"] = RequestTypeName(r.type);
  o["urgency"] = UrgencyName(r.urgency);
  o["status"] = RequestStatusName(r.status);
  o["requesting_state"] = r.requesting_state;
  o["requesting_organization_id"] = r.requesting_organization_id;
  o["requested_state"] = r.requested_state;
  o["created_at"] = FormatRfc3339(r.created_at);
  o["updated_at"] = FormatRfc3339(r.updated_at);
  o["submitted_at"] = time(r.submitted_at);
  o["acknowledged_at"] = time(r.acknowledged_at);
  o["answered_at"] = time(r.answered_at);
  o["finished_at"] = time(r.finished_at);
  o["acknowledge_due_at"] = time(r.acknowledge_due_at);
  o["answer_due_at"] = time(r.answer_due_at);
  o["acknowledge_overdue_at"] = time(r.acknowledge_overdue_at);
  o["answer_overdue_at"] = time(r.answer_overdue_at);
  o["escalation_step"] = r.escalation_step;
  o["redirected_from"] = r.redirected_from.empty() ? boost::json::value(nullptr)
                                                   : boost::json::value(r.redirected_from);
  o["redirected_to"] =
      r.redirected_to.empty() ? boost::json::value(nullptr) : boost::json::value(r.redirected_to);
  o["content_visible"] = r.content_visible();
  if (r.content_visible()) {
    o["sender_account_id"] = r.sender_account_id;
    o["content"] = ContentToJson(*r.content);
    o["resolution"] =
        r.resolution ? internal::ResolutionToJson(*r.resolution) : boost::json::object();
    if (r.routing) {
      o["routing"] = {{"level", directory::ContactLevelName(r.routing->level)},
                      {"fell_back_to_policy", r.routing->fell_back_to_policy},
                      {"contacts", r.routing->contacts}};
    } else {
      o["routing"] = nullptr;
    }
  } else {
    o["sender_account_id"] = nullptr;
    o["content"] = nullptr;
    o["resolution"] = nullptr;
    o["routing"] = nullptr;
  }
  return o;
}

Result<RequestDraft> ParseRequestDraft(json::ObjectReader& reader) {
  RequestDraft draft;
  ASSIGN_OR_RETURN(draft.requested_state, reader.RequiredString("requested_state", 2));
  ASSIGN_OR_RETURN(draft.type, RequiredName(reader, "type", ParseRequestType));
  ASSIGN_OR_RETURN(draft.urgency, RequiredName(reader, "urgency", ParseUrgency));
  ASSIGN_OR_RETURN(draft.content, ParseContent(reader));
  return draft;
}

boost::json::object RequestDraftJson(const RequestDraft& draft) {
  boost::json::object o = ContentToJson(draft.content);
  o["requested_state"] = draft.requested_state;
  o["type"] = RequestTypeName(draft.type);
  o["urgency"] = UrgencyName(draft.urgency);
  return o;
}

namespace internal {

Result<CooperationRequest> NewRequest(const security::Principal& actor, const RequestDraft& draft,
                                      Submission submission, TimePoint now) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to make a request");
  CooperationRequest r;
  r.type = draft.type;
  r.urgency = draft.urgency;
  r.requesting_organization_id = actor.organization_id;
  r.requesting_state = actor.state;
  r.sender_account_id = actor.account_id;
  RETURN_IF_ERROR(security::Authorize(actor, security::Action::kRequestCreate, RequestResource(r)));
  RETURN_IF_ERROR(ValidateState(draft.requested_state, actor));
  r.requested_state = draft.requested_state;
  const Completeness completeness =
      submission == Submission::kSubmitNow ? Completeness::kSubmission : Completeness::kDraft;
  ASSIGN_OR_RETURN(auto content, ValidateContent(draft.type, draft.content, completeness, now));
  r.content = std::move(content);
  r.resolution = Resolution{};
  r.id = NewId("req");
  r.created_at = now;
  r.updated_at = now;
  return r;
}

Status StoreNewRequest(Transaction& tx, const security::Principal& actor, CooperationRequest& r,
                       Submission submission, const RequestSettings& settings, TimePoint now) {
  RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "created", actor, std::nullopt,
                                           RequestStatus::kDraft, "{}", "", now));
  if (submission == Submission::kSubmitNow) {
    RETURN_IF_ERROR(Submit(tx, r, settings, now));
    RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "submitted", actor, RequestStatus::kDraft,
                                             RequestStatus::kSubmitted,
                                             json::Serialize(SubmittedInfo(r)), "", now));
  }
  RETURN_IF_ERROR(internal::InsertRequest(tx, r));
  RETURN_IF_ERROR(internal::AuditChange(tx, actor, "request.create", nullptr, r, now));
  if (submission == Submission::kSubmitNow) {
    ASSIGN_OR_RETURN(auto extra, SubmittedExtra(tx, r));
    RETURN_IF_ERROR(internal::AnnounceToParties(tx, r, "request.submitted", now, extra));
    RETURN_IF_ERROR(MaybeIssueReceipt(tx, r, "submitted", actor, settings, now));
  }
  return OkStatus();
}

}  // namespace internal

Result<CooperationRequest> CreateRequest(store::Database& db, const security::Principal& actor,
                                         const RequestDraft& draft, Submission submission,
                                         const RequestSettings& settings, TimePoint now) {
  ASSIGN_OR_RETURN(CooperationRequest r, internal::NewRequest(actor, draft, submission, now));
  return store::InTransaction(
      db, TxMode::kWrite, [&](Transaction& tx) -> Result<CooperationRequest> {
        RETURN_IF_ERROR(internal::StoreNewRequest(tx, actor, r, submission, settings, now));
        return r;
      });
}

Result<CooperationRequest> GetRequest(store::Database& db, const security::Principal& actor,
                                      const std::string& id) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(auto found, internal::LoadRequest(**tx, id));
  if (!found) return Error::NotFound("no request " + id);
  return internal::ViewFor(actor, std::move(*found));
}

Result<CooperationRequest> UpdateDraft(store::Database& db, const security::Principal& actor,
                                       const std::string& id, const RequestDraft& draft,
                                       std::int64_t expected_version, TimePoint now) {
  return store::InTransaction(
      db, TxMode::kWrite, [&](Transaction& tx) -> Result<CooperationRequest> {
        ASSIGN_OR_RETURN(auto r, LoadForChange(tx, actor, id));
        RETURN_IF_ERROR(
            security::Authorize(actor, security::Action::kRequestAct, RequestResource(r)));
        if (r.status != RequestStatus::kDraft) {
          return Error::FailedPrecondition("only a draft can be edited", "not_a_draft");
        }
        RETURN_IF_ERROR(CheckVersion(r, expected_version));
        CooperationRequest before = r;
        r.type = draft.type;
        // The new type must fit the editor too.
        RETURN_IF_ERROR(
            security::Authorize(actor, security::Action::kRequestCreate, RequestResource(r)));
        RETURN_IF_ERROR(ValidateState(draft.requested_state, actor));
        ASSIGN_OR_RETURN(auto content,
                         ValidateContent(draft.type, draft.content, Completeness::kDraft, now));
        r.requested_state = draft.requested_state;
        r.urgency = draft.urgency;
        r.content = std::move(content);
        r.version += 1;
        r.updated_at = now;
        RETURN_IF_ERROR(internal::UpdateRequest(tx, r, expected_version));
        RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "updated", actor, std::nullopt,
                                                 std::nullopt, "{}", "", now));
        RETURN_IF_ERROR(internal::AuditChange(tx, actor, "request.update", &before, r, now));
        return r;
      });
}

Result<CooperationRequest> ApplyTransition(store::Database& db, const security::Principal& actor,
                                           const std::string& id, const TransitionInput& input,
                                           std::int64_t expected_version,
                                           const RequestSettings& settings, TimePoint now) {
  RETURN_IF_ERROR(ValidateTransitionInput(input, "", ""));
  const TransitionRule& rule = RuleFor(input.transition);
  return store::InTransaction(
      db, TxMode::kWrite, [&](Transaction& tx) -> Result<CooperationRequest> {
        ASSIGN_OR_RETURN(auto r, LoadForChange(tx, actor, id));
        RETURN_IF_ERROR(security::Authorize(actor, rule.side, RequestResource(r)));
        // A stale version is answered first: the caller acted on a state that is gone.
        RETURN_IF_ERROR(CheckVersion(r, expected_version));
        if (std::find(rule.from.begin(), rule.from.end(), r.status) == rule.from.end()) {
          return Error::FailedPrecondition("\"" + std::string(TransitionName(input.transition)) +
                                               "\" is not possible on a request that is " +
                                               std::string(RequestStatusName(r.status)),
                                           "invalid_transition");
        }
        RETURN_IF_ERROR(ValidateTransitionInput(input, r.requesting_state, r.requested_state));
        CooperationRequest before = r;
        const RequestStatus from = r.status;
        Resolution& res = *r.resolution;
        switch (input.transition) {
          case Transition::kSubmit: {
            ASSIGN_OR_RETURN(auto content,
                             ValidateContent(r.type, *r.content, Completeness::kSubmission, now));
            r.content = std::move(content);
            RETURN_IF_ERROR(Submit(tx, r, settings, now));
            break;
          }
          case Transition::kAcknowledge:
            r.acknowledged_at = now;
            break;
          case Transition::kStart:
            break;
          case Transition::kAnswer:
            r.answered_at = now;
            res.outcome = input.outcome;
            res.answer = input.note;
            break;
          case Transition::kClose:
            res.helpful = input.helpful;
            res.feedback = input.note;
            r.finished_at = now;
            break;
          case Transition::kDecline:
            res.decline_reason = input.decline_reason;
            res.decline_text = input.note;
            r.finished_at = now;
            break;
          case Transition::kRedirect: {
            res.redirect_reason = input.note;
            r.finished_at = now;
            ASSIGN_OR_RETURN(auto copy,
                             CreateRedirectCopy(tx, actor, r, input.redirect_state, settings, now));
            r.redirected_to = copy.id;
            break;
          }
          case Transition::kWithdraw:
            res.withdraw_reason = input.note;
            r.finished_at = now;
            break;
        }
        r.status = rule.to;
        r.version += 1;
        r.updated_at = now;
        RETURN_IF_ERROR(internal::UpdateRequest(tx, r, expected_version));
        boost::json::object info;
        if (input.transition == Transition::kSubmit) info = SubmittedInfo(r);
        if (input.transition == Transition::kRedirect) {
          info["redirected_to"] = r.redirected_to;
          info["to_state"] = input.redirect_state;
        }
        RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, std::string(RequestStatusName(rule.to)),
                                                 actor, from, rule.to, json::Serialize(info),
                                                 TransitionDetail(input), now));
        RETURN_IF_ERROR(internal::AuditChange(
            tx, actor, "request." + std::string(TransitionName(input.transition)), &before, r,
            now));
        if (input.transition != Transition::kSubmit) {
          const bool to_requester = rule.side == security::Action::kRequestRespond;
          RETURN_IF_ERROR(QueueUpdateMail(tx, r, to_requester, settings, now));
        }
        boost::json::object extra;
        if (input.transition == Transition::kSubmit) {
          ASSIGN_OR_RETURN(extra, SubmittedExtra(tx, r));
        }
        RETURN_IF_ERROR(internal::AnnounceToParties(
            tx, r, "request." + std::string(RequestStatusName(rule.to)), now, extra));
        if (input.transition == Transition::kSubmit ||
            input.transition == Transition::kAcknowledge ||
            input.transition == Transition::kAnswer) {
          RETURN_IF_ERROR(
              MaybeIssueReceipt(tx, r, RequestStatusName(rule.to), actor, settings, now));
        }
        return r;
      });
}

Result<RequestPage> ListRequests(store::Database& db, const security::Principal& actor,
                                 const RequestFilter& filter) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to list requests");
  const int limit = std::clamp(filter.limit, 1, kMaxPageSize);
  const bool op = actor.HasRole(security::Role::kOperator) || actor.is_system();
  std::string where;
  Params params;
  switch (filter.box) {
    case Box::kOutbox:
      where = "requesting_organization_id = ?";
      params.emplace_back(actor.organization_id);
      if (!filter.state.empty()) {
        where += " AND requested_state = ?";
        params.emplace_back(filter.state);
      }
      break;
    case Box::kInbox:
      if (actor.state.empty()) return RequestPage{};
      where = "requested_state = ? AND status <> 'draft'";
      params.emplace_back(actor.state);
      if (!filter.state.empty()) {
        where += " AND requesting_state = ?";
        params.emplace_back(filter.state);
      }
      break;
    case Box::kAll:
      if (op) {
        where = "(status <> 'draft' OR requesting_organization_id = ?)";
        params.emplace_back(actor.organization_id);
      } else {
        where = "(requesting_organization_id = ? OR (requested_state = ? AND status <> 'draft'))";
        params.emplace_back(actor.organization_id);
        params.emplace_back(actor.state.empty() ? std::string("-") : actor.state);
      }
      if (!filter.state.empty()) {
        where += " AND (requested_state = ? OR requesting_state = ?)";
        params.emplace_back(filter.state);
        params.emplace_back(filter.state);
      }
      break;
  }
  if (filter.status) {
    where += " AND status = ?";
    params.emplace_back(std::string(RequestStatusName(*filter.status)));
  }
  if (filter.type) {
    where += " AND type = ?";
    params.emplace_back(std::string(RequestTypeName(*filter.type)));
  }
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  RequestPage page;
  std::string after = filter.after_id;
  // Rows the policy leaves out (an unfitting role) are skipped; keep reading until the page is
  // full or the table is exhausted.
  while (true) {
    Params batch_params = params;
    batch_params.emplace_back(after);
    batch_params.emplace_back(static_cast<long long>(limit + 1));
    ASSIGN_OR_RETURN(
        store::Rows rows,
        (*tx)->Query(std::string("SELECT ") + internal::kRequestColumns + " FROM requests WHERE " +
                         where + " AND id > ? ORDER BY id LIMIT ?",
                     batch_params));
    for (const auto& row : rows) {
      CooperationRequest r = internal::RequestFromRow(row);
      after = r.id;
      auto view = internal::ViewFor(actor, std::move(r));
      if (!view.has_value()) continue;
      if (static_cast<int>(page.requests.size()) == limit) {
        page.next_cursor = page.requests.back().id;
        return page;
      }
      page.requests.push_back(std::move(*view));
    }
    if (static_cast<int>(rows.size()) <= limit) break;
  }
  return page;
}

Result<std::vector<TimelineEntry>> GetTimeline(store::Database& db,
                                               const security::Principal& actor,
                                               const std::string& id) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(auto found, internal::LoadRequest(**tx, id));
  if (!found) return Error::NotFound("no request " + id);
  ASSIGN_OR_RETURN(auto view, internal::ViewFor(actor, std::move(*found)));
  ASSIGN_OR_RETURN(auto entries, internal::LoadTimeline(**tx, id));
  if (actor.organization_id != view.requesting_organization_id) {
    // The draft's history (edits, files added and removed before submission) stays with its
    // authors: anyone else sees its creation, then what happened from the submission on.
    auto submitted = std::find_if(entries.begin(), entries.end(),
                                  [](const TimelineEntry& e) { return e.kind == "submitted"; });
    entries.erase(std::remove_if(entries.begin(), submitted,
                                 [](const TimelineEntry& e) { return e.kind != "created"; }),
                  submitted);
  }
  if (!view.content_visible()) {
    for (auto& e : entries) e.detail.clear();
  }
  return entries;
}

}  // namespace liaison::requests
