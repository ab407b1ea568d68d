// Reachability ("ping") campaigns: a check that the points of contact in a scope answer. Starting
// one e-mails every contact in scope a personal acknowledgement link; the report shows who
// answered, how fast in wall-clock and in working hours; contacts that miss two closed campaigns
// in a row are marked stale. Functions are thread-safe; each runs in its own transaction.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/countries.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "directory/contacts.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::directory {

// Which contacts a campaign pings.
enum class CampaignScope {
  kAll,            // Every contact of every state.
  kRegionalGroup,  // The contacts of the member states of one UN regional group.
  kStates,         // The contacts of the listed states.
};

enum class CampaignLevel { kPolicy, kTechnical, kBoth };

// How an acknowledgement arrived: the e-mailed link or the API.
enum class AckChannel { kLink, kApi };

std::string_view CampaignScopeName(CampaignScope scope);  // "all", "group", "states"
std::optional<CampaignScope> ParseCampaignScope(std::string_view name);
std::string_view CampaignLevelName(CampaignLevel level);  // "policy", "technical", "both"
std::optional<CampaignLevel> ParseCampaignLevel(std::string_view name);
std::string_view AckChannelName(AckChannel via);  // "link", "api"

// The longest a campaign may run.
inline constexpr std::chrono::hours kMaxCampaignDuration{24 * 60};

struct CampaignInput {
  CampaignScope scope = CampaignScope::kStates;
  RegionalGroup regional_group = RegionalGroup::kNone;  // For kRegionalGroup.
  std::vector<std::string> states;                      // Alpha-2 codes, for kStates.
  CampaignLevel level = CampaignLevel::kBoth;
  TimePoint deadline;  // In the future and at most kMaxCampaignDuration away.
};

// A campaign with its progress.
struct PingCampaign {
  std::string id;               // "png_…"
  std::string organization_id;  // The organisation that started it.
  std::string owner_state;      // Its state for a single-state campaign, else the starter's.
  std::string created_by;       // Account id.
  CampaignScope scope = CampaignScope::kStates;
  RegionalGroup regional_group = RegionalGroup::kNone;
  std::vector<std::string> states;  // The states in scope, resolved at start.
  CampaignLevel level = CampaignLevel::kBoth;
  TimePoint deadline;
  TimePoint created_at;
  std::optional<TimePoint> closed_at;
  std::int64_t targets = 0;        // Contacts pinged.
  std::int64_t acknowledged = 0;   // Contacts that acknowledged.
  std::int64_t emails_queued = 0;  // One per address of each contact.
};

// The policy resource of `campaign`: the parties are the states in scope, the owner the
// organisation that started it.
security::Resource CampaignResource(const PingCampaign& campaign);

// Starts a campaign after Authorize(actor, kCampaignCreate). Operators may choose any scope; any
// other account only its own state (scope kStates with exactly that state), else
// permission_denied. In one transaction it creates a target per contact in scope, each with a
// fresh acknowledgement token of which only a hash is kept, and queues to every address of each
// contact the e-mail "ping.request" in the contact's first UN language, with params
// contact_name, organization, level, state, ack_url ("{public_url}/ack/{token}") and deadline,
// encrypted to the contact's OpenPGP key when it has one. invalid_argument for a deadline in the
// past ("deadline_passed") or too far ("deadline_too_far"), an unknown or repeated state
// ("states[i]") or a missing group ("regional_group"); failed_precondition "no_contacts" when
// the scope holds no contact. Audited ("ping.start").
Result<PingCampaign> StartCampaign(store::Database& db, const security::Principal& actor,
                                   const CampaignInput& input, std::string_view public_url,
                                   TimePoint now);

struct Acknowledgement {
  std::string campaign_id;
  std::string contact_id;
  TimePoint acknowledged_at;  // The first acknowledgement's time.
  bool first = true;          // False when this repeated an earlier acknowledgement.
};

// Records that the holder of `token` answered. Idempotent: a repeat returns the first time.
// not_found for an unknown token; failed_precondition "campaign_closed" after the deadline. A
// stale contact that acknowledges is no longer stale. Audited ("ping.ack").
Result<Acknowledgement> Acknowledge(store::Database& db, std::string_view token, AckChannel via,
                                    TimePoint now);

// Acknowledge() through the API: the token is the credential, as with the link; a signed-in
// caller must also be of the contact's state (or organisation, for a non-state contact).
// not_found when the token is not one of campaign `campaign_id`'s;
// permission_denied for an account of another state; errors of Acknowledge() otherwise.
Result<Acknowledgement> AcknowledgeByCampaign(store::Database& db, const security::Principal& actor,
                                              const std::string& campaign_id,
                                              std::string_view token, TimePoint now);

// The campaign `id` with its counts; not_found when absent or not readable (kCampaignRead).
// What the acknowledgement page shows about a token: whose it is and where the campaign stands.
struct AckTarget {
  std::string campaign_id;
  std::string contact_name;
  std::string organization_name;
  std::string state;
  std::string language;  // The contact's first UN language, for the page.
  TimePoint deadline;
  bool closed = false;  // Past its deadline or closed.
  std::optional<TimePoint> acknowledged_at;
};

// Looks up the acknowledgement `token` without acknowledging. not_found when no target has it.
Result<AckTarget> FindAckTarget(store::Database& db, std::string_view token, TimePoint now);

Result<PingCampaign> GetCampaign(store::Database& db, const security::Principal& actor,
                                 const std::string& id);

struct CampaignFilter {
  std::string after_id;  // Cursor.
  int limit = 100;       // 1..1000; clamped.
};

struct CampaignPage {
  std::vector<PingCampaign> campaigns;  // Ordered by id.
  std::string next_cursor;              // Empty on the last page.
};

// The campaigns `actor` may read (kCampaignRead), with counts.
Result<CampaignPage> ListCampaigns(store::Database& db, const security::Principal& actor,
                                   const CampaignFilter& filter);

// How far a campaign has got.
struct CampaignStatus {
  std::string campaign_id;
  std::int64_t sent = 0;  // Contacts pinged.
  std::int64_t acknowledged = 0;
  std::int64_t emails_queued = 0;
  TimePoint deadline;
  bool closed = false;  // Past its deadline (whether or not CloseDueCampaigns ran yet).
};

// The status of campaign `id` at `now`; errors as for GetCampaign.
Result<CampaignStatus> GetCampaignStatus(store::Database& db, const security::Principal& actor,
                                         const std::string& id, TimePoint now);

// One line of a report: the targets of one state at one level (level unset: all targets).
struct ReportRow {
  std::string state;
  std::optional<ContactLevel> level;
  std::int64_t targets = 0;
  std::int64_t reached_24h = 0;          // Acknowledged within 24 hours of the ping.
  std::int64_t reached_by_deadline = 0;  // Acknowledged at all (acks close at the deadline).
  std::int64_t not_reached = 0;
  // Time to answer over the acknowledged targets; unset when none answered. Working hours are
  // counted in each contact's own zone and hours (wall-clock for 24/7 contacts and for contacts
  // without hours).
  std::optional<double> median_hours;
  std::optional<double> mean_hours;
  std::optional<double> median_working_hours;
  std::optional<double> mean_working_hours;
};

struct CampaignReport {
  PingCampaign campaign;
  std::vector<ReportRow> rows;  // By state, then level (policy before technical).
  ReportRow total;              // state "total", level unset.
  TimePoint generated_at;
};

// The report of campaign `id` as of `now`; errors as for GetCampaign.
Result<CampaignReport> Report(store::Database& db, const security::Principal& actor,
                              const std::string& id, TimePoint now);

// The report as CSV (CRLF line ends): header
// state,level,targets,reached_24h,reached_by_deadline,not_reached,median_hours,mean_hours,
// median_working_hours,mean_working_hours — one line per row, then the "total" line. Hours have
// two decimals; empty when unset.
std::string ReportToCsv(const CampaignReport& report);

struct CloseSummary {
  int campaigns_closed = 0;
  int contacts_marked_stale = 0;
};

// The scheduled job: closes every campaign whose deadline is at or before `now`, in deadline
// order, and marks stale each contact that was a target of, and never acknowledged, its last two
// closed campaigns; for each newly stale contact it queues "ping.stale" to every address of its
// organisation's policy-level contacts (params contact_name, contact_level, organization, state).
// Audited ("ping.close", "contact.stale"). Safe to run concurrently (writes are serialised).
Result<CloseSummary> CloseDueCampaigns(store::Database& db, TimePoint now);

}  // namespace liaison::directory
