// The one access policy: may this principal do this action to this record? Every read and write
// of every module asks it. Pure functions; thread-safe.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "security/principal.hpp"

namespace liaison::security {

enum class Action {
  kStateRead,           // Public: which states take part; community: with organisations, contacts.
  kOrganizationRead,
  kOrganizationCreate,
  kOrganizationUpdate,
  kContactRead,
  kContactCreate,
  kContactUpdate,
  kContactDelete,
  kContactExport,
  kCampaignCreate,
  kCampaignRead,        // Status and report.
  kAuditRead,           // An audit entry.
  kAuditVerify,
  kAccountCreate,
  kAccountRead,
  kTokenCreate,         // For oneself.
  kTokenRead,
  kTokenRevoke,
  kWebhookManage,       // An organisation's webhooks.
  kOutboxRead,          // Delivery state of notifications (failed ones, for operators).
  kSigningKeyRotate,    // Replace the node's receipt-signing key.
  kRequestCreate,       // A cooperation request, as a draft or submitted.
  kRequestRead,         // A request's content, timeline details and messages.
  kRequestMetadataRead, // That a request exists: its type, urgency, states, status and timing.
  kRequestAct,          // The requester's transitions: edit a draft, submit, withdraw, close.
  kRequestRespond,      // The requested state's: acknowledge, start, answer, decline, redirect.
  kRequestStatsRead,    // Aggregated responsiveness figures per state.
  kJurisdictionLookup,  // IP, prefix, AS and domain look-ups (community: every account).
  kJurisdictionReport,  // Attribute a feed of observations by state (not observers).
};

// Who a record is visible to.
enum class Audience {
  kPublic,       // Everyone, including anonymous callers.
  kCommunity,    // Every authenticated account of the node.
  kParties,      // The owner organisation and the states in `party_states`.
  kOrganization, // The owner organisation only (and operators where the rules allow).
};

// What the policy needs to know about the record acted on. For create actions it describes the
// record to be created (e.g. the organisation a new contact will belong to).
struct Resource {
  Audience audience = Audience::kCommunity;
  std::string owner_organization_id;
  std::string owner_state;                 // State of the owner organisation, if any.
  std::vector<std::string> party_states;   // For kParties: states that may see it.
  std::string subject_account_id;          // For accounts and tokens: whose they are.
  // For requests: the roles that fit the record; when not empty, accounts of the parties hold at
  // least one of them to be in its audience.
  std::set<Role> fitting_roles;
};

enum class Decision {
  kAllow,
  kHidden,     // The caller may not know the record exists: answer 404, leave it out of lists.
  kForbidden,  // The caller may see the record but not do this: answer 403.
  kUnauthenticated,  // Anonymous caller on a non-public record: answer 401.
};

// Decides `action` by `principal` on `resource`. The rules are documented in docs/security.md
// and enumerated by access_policy_test.cpp.
Decision Decide(const Principal& principal, Action action, const Resource& resource);

// Decide() as a Status: OK, not_found, permission_denied or unauthenticated.
Status Authorize(const Principal& principal, Action action, const Resource& resource);

// True when Decide() is kAllow; for filtering lists.
bool Allows(const Principal& principal, Action action, const Resource& resource);

}  // namespace liaison::security
