#include "security/access_policy.hpp"

#include <algorithm>

namespace liaison::security {
namespace {

bool SameOrganization(const Principal& p, const Resource& r) {
  return !r.owner_organization_id.empty() && r.owner_organization_id == p.organization_id;
}

bool Own(const Principal& p, const Resource& r) {
  return !r.subject_account_id.empty() && r.subject_account_id == p.account_id;
}

bool OfStateOrganization(const Principal& p) {
  return p.org_category == OrgCategory::kState && !p.state.empty();
}

bool InPartyState(const Principal& p, const Resource& r) {
  return OfStateOrganization(p) &&
         std::find(r.party_states.begin(), r.party_states.end(), p.state) != r.party_states.end();
}

// Whether the record's audience lets `p` see its contents at all. Operators do not see the
// contents of records between parties; modules show them metadata through their own actions
// (kCampaignRead).
bool InAudience(const Principal& p, const Resource& r) {
  switch (r.audience) {
    case Audience::kPublic:
    case Audience::kCommunity:
      return true;
    case Audience::kParties:
      return SameOrganization(p, r) || InPartyState(p, r);
    case Audience::kOrganization:
      return SameOrganization(p, r) || p.HasRole(Role::kOperator);
  }
  return false;
}

bool HoldsFittingRole(const Principal& p, const Resource& r) {
  if (r.fitting_roles.empty()) return true;
  for (Role role : r.fitting_roles) {
    if (p.HasRole(role)) return true;
  }
  return false;
}

// A request's parties: accounts with a fitting role of the requesting organisation, or of a state
// organisation of the requested state (party_states; empty while the request is a draft).
bool RequestParty(const Principal& p, const Resource& r) {
  return HoldsFittingRole(p, r) && (SameOrganization(p, r) || InPartyState(p, r));
}

bool IsRequestAction(Action action) {
  switch (action) {
    case Action::kRequestRead:
    case Action::kRequestMetadataRead:
    case Action::kRequestAct:
    case Action::kRequestRespond:
      return true;
    default:
      return false;
  }
}

Decision AllowIf(bool allowed, Decision otherwise) {
  return allowed ? Decision::kAllow : otherwise;
}

}  // namespace

Decision Decide(const Principal& principal, Action action, const Resource& resource) {
  const Principal& p = principal;
  const Resource& r = resource;
  if (p.is_system()) return Decision::kAllow;
  if (p.anonymous()) {
    // A request addressed by id answers 404 whoever asks without being a party, so that its
    // existence does not leak.
    if (IsRequestAction(action)) return Decision::kHidden;
    return AllowIf(action == Action::kStateRead && r.audience == Audience::kPublic,
                   Decision::kUnauthenticated);
  }
  const bool op = p.HasRole(Role::kOperator);
  const bool policy = p.HasRole(Role::kPolicy);
  const bool same_org = SameOrganization(p, r);
  switch (action) {
    case Action::kStateRead:
    case Action::kOrganizationRead:
    case Action::kContactRead:
    case Action::kContactExport:
      return AllowIf(InAudience(p, r), Decision::kHidden);
    case Action::kOrganizationCreate:
      return AllowIf(op, Decision::kForbidden);
    case Action::kOrganizationUpdate:
    case Action::kContactCreate:
    case Action::kContactUpdate:
    case Action::kContactDelete:
      // A record outside the caller's audience stays hidden even when it may not change it.
      if (!op && !InAudience(p, r)) return Decision::kHidden;
      return AllowIf(op || (policy && same_org), Decision::kForbidden);
    case Action::kCampaignCreate:
      return AllowIf(op || (policy && OfStateOrganization(p) && r.owner_state == p.state),
                     Decision::kForbidden);
    case Action::kCampaignRead:
      return AllowIf(op || same_org || (policy && InPartyState(p, r)), Decision::kHidden);
    case Action::kAuditRead:
      return AllowIf(op || same_org, Decision::kHidden);
    case Action::kAuditVerify:
      return AllowIf(op, Decision::kForbidden);
    case Action::kAccountCreate:
      return AllowIf(op || (policy && same_org), Decision::kForbidden);
    case Action::kAccountRead:
      return AllowIf(op || same_org || Own(p, r), Decision::kHidden);
    case Action::kTokenCreate:
      return AllowIf(Own(p, r), Decision::kHidden);
    case Action::kTokenRead:
    case Action::kTokenRevoke:
      return AllowIf(op || Own(p, r), Decision::kHidden);
    case Action::kWebhookManage:
      return AllowIf(op || (same_org && (policy || p.HasRole(Role::kTechnical))),
                     Decision::kForbidden);
    case Action::kOutboxRead:
    case Action::kSigningKeyRotate:
      return AllowIf(op, Decision::kForbidden);
    case Action::kRequestCreate:
      return AllowIf(
          OfStateOrganization(p) && same_org && p.state == r.owner_state && HoldsFittingRole(p, r),
          Decision::kForbidden);
    case Action::kRequestRead:
      return AllowIf(RequestParty(p, r), Decision::kHidden);
    case Action::kRequestMetadataRead:
      return AllowIf(op || RequestParty(p, r), Decision::kHidden);
    case Action::kRequestAct:
      if (!RequestParty(p, r)) return Decision::kHidden;
      return AllowIf(same_org, Decision::kForbidden);
    case Action::kRequestRespond:
      if (!RequestParty(p, r)) return Decision::kHidden;
      return AllowIf(!same_org && InPartyState(p, r), Decision::kForbidden);
    case Action::kRequestStatsRead:
      return Decision::kAllow;
    case Action::kJurisdictionLookup:
      return Decision::kAllow;
    case Action::kJurisdictionReport:
      // Any working role; an observer-only account reads but does not attribute feeds.
      return AllowIf(std::any_of(p.roles.begin(), p.roles.end(),
                                 [](Role role) { return role != Role::kObserver; }),
                     Decision::kForbidden);
  }
  return Decision::kForbidden;
}

Status Authorize(const Principal& principal, Action action, const Resource& resource) {
  switch (Decide(principal, action, resource)) {
    case Decision::kAllow:
      return OkStatus();
    case Decision::kHidden:
      return Error::NotFound("not found");
    case Decision::kForbidden:
      return Error::PermissionDenied("this account may not do that");
    case Decision::kUnauthenticated:
      return Error::Unauthenticated("sign in first");
  }
  return Error::PermissionDenied("this account may not do that");
}

bool Allows(const Principal& principal, Action action, const Resource& resource) {
  return Decide(principal, action, resource) == Decision::kAllow;
}

}  // namespace liaison::security
