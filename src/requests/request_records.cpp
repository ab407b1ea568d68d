#include "requests/request_records.hpp"

#include <set>

#include "audit/audit_log.hpp"
#include "core/countries.hpp"
#include "core/json.hpp"
#include "notify/outbox.hpp"
#include "security/accounts.hpp"

namespace liaison::requests::internal {
namespace {

using store::Params;
using store::Transaction;

store::Value OptTime(const std::optional<TimePoint>& t) {
  if (!t) return store::Value();
  return store::Value(ToUnixMillis(*t));
}

std::optional<TimePoint> TimeAt(const store::Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return FromUnixMillis(row.Int(i));
}

Resolution ResolutionFromJson(const std::string& text) {
  Resolution res;
  auto parsed = json::Parse(text);
  if (!parsed.has_value() || !parsed->is_object()) return res;
  const auto& o = parsed->get_object();
  auto str = [&](const char* key) -> std::string {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  if (auto outcome = ParseOutcome(str("outcome"))) res.outcome = outcome;
  res.answer = str("answer");
  if (auto reason = ParseDeclineReason(str("decline_reason"))) res.decline_reason = reason;
  res.decline_text = str("decline_text");
  res.redirect_reason = str("redirect_reason");
  res.withdraw_reason = str("withdraw_reason");
  if (const auto* v = o.if_contains("helpful"); v && v->is_int64()) {
    res.helpful = static_cast<int>(v->get_int64());
  }
  res.feedback = str("feedback");
  return res;
}

RequestContent ContentFromJson(const std::string& text) {
  auto parsed = json::Parse(text);
  if (!parsed.has_value()) return {};
  auto reader = json::ObjectReader::Create(*parsed);
  if (!reader.has_value()) return {};
  auto content = ParseContent(*reader);
  return content.has_value() ? std::move(*content) : RequestContent{};
}

Params RowParams(const CooperationRequest& r) {
  std::optional<std::string> level;
  if (r.routing) level = std::string(directory::ContactLevelName(r.routing->level));
  return {r.id,
          r.version,
          std::string(RequestTypeName(r.type)),
          std::string(UrgencyName(r.urgency)),
          std::string(RequestStatusName(r.status)),
          r.requesting_organization_id,
          r.requesting_state,
          r.sender_account_id,
          r.requested_state,
          std::string(TlpName(r.content ? r.content->tlp : Tlp::kRed)),
          json::Serialize(r.content ? ContentToJson(*r.content) : boost::json::object()),
          json::Serialize(ResolutionToJson(r.resolution.value_or(Resolution{}))),
          level,
          r.routing && r.routing->fell_back_to_policy,
          r.routing ? r.routing->contacts : 0LL,
          ToUnixMillis(r.created_at),
          ToUnixMillis(r.updated_at),
          OptTime(r.submitted_at),
          OptTime(r.acknowledged_at),
          OptTime(r.answered_at),
          OptTime(r.finished_at),
          OptTime(r.acknowledge_due_at),
          OptTime(r.answer_due_at),
          OptTime(r.acknowledge_overdue_at),
          OptTime(r.answer_overdue_at),
          r.escalation_step,
          r.redirected_from,
          r.redirected_to};
}

}  // namespace

const char kRequestColumns[] =
    "id, version, type, urgency, status, requesting_organization_id, requesting_state, "
    "sender_account_id, requested_state, tlp, content, resolution, routed_level, "
    "routing_fallback, routed_contacts, created_at, updated_at, submitted_at, acknowledged_at, "
    "answered_at, finished_at, acknowledge_due_at, answer_due_at, acknowledge_overdue_at, "
    "answer_overdue_at, escalation_step, redirected_from, redirected_to";

CooperationRequest RequestFromRow(const store::Row& row) {
  CooperationRequest r;
  r.id = row.Text(0);
  r.version = row.Int(1);
  r.type = ParseRequestType(row.Text(2)).value_or(RequestType::kInformation);
  r.urgency = ParseUrgency(row.Text(3)).value_or(Urgency::kRoutine);
  r.status = ParseRequestStatus(row.Text(4)).value_or(RequestStatus::kDraft);
  r.requesting_organization_id = row.Text(5);
  r.requesting_state = row.Text(6);
  r.sender_account_id = row.Text(7);
  r.requested_state = row.Text(8);
  r.content = ContentFromJson(row.Text(10));
  r.resolution = ResolutionFromJson(row.Text(11));
  if (!row.IsNull(12)) {
    Routing routing;
    routing.level =
        directory::ParseContactLevel(row.Text(12)).value_or(directory::ContactLevel::kPolicy);
    routing.fell_back_to_policy = row.Int(13) != 0;
    routing.contacts = row.Int(14);
    r.routing = routing;
  }
  r.created_at = FromUnixMillis(row.Int(15));
  r.updated_at = FromUnixMillis(row.Int(16));
  r.submitted_at = TimeAt(row, 17);
  r.acknowledged_at = TimeAt(row, 18);
  r.answered_at = TimeAt(row, 19);
  r.finished_at = TimeAt(row, 20);
  r.acknowledge_due_at = TimeAt(row, 21);
  r.answer_due_at = TimeAt(row, 22);
  r.acknowledge_overdue_at = TimeAt(row, 23);
  r.answer_overdue_at = TimeAt(row, 24);
  r.escalation_step = static_cast<int>(row.Int(25));
  r.redirected_from = row.Text(26);
  r.redirected_to = row.Text(27);
  return r;
}

Result<std::optional<CooperationRequest>> LoadRequest(Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(
      store::Rows rows,
      tx.Query(std::string("SELECT ") + kRequestColumns + " FROM requests WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<CooperationRequest>();
  return std::optional<CooperationRequest>(RequestFromRow(rows[0]));
}

Status InsertRequest(Transaction& tx, const CooperationRequest& r) {
  ASSIGN_OR_RETURN(auto changed,
                   tx.Execute(std::string("INSERT INTO requests (") + kRequestColumns +
                                  ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                                  "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              RowParams(r)));
  (void)changed;
  return OkStatus();
}

Status UpdateRequest(Transaction& tx, const CooperationRequest& r, std::int64_t expected_version) {
  Params params = RowParams(r);
  params.erase(params.begin());  // id goes last, in the WHERE clause.
  params.emplace_back(r.id);
  params.emplace_back(expected_version);
  ASSIGN_OR_RETURN(
      auto changed,
      tx.Execute("UPDATE requests SET version = ?, type = ?, urgency = ?, status = ?, "
                 "requesting_organization_id = ?, requesting_state = ?, sender_account_id = ?, "
                 "requested_state = ?, tlp = ?, content = ?, resolution = ?, routed_level = ?, "
                 "routing_fallback = ?, routed_contacts = ?, created_at = ?, updated_at = ?, "
                 "submitted_at = ?, acknowledged_at = ?, answered_at = ?, finished_at = ?, "
                 "acknowledge_due_at = ?, answer_due_at = ?, acknowledge_overdue_at = ?, "
                 "answer_overdue_at = ?, escalation_step = ?, redirected_from = ?, "
                 "redirected_to = ? WHERE id = ? AND version = ?",
                 params));
  if (changed != 1) {
    return Error::FailedPrecondition("the request changed meanwhile; reload it", "stale_version");
  }
  return OkStatus();
}

Result<CooperationRequest> ViewFor(const security::Principal& actor, CooperationRequest r) {
  const security::Resource resource = RequestResource(r);
  RETURN_IF_ERROR(security::Authorize(actor, security::Action::kRequestMetadataRead, resource));
  if (!security::Allows(actor, security::Action::kRequestRead, resource)) {
    // A draft has not been sent: for anyone but its authors it does not exist yet.
    if (r.status == RequestStatus::kDraft) return Error::NotFound("no request " + r.id);
    r.content.reset();
    r.resolution.reset();
    r.routing.reset();
    r.sender_account_id.clear();
  }
  return r;
}

Status AppendTimeline(Transaction& tx, const std::string& request_id, const std::string& kind,
                      const security::Principal& actor, std::optional<RequestStatus> from,
                      std::optional<RequestStatus> to, const std::string& info,
                      const std::string& detail, TimePoint now) {
  ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT COALESCE(MAX(seq), 0) FROM request_timeline "
                                              "WHERE request_id = ?",
                                              {request_id}));
  const std::int64_t seq = (rows.empty() ? 0 : rows[0].Int(0)) + 1;
  std::optional<std::string> from_name, to_name;
  if (from) from_name = std::string(RequestStatusName(*from));
  if (to) to_name = std::string(RequestStatusName(*to));
  ASSIGN_OR_RETURN(
      auto changed,
      tx.Execute("INSERT INTO request_timeline (request_id, seq, at, kind, "
                 "actor_account_id, actor_organization_id, from_status, to_status, "
                 "info, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {request_id, seq, ToUnixMillis(now), kind, actor.account_id, actor.organization_id,
                  from_name, to_name, info.empty() ? std::string("{}") : info, detail}));
  (void)changed;
  return OkStatus();
}

Result<std::vector<TimelineEntry>> LoadTimeline(Transaction& tx, const std::string& request_id) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT seq, at, kind, actor_account_id, actor_organization_id, "
                            "from_status, to_status, info, detail FROM request_timeline "
                            "WHERE request_id = ? ORDER BY seq",
                            {request_id}));
  std::vector<TimelineEntry> entries;
  for (const auto& row : rows) {
    TimelineEntry e;
    e.seq = row.Int(0);
    e.at = FromUnixMillis(row.Int(1));
    e.kind = row.Text(2);
    e.actor_account_id = row.Text(3);
    e.actor_organization_id = row.Text(4);
    if (!row.IsNull(5)) e.from_status = ParseRequestStatus(row.Text(5));
    if (!row.IsNull(6)) e.to_status = ParseRequestStatus(row.Text(6));
    e.info = row.Text(7);
    e.detail = row.Text(8);
    entries.push_back(std::move(e));
  }
  return entries;
}

Status AuditChange(Transaction& tx, const security::Principal& actor, const std::string& action,
                   const CooperationRequest* before, const CooperationRequest& after,
                   TimePoint now) {
  audit::AuditEvent event;
  event.account_id = actor.account_id;
  event.organization_id = actor.organization_id;
  event.action = action;
  event.record_type = "request";
  event.record_id = after.id;
  event.owner_organization_id = after.requesting_organization_id;
  if (before) event.before = json::Serialize(RequestJson(*before));
  event.after = json::Serialize(RequestJson(after));
  ASSIGN_OR_RETURN(auto entry, audit::Append(tx, event, now));
  (void)entry;
  return OkStatus();
}

namespace {

Status QueueToParties(Transaction& tx, const CooperationRequest& r, const std::string& event_type,
                      const std::string& body, TimePoint now) {
  std::set<std::string> organizations = {r.requesting_organization_id};
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT DISTINCT organization_id FROM request_recipients "
                            "WHERE request_id = ? AND reason = 'routed'",
                            {r.id}));
  for (const auto& row : rows) organizations.insert(row.Text(0));
  for (const auto& organization : organizations) {
    notify::WebhookEvent hook;
    hook.organization_id = organization;
    hook.event_type = event_type;
    hook.payload_json = body;
    hook.related_type = "request";
    hook.related_id = r.id;
    ASSIGN_OR_RETURN(auto queued, notify::EnqueueWebhookEvent(tx, hook, now));
    (void)queued;
  }
  return OkStatus();
}

}  // namespace

Status AnnounceToParties(Transaction& tx, const CooperationRequest& r,
                         const std::string& event_type, TimePoint now,
                         const boost::json::object& extra) {
  boost::json::object payload{
      {"event", event_type}, {"occurred_at", FormatRfc3339(now)}, {"request", RequestJson(r)}};
  for (const auto& member : extra) payload[member.key()] = member.value();
  return QueueToParties(tx, r, event_type, json::Serialize(payload), now);
}

Status AnnounceEvent(Transaction& tx, const CooperationRequest& r, const std::string& event_type,
                     const boost::json::object& info, TimePoint now) {
  boost::json::object payload{
      {"event", event_type}, {"occurred_at", FormatRfc3339(now)}, {"request_id", r.id}};
  for (const auto& member : info) payload[member.key()] = member.value();
  return QueueToParties(tx, r, event_type, json::Serialize(payload), now);
}

Status AuditRecord(Transaction& tx, const security::Principal& actor, const std::string& action,
                   const std::string& record_type, const std::string& record_id,
                   const std::string& owner_organization_id, const std::string& after,
                   TimePoint now) {
  audit::AuditEvent event;
  event.account_id = actor.account_id;
  event.organization_id = actor.organization_id;
  event.action = action;
  event.record_type = record_type;
  event.record_id = record_id;
  event.owner_organization_id = owner_organization_id;
  event.after = after;
  ASSIGN_OR_RETURN(auto entry, audit::Append(tx, event, now));
  (void)entry;
  return OkStatus();
}

Result<bool> AddRecipient(Transaction& tx, const std::string& request_id,
                          const directory::PointOfContact& contact, const std::string& reason,
                          TimePoint now) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT 1 FROM request_recipients WHERE request_id = ? AND "
                            "contact_id = ? AND reason = ?",
                            {request_id, contact.id, reason}));
  if (!rows.empty()) return false;
  ASSIGN_OR_RETURN(
      auto changed,
      tx.Execute("INSERT INTO request_recipients (request_id, contact_id, "
                 "organization_id, reason, notified_at) VALUES (?, ?, ?, ?, ?)",
                 {request_id, contact.id, contact.organization_id, reason, ToUnixMillis(now)}));
  (void)changed;
  return true;
}

Result<std::vector<std::string>> RecipientIds(Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(store::Rows rows, tx.Query("SELECT DISTINCT contact_id FROM request_recipients "
                                              "WHERE request_id = ?",
                                              {id}));
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.Text(0));
  return ids;
}

Result<std::vector<directory::PointOfContact>> RoutedContacts(Transaction& tx,
                                                              const CooperationRequest& r) {
  std::vector<directory::PointOfContact> out;
  if (!r.routing) return out;
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT contact_id FROM request_recipients WHERE request_id = ? AND "
                            "reason = 'routed'",
                            {r.id}));
  std::set<std::string> ids;
  for (const auto& row : rows) ids.insert(row.Text(0));
  ASSIGN_OR_RETURN(auto contacts,
                   directory::ContactsOfState(tx, r.requested_state, r.routing->level));
  for (auto& contact : contacts) {
    if (ids.count(contact.id)) out.push_back(std::move(contact));
  }
  return out;
}

boost::json::object ResolutionToJson(const Resolution& res) {
  boost::json::object o;
  o["outcome"] = res.outcome ? boost::json::value(OutcomeName(*res.outcome)) : nullptr;
  o["answer"] = res.answer;
  o["decline_reason"] =
      res.decline_reason ? boost::json::value(DeclineReasonName(*res.decline_reason)) : nullptr;
  o["decline_text"] = res.decline_text;
  o["redirect_reason"] = res.redirect_reason;
  o["withdraw_reason"] = res.withdraw_reason;
  o["helpful"] = res.helpful ? boost::json::value(*res.helpful) : nullptr;
  o["feedback"] = res.feedback;
  return o;
}

std::vector<MailRecipient> MailRecipientsOf(
    const std::vector<directory::PointOfContact>& contacts) {
  std::vector<MailRecipient> recipients;
  for (const auto& contact : contacts) {
    for (const auto& address : contact.emails) {
      recipients.push_back(
          {contact.name, address, directory::PreferredUnLanguage(contact), contact.openpgp_key});
    }
  }
  return recipients;
}

Result<std::optional<MailRecipient>> SenderRecipient(Transaction& tx, const CooperationRequest& r) {
  ASSIGN_OR_RETURN(auto sender, security::FindAccount(tx, r.sender_account_id));
  if (!sender || sender->disabled) return std::optional<MailRecipient>();
  return std::optional<MailRecipient>(
      MailRecipient{sender->display_name, sender->email, sender->language, ""});
}

std::string StateName(const std::string& alpha2, const std::string& language) {
  const Country* c = FindCountry(alpha2);
  return c ? CountryName(*c, language) : alpha2;
}

notify::EmailNotification RequestMail(const CooperationRequest& r, const std::string& template_name,
                                      const MailRecipient& to, const std::string& public_url) {
  auto country = [&](const std::string& alpha2) { return StateName(alpha2, to.language); };
  std::string base = public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  notify::EmailNotification email;
  email.to = to.address;
  email.template_name = template_name;
  email.language = to.language;
  email.params = {{"recipient_name", to.name},
                  {"request_id", r.id},
                  {"type", std::string(RequestTypeName(r.type))},
                  {"urgency", std::string(UrgencyName(r.urgency))},
                  {"requesting_state", country(r.requesting_state)},
                  {"requested_state", country(r.requested_state)},
                  {"link", base + "/requests/" + r.id}};
  email.openpgp_key = to.openpgp_key;
  email.related_type = "request";
  email.related_id = r.id;
  return email;
}

}  // namespace liaison::requests::internal
