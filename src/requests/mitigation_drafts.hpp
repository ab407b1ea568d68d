// Draft mitigation requests from an attributed observation feed: one draft `mitigation` request
// per state that the feed's addresses were attributed to, from the actor's organisation, with the
// state's distinct addresses as indicators and its share of the feed as evidence. Nothing is
// sent: drafts stay with the sender's organisation until it submits them (requests.hpp).
// Thread-safe; each call runs in one transaction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "jurisdiction/attribution.hpp"
#include "jurisdiction/attribution_output.hpp"
#include "requests/messages.hpp"
#include "requests/request_template.hpp"
#include "requests/requests.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::requests {

// What the sender chooses for every draft of one feed.
struct MitigationDraftOptions {
  Tlp tlp = Tlp::kAmber;
  Urgency urgency = Urgency::kRoutine;
  // Of the six UN languages; empty: the actor's account language. Subject and description are
  // written in it (template data/templates/request.mitigation_draft.<lang>.txt).
  std::string language;
  // Copied into each draft's mitigation.impact. May be empty: the sender then adds it before
  // submitting, as submission requires it.
  std::string impact;
  // The most addresses listed as indicators per draft (the lowest first); the description says
  // how many of how many are listed. Clamped to 1..kMaxIndicators.
  std::size_t max_indicators = kMaxIndicators;
};

// The file of a state's share of the feed attached to its draft.
struct DraftAttachment {
  Attachment attachment;
  std::int64_t rows = 0;        // Observations in the file.
  std::int64_t total_rows = 0;  // The state's observations in the feed.
  // The share was larger than the attachment limit even compressed: the file holds its first
  // `rows` observations only.
  bool truncated() const { return rows < total_rows; }
};

// Where the drafts' attachments come from: the per-state CSV collected while the feed was
// attributed (GroupShareCollector given to Attribute as its GroupOutput), within the node's
// attachment limit.
struct FeedShares {
  jurisdiction::GroupShareCollector* collector = nullptr;  // Null: no attachments.
  std::int64_t max_bytes = 10 << 20;  // [requests] attachment_max_bytes; the collector's limit.
};

// A draft made for one state.
struct MitigationDraft {
  CooperationRequest request;
  std::optional<DraftAttachment> attachment;  // Unset without FeedShares.
  std::int64_t indicators = 0;          // Addresses listed as indicators.
  std::int64_t distinct_addresses = 0;  // The state's distinct addresses in the feed.
  std::int64_t observations = 0;        // The state's observations in the feed.
};

// Why a group of the feed got no draft.
enum class DraftSkip {
  kNoState,    // No state answers (unattributed addresses, disputed or unassigned territory).
  kOwnState,   // The actor's own state.
  kNotOnNode,  // The state has no organisation with a point of contact on this node.
};

// "no_state", "own_state", "not_on_node".
std::string_view DraftSkipName(DraftSkip skip);

struct SkippedGroup {
  std::string group;  // As in the summary: "FR", "no-state-TW", "unattributed".
  std::string state;  // "" for kNoState.
  DraftSkip reason = DraftSkip::kNoState;
  std::int64_t observations = 0;
};

struct MitigationDrafts {
  std::vector<MitigationDraft> drafts;  // In the summary's order (most observations first).
  std::vector<SkippedGroup> skipped;
};

// Whether the group named `group` of an attribution summary may get a draft by `actor`: a
// participating state's group (named by its code) other than the actor's own state. For
// GroupShareCollector's filter, so that no other group's rows are kept.
bool MayGetDraft(const security::Principal& actor, const std::string& group);

// OK when `actor` may create mitigation requests (kRequestCreate); its error otherwise
// (unauthenticated, permission_denied). Lets a caller refuse before attributing a large feed.
Status CheckMayDraftMitigation(const security::Principal& actor);

// Creates the drafts for `summary` by `actor`: every draft or none, with their attachments, in
// one transaction, each audited ("request.create", and "request.attach" for its file) with its
// timeline entries; no e-mail and no webhook event. With `shares`, each draft gets the state's
// share of the feed as an attachment (GroupShare: <state>.csv, or <state>.csv.gz when larger
// than the limit, holding only the first observations when even that is too large), visible to
// the sender's organisation only until it submits the draft; the description names the file
// and how many of the state's observations it holds. Each has
// subject and description in the chosen language, indicators = the state's distinct addresses
// (up to max_indicators), mitigation.evidence = the state's figures (observations, addresses,
// categories, AS numbers, countries, IP data version) and mitigation.observed_from/to =
// activity_started_at = the state's window when the feed had a time column. Errors: those of
// CheckMayDraftMitigation; invalid_argument (field "language", reason "invalid_language") for a
// language outside the six.
Result<MitigationDrafts> DraftMitigationRequests(store::Database& db,
                                                 const security::Principal& actor,
                                                 const jurisdiction::AttributionSummary& summary,
                                                 const MitigationDraftOptions& options,
                                                 TimePoint now, const FeedShares& shares = {});

}  // namespace liaison::requests
