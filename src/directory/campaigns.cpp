#include "directory/campaigns.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/vocabulary.hpp"
#include "directory/contact_records.hpp"
#include "directory/working_hours.hpp"
#include "notify/outbox.hpp"
#include "security/organizations.hpp"

namespace liaison::directory {
namespace {

using store::Params;
using store::Transaction;
using store::TxMode;

constexpr int kMaxPageSize = 1000;
constexpr std::size_t kTokenBytes = 32;
constexpr double kMsPerHour = 3600.0 * 1000.0;

// Tokens are stored as BLAKE2b-256 hex: a database leak does not leak working links.
std::string HashToken(std::string_view token) {
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

bool IsOperator(const security::Principal& actor) {
  return actor.is_system() || actor.HasRole(security::Role::kOperator);
}

boost::json::array ToJsonArray(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

std::vector<std::string> StringsFromJson(std::string_view text) {
  std::vector<std::string> out;
  auto parsed = json::Parse(text);
  if (!parsed.has_value() || !parsed->is_array()) return out;
  for (const auto& v : parsed->get_array()) {
    if (v.is_string()) out.emplace_back(v.get_string());
  }
  return out;
}

std::string CampaignJson(const PingCampaign& c) {
  boost::json::object o;
  o["id"] = c.id;
  o["organization_id"] = c.organization_id;
  o["owner_state"] = c.owner_state;
  o["created_by"] = c.created_by;
  o["scope"] = CampaignScopeName(c.scope);
  o["regional_group"] = RegionalGroupName(c.regional_group);
  o["states"] = ToJsonArray(c.states);
  o["level"] = CampaignLevelName(c.level);
  o["deadline"] = FormatRfc3339(c.deadline);
  o["created_at"] = FormatRfc3339(c.created_at);
  if (c.closed_at) o["closed_at"] = FormatRfc3339(*c.closed_at);
  o["targets"] = c.targets;
  return json::Serialize(o);
}

constexpr char kCampaignColumns[] =
    "id, organization_id, owner_state, created_by, scope, regional_group, states, level, "
    "deadline, created_at, closed_at";

PingCampaign CampaignFromRow(const store::Row& row) {
  PingCampaign c;
  c.id = row.Text(0);
  c.organization_id = row.Text(1);
  c.owner_state = row.Text(2);
  c.created_by = row.Text(3);
  c.scope = ParseCampaignScope(row.Text(4)).value_or(CampaignScope::kStates);
  c.regional_group = ParseRegionalGroup(row.Text(5)).value_or(RegionalGroup::kNone);
  c.states = StringsFromJson(row.Text(6));
  c.level = ParseCampaignLevel(row.Text(7)).value_or(CampaignLevel::kBoth);
  c.deadline = FromUnixMillis(row.Int(8));
  c.created_at = FromUnixMillis(row.Int(9));
  if (!row.IsNull(10)) c.closed_at = FromUnixMillis(row.Int(10));
  return c;
}

Status FillCounts(Transaction& tx, PingCampaign& campaign) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT COUNT(*), "
                            "SUM(CASE WHEN acked_at IS NULL THEN 0 ELSE 1 END), "
                            "SUM(emails_queued) FROM ping_targets WHERE campaign_id = ?",
                            {campaign.id}));
  if (!rows.empty()) {
    campaign.targets = rows[0].Int(0);
    campaign.acknowledged = rows[0].Int(1);
    campaign.emails_queued = rows[0].Int(2);
  }
  return OkStatus();
}

Result<std::optional<PingCampaign>> LoadCampaign(Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kCampaignColumns +
                                                  " FROM ping_campaigns WHERE id = ?",
                                              {id}));
  if (rows.empty()) return std::optional<PingCampaign>();
  PingCampaign campaign = CampaignFromRow(rows[0]);
  RETURN_IF_ERROR(FillCounts(tx, campaign));
  return std::optional<PingCampaign>(std::move(campaign));
}

// Loads a campaign that `actor` may read: not_found when absent or hidden.
Result<PingCampaign> LoadReadable(Transaction& tx, const security::Principal& actor,
                                  const std::string& id) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to read campaigns");
  ASSIGN_OR_RETURN(auto found, LoadCampaign(tx, id));
  if (!found) return Error::NotFound("no campaign " + id);
  RETURN_IF_ERROR(
      security::Authorize(actor, security::Action::kCampaignRead, CampaignResource(*found)));
  return std::move(*found);
}

// The states a campaign covers, validated.
Result<std::vector<std::string>> ResolveScope(const CampaignInput& input) {
  std::vector<std::string> states;
  switch (input.scope) {
    case CampaignScope::kAll:
      for (const Country& country : Countries()) {
        if (country.un_status != UnStatus::kNone) states.push_back(country.alpha2);
      }
      break;
    case CampaignScope::kRegionalGroup:
      if (input.regional_group == RegionalGroup::kNone) {
        return Error::InvalidArgument("choose a UN regional group", "regional_group", "required");
      }
      for (const Country& country : Countries()) {
        if (country.un_status == UnStatus::kMember && country.group == input.regional_group) {
          states.push_back(country.alpha2);
        }
      }
      break;
    case CampaignScope::kStates: {
      if (input.states.empty()) {
        return Error::InvalidArgument("list at least one state", "states", "required");
      }
      std::set<std::string> seen;
      for (std::size_t i = 0; i < input.states.size(); ++i) {
        const std::string field = "states[" + std::to_string(i) + "]";
        if (!IsParticipatingState(input.states[i])) {
          return Error::InvalidArgument("not a UN member or observer state (alpha-2, upper case)",
                                        field, "unknown_state");
        }
        if (!seen.insert(input.states[i]).second) {
          return Error::InvalidArgument("listed twice", field, "duplicate");
        }
        states.push_back(input.states[i]);
      }
      std::sort(states.begin(), states.end());
      break;
    }
  }
  return states;
}

// The organisation's name, cached for one transaction.
class OrganizationNames {
 public:
  explicit OrganizationNames(Transaction& tx) : tx_(tx) {}
  Result<std::string> Name(const std::string& id) {
    auto it = names_.find(id);
    if (it != names_.end()) return it->second;
    ASSIGN_OR_RETURN(auto org, security::FindOrganization(tx_, id));
    std::string name = org ? org->name : std::string();
    names_.emplace(id, name);
    return name;
  }

 private:
  Transaction& tx_;
  std::map<std::string, std::string> names_;
};

Status AuditSystem(Transaction& tx, std::string_view account_id, std::string_view organization_id,
                   std::string_view action, std::string_view record_type,
                   const std::string& record_id, const std::string& owner, std::string before,
                   std::string after, TimePoint now) {
  audit::AuditEvent event;
  event.account_id = std::string(account_id);
  event.organization_id = std::string(organization_id);
  event.action = std::string(action);
  event.record_type = std::string(record_type);
  event.record_id = record_id;
  event.owner_organization_id = owner;
  event.before = std::move(before);
  event.after = std::move(after);
  ASSIGN_OR_RETURN(auto entry, audit::Append(tx, event, now));
  (void)entry;
  return OkStatus();
}

// Sets or clears a contact's stale flag; a system change, so the version does not move (an
// editor's If-Match stays valid). Audited and announced. Returns false when nothing changed.
Result<bool> SetStale(Transaction& tx, const std::string& contact_id, bool stale,
                      std::string_view account_id, TimePoint now) {
  ASSIGN_OR_RETURN(auto contact, internal::LoadContact(tx, contact_id));
  if (!contact || contact->stale == stale) return false;
  std::string before = CanonicalContactJson(*contact);
  ASSIGN_OR_RETURN(std::int64_t changed,
                   tx.Execute("UPDATE contacts SET stale = ? WHERE id = ?", {stale, contact_id}));
  if (changed != 1) return false;
  contact->stale = stale;
  RETURN_IF_ERROR(AuditSystem(tx, account_id, "", stale ? "contact.stale" : "contact.unstale",
                              "contact", contact->id, contact->organization_id, before,
                              CanonicalContactJson(*contact), now));
  notify::WebhookEvent hook;
  hook.organization_id = contact->organization_id;
  hook.event_type = stale ? "contact.stale" : "contact.unstale";
  boost::json::object payload;
  payload["event"] = hook.event_type;
  payload["contact_id"] = contact->id;
  payload["organization_id"] = contact->organization_id;
  hook.payload_json = json::Serialize(payload);
  hook.related_type = "contact";
  hook.related_id = contact->id;
  ASSIGN_OR_RETURN(auto queued, notify::EnqueueWebhookEvent(tx, hook, now));
  (void)queued;
  return true;
}

// Tells the policy-level contacts of the stale contact's organisation.
Status QueueStaleNotices(Transaction& tx, const PointOfContact& stale, TimePoint now) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query(std::string("SELECT ") + internal::kContactColumns +
                                " FROM contacts WHERE organization_id = ? AND level = 'policy' "
                                "ORDER BY id",
                            {stale.organization_id}));
  for (const auto& row : rows) {
    PointOfContact recipient = internal::ContactFromRow(row);
    std::string language = internal::FirstUnLanguage(recipient);
    const Country* country = FindCountry(stale.state);
    for (const auto& address : recipient.emails) {
      notify::EmailNotification email;
      email.to = address;
      email.template_name = "ping.stale";
      email.language = language;
      email.params = {{"recipient_name", recipient.name},
                      {"contact_name", stale.name},
                      {"contact_level", std::string(ContactLevelName(stale.level))},
                      {"organization", stale.organization_name},
                      {"state", country ? CountryName(*country, language) : stale.state}};
      email.openpgp_key = recipient.openpgp_key;
      email.related_type = "contact";
      email.related_id = stale.id;
      ASSIGN_OR_RETURN(auto id, notify::EnqueueEmail(tx, email, now));
      (void)id;
    }
  }
  return OkStatus();
}

struct TargetRef {
  std::string id;
  std::string campaign_id;
  std::string contact_id;
  std::string organization_id;
  std::string state;
  std::optional<TimePoint> acked_at;
  TimePoint deadline;
  bool campaign_closed = false;
};

Result<std::optional<TargetRef>> FindTarget(Transaction& tx, std::string_view token) {
  ASSIGN_OR_RETURN(store::Rows rows,
                   tx.Query("SELECT t.id, t.campaign_id, t.contact_id, t.organization_id, "
                            "t.state, t.acked_at, c.deadline, c.closed_at FROM ping_targets t "
                            "JOIN ping_campaigns c ON c.id = t.campaign_id "
                            "WHERE t.token_hash = ?",
                            {HashToken(token)}));
  if (rows.empty()) return std::optional<TargetRef>();
  const auto& row = rows[0];
  TargetRef t;
  t.id = row.Text(0);
  t.campaign_id = row.Text(1);
  t.contact_id = row.Text(2);
  t.organization_id = row.Text(3);
  t.state = row.Text(4);
  if (!row.IsNull(5)) t.acked_at = FromUnixMillis(row.Int(5));
  t.deadline = FromUnixMillis(row.Int(6));
  t.campaign_closed = !row.IsNull(7);
  return std::optional<TargetRef>(std::move(t));
}

Result<Acknowledgement> AcknowledgeTarget(Transaction& tx, const TargetRef& target, AckChannel via,
                                          std::string_view account_id,
                                          std::string_view organization_id, TimePoint now) {
  Acknowledgement ack{target.campaign_id, target.contact_id, now, true};
  if (target.acked_at) {
    ack.acknowledged_at = *target.acked_at;
    ack.first = false;
    return ack;
  }
  if (target.campaign_closed || now > target.deadline) {
    return Error::FailedPrecondition(
        "the campaign closed at its deadline " + FormatRfc3339(target.deadline), "campaign_closed");
  }
  ASSIGN_OR_RETURN(std::int64_t changed,
                   tx.Execute("UPDATE ping_targets SET acked_at = ?, acked_via = ? "
                              "WHERE id = ? AND acked_at IS NULL",
                              {ToUnixMillis(now), std::string(AckChannelName(via)), target.id}));
  if (changed != 1) return Error::Unavailable("the acknowledgement raced another; retry");
  boost::json::object after;
  after["campaign_id"] = target.campaign_id;
  after["contact_id"] = target.contact_id;
  after["acknowledged_at"] = FormatRfc3339(now);
  after["via"] = AckChannelName(via);
  RETURN_IF_ERROR(AuditSystem(tx, account_id, organization_id, "ping.ack", "ping_target", target.id,
                              target.organization_id, "", json::Serialize(after), now));
  ASSIGN_OR_RETURN(bool cleared, SetStale(tx, target.contact_id, false, account_id, now));
  (void)cleared;
  return ack;
}

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

std::optional<double> Mean(const std::vector<double>& values) {
  if (values.empty()) return std::nullopt;
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

struct Answers {
  std::int64_t targets = 0;
  std::int64_t within_24h = 0;
  std::vector<double> hours;
  std::vector<double> working_hours;
};

ReportRow RowFrom(std::string state, std::optional<ContactLevel> level, const Answers& a) {
  ReportRow row;
  row.state = std::move(state);
  row.level = level;
  row.targets = a.targets;
  row.reached_24h = a.within_24h;
  row.reached_by_deadline = static_cast<std::int64_t>(a.hours.size());
  row.not_reached = a.targets - row.reached_by_deadline;
  row.median_hours = Median(a.hours);
  row.mean_hours = Mean(a.hours);
  row.median_working_hours = Median(a.working_hours);
  row.mean_working_hours = Mean(a.working_hours);
  return row;
}

std::string Hours(const std::optional<double>& hours) {
  if (!hours) return "";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", *hours);
  return buffer;
}

}  // namespace

namespace {

const Names<CampaignScope>& CampaignScopeVocabulary() {
  static const Names<CampaignScope> names = {{CampaignScope::kAll, "all"},
                                             {CampaignScope::kRegionalGroup, "group"},
                                             {CampaignScope::kStates, "states"}};
  return names;
}

}  // namespace

std::string_view CampaignScopeName(CampaignScope v) { return NameIn(CampaignScopeVocabulary(), v); }

std::optional<CampaignScope> ParseCampaignScope(std::string_view name) {
  return ParseIn(CampaignScopeVocabulary(), name);
}

namespace {

const Names<CampaignLevel>& CampaignLevelVocabulary() {
  static const Names<CampaignLevel> names = {{CampaignLevel::kPolicy, "policy"},
                                             {CampaignLevel::kTechnical, "technical"},
                                             {CampaignLevel::kBoth, "both"}};
  return names;
}

}  // namespace

std::string_view CampaignLevelName(CampaignLevel v) { return NameIn(CampaignLevelVocabulary(), v); }

std::optional<CampaignLevel> ParseCampaignLevel(std::string_view name) {
  return ParseIn(CampaignLevelVocabulary(), name);
}

std::string_view AckChannelName(AckChannel via) {
  return via == AckChannel::kLink ? "link" : "api";
}

security::Resource CampaignResource(const PingCampaign& campaign) {
  security::Resource resource;
  resource.audience = security::Audience::kParties;
  resource.owner_organization_id = campaign.organization_id;
  resource.owner_state = campaign.owner_state;
  resource.party_states = campaign.states;
  return resource;
}

Result<PingCampaign> StartCampaign(store::Database& db, const security::Principal& actor,
                                   const CampaignInput& input, std::string_view public_url,
                                   TimePoint now) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to start campaigns");
  if (input.deadline <= now) {
    return Error::InvalidArgument("the deadline must be in the future", "deadline",
                                  "deadline_passed");
  }
  if (input.deadline - now > kMaxCampaignDuration) {
    return Error::InvalidArgument("the deadline must be at most 60 days away", "deadline",
                                  "deadline_too_far");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> states, ResolveScope(input));

  PingCampaign campaign;
  campaign.id = NewId("png");
  campaign.organization_id = actor.organization_id;
  campaign.owner_state =
      (input.scope == CampaignScope::kStates && states.size() == 1) ? states.front() : actor.state;
  campaign.created_by = actor.account_id;
  campaign.scope = input.scope;
  campaign.regional_group =
      input.scope == CampaignScope::kRegionalGroup ? input.regional_group : RegionalGroup::kNone;
  campaign.states = states;
  campaign.level = input.level;
  campaign.deadline = input.deadline;
  campaign.created_at = now;
  RETURN_IF_ERROR(
      security::Authorize(actor, security::Action::kCampaignCreate, CampaignResource(campaign)));
  if (!IsOperator(actor) && (input.scope != CampaignScope::kStates || states.size() != 1 ||
                             states.front() != actor.state)) {
    return Error::PermissionDenied("only operators may ping beyond their own state's contacts");
  }
  std::string base_url(public_url);
  while (!base_url.empty() && base_url.back() == '/') base_url.pop_back();

  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<PingCampaign> {
    std::string where;
    Params params;
    if (input.scope == CampaignScope::kAll) {
      where = "state <> ''";
    } else {
      where = "state IN (";
      for (std::size_t i = 0; i < states.size(); ++i) {
        where += i == 0 ? "?" : ", ?";
        params.emplace_back(states[i]);
      }
      where += ")";
    }
    if (input.level != CampaignLevel::kBoth) {
      where += " AND level = ?";
      params.emplace_back(std::string(CampaignLevelName(input.level)));
    }
    ASSIGN_OR_RETURN(store::Rows rows,
                     tx.Query(std::string("SELECT ") + internal::kContactColumns +
                                  " FROM contacts WHERE " + where + " ORDER BY id",
                              params));
    if (rows.empty()) {
      return Error::FailedPrecondition("no contact in the campaign's scope", "no_contacts");
    }
    PingCampaign result = campaign;
    ASSIGN_OR_RETURN(
        std::int64_t inserted,
        tx.Execute("INSERT INTO ping_campaigns (id, organization_id, owner_state, created_by, "
                   "scope, regional_group, states, level, deadline, created_at, closed_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                   {result.id, result.organization_id, result.owner_state, result.created_by,
                    std::string(CampaignScopeName(result.scope)),
                    std::string(RegionalGroupName(result.regional_group)),
                    json::Serialize(ToJsonArray(result.states)),
                    std::string(CampaignLevelName(result.level)), ToUnixMillis(result.deadline),
                    ToUnixMillis(result.created_at)}));
    (void)inserted;

    OrganizationNames organizations(tx);
    std::map<std::string, std::int64_t> contacts_per_org;
    for (const auto& row : rows) {
      PointOfContact contact = internal::ContactFromRow(row);
      ASSIGN_OR_RETURN(contact.organization_name, organizations.Name(contact.organization_id));
      const std::string token = RandomToken(kTokenBytes);
      const std::string language = internal::FirstUnLanguage(contact);
      const Country* country = FindCountry(contact.state);
      ASSIGN_OR_RETURN(
          std::int64_t target_inserted,
          tx.Execute("INSERT INTO ping_targets (id, campaign_id, contact_id, organization_id, "
                     "state, level, time_zone, working_hours, available_24_7, token_hash, "
                     "emails_queued, sent_at, acked_at, acked_via) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
                     {NewId("tgt"), result.id, contact.id, contact.organization_id, contact.state,
                      std::string(ContactLevelName(contact.level)), contact.time_zone,
                      internal::WorkingHoursToJson(contact.working_hours), contact.available_24_7,
                      HashToken(token), static_cast<long long>(contact.emails.size()),
                      ToUnixMillis(now)}));
      (void)target_inserted;
      for (const auto& address : contact.emails) {
        notify::EmailNotification email;
        email.to = address;
        email.template_name = "ping.request";
        email.language = language;
        email.params = {
            {"contact_name", contact.name},
            {"organization", contact.organization_name},
            {"level", std::string(ContactLevelName(contact.level))},
            {"state", country ? CountryName(*country, language) : contact.state},
            {"ack_url", base_url + "/ack/" + token},
            {"deadline", FormatRfc3339(result.deadline)},
        };
        email.openpgp_key = contact.openpgp_key;
        email.related_type = "ping_campaign";
        email.related_id = result.id;
        ASSIGN_OR_RETURN(auto queued, notify::EnqueueEmail(tx, email, now));
        (void)queued;
        ++result.emails_queued;
      }
      ++result.targets;
      ++contacts_per_org[contact.organization_id];
    }
    RETURN_IF_ERROR(AuditSystem(tx, actor.account_id, actor.organization_id, "ping.start",
                                "ping_campaign", result.id, result.organization_id, "",
                                CampaignJson(result), now));
    for (const auto& [organization_id, count] : contacts_per_org) {
      notify::WebhookEvent hook;
      hook.organization_id = organization_id;
      hook.event_type = "ping.started";
      boost::json::object payload;
      payload["event"] = "ping.started";
      payload["campaign_id"] = result.id;
      payload["deadline"] = FormatRfc3339(result.deadline);
      payload["contacts"] = count;
      hook.payload_json = json::Serialize(payload);
      hook.related_type = "ping_campaign";
      hook.related_id = result.id;
      ASSIGN_OR_RETURN(auto queued, notify::EnqueueWebhookEvent(tx, hook, now));
      (void)queued;
    }
    return result;
  });
}

Result<AckTarget> FindAckTarget(store::Database& db, std::string_view token, TimePoint now) {
  return store::InTransaction(db, store::TxMode::kRead, [&](Transaction& tx) -> Result<AckTarget> {
    ASSIGN_OR_RETURN(auto target, FindTarget(tx, token));
    if (!target) return Error::NotFound("no reachability check has this link");
    ASSIGN_OR_RETURN(auto contact, internal::LoadContact(tx, target->contact_id));
    AckTarget out;
    out.campaign_id = target->campaign_id;
    out.state = target->state;
    out.deadline = target->deadline;
    out.closed = target->campaign_closed || now > target->deadline;
    out.acknowledged_at = target->acked_at;
    out.language = "en";
    if (contact) {
      out.contact_name = contact->name;
      out.organization_name = contact->organization_name;
      out.language = internal::FirstUnLanguage(*contact);
    }
    return out;
  });
}

Result<Acknowledgement> Acknowledge(store::Database& db, std::string_view token, AckChannel via,
                                    TimePoint now) {
  if (token.empty() || token.size() > 128) return Error::NotFound("unknown acknowledgement link");
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<Acknowledgement> {
    ASSIGN_OR_RETURN(auto target, FindTarget(tx, token));
    if (!target) return Error::NotFound("unknown acknowledgement link");
    return AcknowledgeTarget(tx, *target, via, "anonymous", "", now);
  });
}

Result<Acknowledgement> AcknowledgeByCampaign(store::Database& db, const security::Principal& actor,
                                              const std::string& campaign_id,
                                              std::string_view token, TimePoint now) {
  // The token is the credential, as with the e-mailed link; a signed-in caller must in addition
  // belong to the contact's own state, so that one state cannot confirm for another.
  if (token.empty() || token.size() > 128) return Error::NotFound("unknown acknowledgement token");
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<Acknowledgement> {
    ASSIGN_OR_RETURN(auto target, FindTarget(tx, token));
    if (!target || target->campaign_id != campaign_id) {
      return Error::NotFound("unknown acknowledgement token for campaign " + campaign_id);
    }
    bool same_party = target->state.empty() ? actor.organization_id == target->organization_id
                                            : actor.state == target->state;
    if (!actor.anonymous() && !same_party && !actor.is_system()) {
      return Error::PermissionDenied("only the contact's own state may acknowledge for it");
    }
    return AcknowledgeTarget(tx, *target, AckChannel::kApi,
                             actor.anonymous() ? "anonymous" : actor.account_id,
                             actor.organization_id, now);
  });
}

Result<PingCampaign> GetCampaign(store::Database& db, const security::Principal& actor,
                                 const std::string& id) {
  return store::InTransaction(db, TxMode::kRead,
                              [&](Transaction& tx) { return LoadReadable(tx, actor, id); });
}

Result<CampaignPage> ListCampaigns(store::Database& db, const security::Principal& actor,
                                   const CampaignFilter& filter) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to read campaigns");
  const int limit = std::clamp(filter.limit, 1, kMaxPageSize);
  return store::InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<CampaignPage> {
    CampaignPage page;
    std::string after = filter.after_id;
    const std::string sql = std::string("SELECT ") + kCampaignColumns +
                            " FROM ping_campaigns WHERE id > ? ORDER BY id LIMIT ?";
    while (static_cast<int>(page.campaigns.size()) <= limit) {
      const int want = limit + 1 - static_cast<int>(page.campaigns.size());
      ASSIGN_OR_RETURN(store::Rows rows, tx.Query(sql, {after, want}));
      for (const auto& row : rows) {
        PingCampaign campaign = CampaignFromRow(row);
        after = campaign.id;
        if (!security::Allows(actor, security::Action::kCampaignRead, CampaignResource(campaign))) {
          continue;
        }
        page.campaigns.push_back(std::move(campaign));
      }
      if (static_cast<int>(rows.size()) < want) break;
    }
    if (static_cast<int>(page.campaigns.size()) > limit) {
      page.campaigns.pop_back();
      page.next_cursor = page.campaigns.back().id;
    }
    for (auto& campaign : page.campaigns) RETURN_IF_ERROR(FillCounts(tx, campaign));
    return page;
  });
}

Result<CampaignStatus> GetCampaignStatus(store::Database& db, const security::Principal& actor,
                                         const std::string& id, TimePoint now) {
  ASSIGN_OR_RETURN(PingCampaign campaign, GetCampaign(db, actor, id));
  CampaignStatus status;
  status.campaign_id = campaign.id;
  status.sent = campaign.targets;
  status.acknowledged = campaign.acknowledged;
  status.emails_queued = campaign.emails_queued;
  status.deadline = campaign.deadline;
  status.closed = campaign.closed_at.has_value() || now > campaign.deadline;
  return status;
}

Result<CampaignReport> Report(store::Database& db, const security::Principal& actor,
                              const std::string& id, TimePoint now) {
  return store::InTransaction(db, TxMode::kRead, [&](Transaction& tx) -> Result<CampaignReport> {
    CampaignReport report;
    ASSIGN_OR_RETURN(report.campaign, LoadReadable(tx, actor, id));
    report.generated_at = now;
    ASSIGN_OR_RETURN(store::Rows rows,
                     tx.Query("SELECT state, level, sent_at, acked_at, time_zone, working_hours, "
                              "available_24_7 FROM ping_targets WHERE campaign_id = ? "
                              "ORDER BY state, level",
                              {id}));
    std::map<std::pair<std::string, std::string>, Answers> groups;
    Answers all;
    for (const auto& row : rows) {
      Answers& group = groups[{row.Text(0), row.Text(1)}];
      ++group.targets;
      ++all.targets;
      if (row.IsNull(3)) continue;
      TimePoint sent = FromUnixMillis(row.Int(2));
      TimePoint acked = FromUnixMillis(row.Int(3));
      double hours = static_cast<double>((acked - sent).count()) / kMsPerHour;
      Availability availability{row.Text(4), internal::WorkingHoursFromJson(row.Text(5)),
                                row.Int(6) != 0};
      bool has_hours =
          std::any_of(availability.working_hours.begin(), availability.working_hours.end(),
                      [](const auto& day) { return !day.empty(); });
      double working = (availability.available_24_7 || !has_hours)
                           ? hours
                           : WorkingHoursBetween(availability, sent, acked);
      for (Answers* a : {&group, &all}) {
        if (acked - sent <= std::chrono::hours(24)) ++a->within_24h;
        a->hours.push_back(hours);
        a->working_hours.push_back(working);
      }
    }
    for (const auto& [key, answers] : groups) {
      report.rows.push_back(RowFrom(key.first, ParseContactLevel(key.second), answers));
    }
    report.total = RowFrom("total", std::nullopt, all);
    return report;
  });
}

std::string ReportToCsv(const CampaignReport& report) {
  std::string out =
      "state,level,targets,reached_24h,reached_by_deadline,not_reached,median_hours,mean_hours,"
      "median_working_hours,mean_working_hours\r\n";
  auto line = [&out](const ReportRow& row) {
    out += row.state + "," + (row.level ? std::string(ContactLevelName(*row.level)) : "") + "," +
           std::to_string(row.targets) + "," + std::to_string(row.reached_24h) + "," +
           std::to_string(row.reached_by_deadline) + "," + std::to_string(row.not_reached) + "," +
           Hours(row.median_hours) + "," + Hours(row.mean_hours) + "," +
           Hours(row.median_working_hours) + "," + Hours(row.mean_working_hours) + "\r\n";
  };
  for (const auto& row : report.rows) line(row);
  line(report.total);
  return out;
}

Result<CloseSummary> CloseDueCampaigns(store::Database& db, TimePoint now) {
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<CloseSummary> {
    CloseSummary summary;
    ASSIGN_OR_RETURN(store::Rows due,
                     tx.Query(std::string("SELECT ") + kCampaignColumns +
                                  " FROM ping_campaigns WHERE closed_at IS NULL AND deadline <= ? "
                                  "ORDER BY deadline, id",
                              {ToUnixMillis(now)}));
    for (const auto& row : due) {
      PingCampaign campaign = CampaignFromRow(row);
      std::string before = CampaignJson(campaign);
      ASSIGN_OR_RETURN(std::int64_t changed, tx.Execute("UPDATE ping_campaigns SET closed_at = ? "
                                                        "WHERE id = ? AND closed_at IS NULL",
                                                        {ToUnixMillis(now), campaign.id}));
      if (changed != 1) continue;
      campaign.closed_at = now;
      RETURN_IF_ERROR(FillCounts(tx, campaign));
      RETURN_IF_ERROR(AuditSystem(tx, "system", "", "ping.close", "ping_campaign", campaign.id,
                                  campaign.organization_id, before, CampaignJson(campaign), now));
      ++summary.campaigns_closed;

      ASSIGN_OR_RETURN(store::Rows missed,
                       tx.Query("SELECT DISTINCT contact_id FROM ping_targets "
                                "WHERE campaign_id = ? AND acked_at IS NULL ORDER BY contact_id",
                                {campaign.id}));
      for (const auto& miss : missed) {
        const std::string& contact_id = miss.Text(0);
        ASSIGN_OR_RETURN(store::Rows last_two,
                         tx.Query("SELECT t.acked_at FROM ping_targets t "
                                  "JOIN ping_campaigns c ON c.id = t.campaign_id "
                                  "WHERE t.contact_id = ? AND c.closed_at IS NOT NULL "
                                  "ORDER BY c.deadline DESC, c.id DESC LIMIT 2",
                                  {contact_id}));
        if (last_two.size() < 2 || !last_two[0].IsNull(0) || !last_two[1].IsNull(0)) continue;
        ASSIGN_OR_RETURN(bool marked, SetStale(tx, contact_id, true, "system", now));
        if (!marked) continue;
        ++summary.contacts_marked_stale;
        ASSIGN_OR_RETURN(auto contact, internal::LoadContact(tx, contact_id));
        if (contact) RETURN_IF_ERROR(QueueStaleNotices(tx, *contact, now));
      }
    }
    return summary;
  });
}

}  // namespace liaison::directory
