// Enumerates the access policy: every Action × role × relation, and the expected Decision.
// docs/security.md shows the same table.
#include "security/access_policy.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace liaison::security {
namespace {

// How the record's owner relates to the caller, who is always an account ("acc_me") of a French
// state organisation ("org_fr_mfa").
enum class Relation { kSelf, kSameOrg, kSameState, kOtherState, kSecretariat };
constexpr Relation kRelations[] = {Relation::kSelf, Relation::kSameOrg, Relation::kSameState,
                                   Relation::kOtherState, Relation::kSecretariat};

// The caller's role; std::nullopt is the anonymous caller.
using RoleOrAnonymous = std::optional<Role>;

Principal Caller(RoleOrAnonymous role) {
  Principal p;
  if (!role) return p;
  p.account_id = "acc_me";
  p.organization_id = "org_fr_mfa";
  p.org_category = OrgCategory::kState;
  p.state = "FR";
  p.roles = {*role};
  return p;
}

// The audience each action's records have in the table.
Audience AudienceOf(Action action) {
  switch (action) {
    case Action::kStateRead:
      return Audience::kPublic;
    case Action::kCampaignRead:
    case Action::kRequestCreate:
    case Action::kRequestRead:
    case Action::kRequestMetadataRead:
    case Action::kRequestAct:
    case Action::kRequestRespond:
      return Audience::kParties;
    case Action::kAuditRead:
    case Action::kAccountRead:
    case Action::kAccountCreate:
    case Action::kTokenCreate:
    case Action::kTokenRead:
    case Action::kTokenRevoke:
    case Action::kWebhookManage:
      return Audience::kOrganization;
    default:
      return Audience::kCommunity;
  }
}

Resource RecordFor(Action action, Relation relation) {
  Resource r;
  r.audience = AudienceOf(action);
  switch (relation) {
    case Relation::kSelf:
      r = {r.audience, "org_fr_mfa", "FR", {"FR"}, "acc_me"};
      break;
    case Relation::kSameOrg:
      r = {r.audience, "org_fr_mfa", "FR", {"FR"}, "acc_colleague"};
      break;
    case Relation::kSameState:
      r = {r.audience, "org_fr_cert", "FR", {"FR"}, "acc_fr_cert"};
      break;
    case Relation::kOtherState:
      r = {r.audience, "org_de_mfa", "DE", {"DE"}, "acc_de"};
      break;
    case Relation::kSecretariat:
      // E.g. a reachability campaign the secretariat runs across France and Germany.
      r = {r.audience, "org_secretariat", "", {"FR", "DE"}, "acc_secretariat"};
      break;
  }
  if (AudienceOf(action) == Audience::kParties && action != Action::kCampaignRead) {
    // A technical request sent by the owner organisation to the party state: self and same org
    // send to DE; a French CERT sends to DE; a German ministry sends to France (the caller's
    // state answers); the secretariat column stands for a request between two other states.
    r.fitting_roles = {Role::kPolicy, Role::kTechnical};
    r.party_states = {relation == Relation::kOtherState ? "FR" : "DE"};
  }
  return r;
}

struct Row {
  Action action;
  RoleOrAnonymous role;
  // One letter per relation, in the order self, same org, same state, other state, secretariat:
  // A allow, H hidden (404), F forbidden (403), U unauthenticated (401).
  const char* expected;
};

constexpr RoleOrAnonymous kOp = Role::kOperator, kPol = Role::kPolicy, kTech = Role::kTechnical,
                          kLaw = Role::kLawEnforcement, kAna = Role::kAnalyst,
                          kObs = Role::kObserver, kAnon = std::nullopt;

// clang-format off
const std::vector<Row> kTable = {
    {Action::kStateRead, kOp, "AAAAA"},   {Action::kStateRead, kPol, "AAAAA"},
    {Action::kStateRead, kTech, "AAAAA"}, {Action::kStateRead, kLaw, "AAAAA"},
    {Action::kStateRead, kAna, "AAAAA"},  {Action::kStateRead, kObs, "AAAAA"},
    {Action::kStateRead, kAnon, "AAAAA"},

    {Action::kOrganizationRead, kOp, "AAAAA"},   {Action::kOrganizationRead, kPol, "AAAAA"},
    {Action::kOrganizationRead, kTech, "AAAAA"}, {Action::kOrganizationRead, kLaw, "AAAAA"},
    {Action::kOrganizationRead, kAna, "AAAAA"},  {Action::kOrganizationRead, kObs, "AAAAA"},
    {Action::kOrganizationRead, kAnon, "UUUUU"},

    {Action::kOrganizationCreate, kOp, "AAAAA"},   {Action::kOrganizationCreate, kPol, "FFFFF"},
    {Action::kOrganizationCreate, kTech, "FFFFF"}, {Action::kOrganizationCreate, kLaw, "FFFFF"},
    {Action::kOrganizationCreate, kAna, "FFFFF"},  {Action::kOrganizationCreate, kObs, "FFFFF"},
    {Action::kOrganizationCreate, kAnon, "UUUUU"},

    {Action::kOrganizationUpdate, kOp, "AAAAA"},   {Action::kOrganizationUpdate, kPol, "AAFFF"},
    {Action::kOrganizationUpdate, kTech, "FFFFF"}, {Action::kOrganizationUpdate, kLaw, "FFFFF"},
    {Action::kOrganizationUpdate, kAna, "FFFFF"},  {Action::kOrganizationUpdate, kObs, "FFFFF"},
    {Action::kOrganizationUpdate, kAnon, "UUUUU"},

    {Action::kContactRead, kOp, "AAAAA"},   {Action::kContactRead, kPol, "AAAAA"},
    {Action::kContactRead, kTech, "AAAAA"}, {Action::kContactRead, kLaw, "AAAAA"},
    {Action::kContactRead, kAna, "AAAAA"},  {Action::kContactRead, kObs, "AAAAA"},
    {Action::kContactRead, kAnon, "UUUUU"},

    {Action::kContactCreate, kOp, "AAAAA"},   {Action::kContactCreate, kPol, "AAFFF"},
    {Action::kContactCreate, kTech, "FFFFF"}, {Action::kContactCreate, kLaw, "FFFFF"},
    {Action::kContactCreate, kAna, "FFFFF"},  {Action::kContactCreate, kObs, "FFFFF"},
    {Action::kContactCreate, kAnon, "UUUUU"},

    {Action::kContactUpdate, kOp, "AAAAA"},   {Action::kContactUpdate, kPol, "AAFFF"},
    {Action::kContactUpdate, kTech, "FFFFF"}, {Action::kContactUpdate, kLaw, "FFFFF"},
    {Action::kContactUpdate, kAna, "FFFFF"},  {Action::kContactUpdate, kObs, "FFFFF"},
    {Action::kContactUpdate, kAnon, "UUUUU"},

    {Action::kContactDelete, kOp, "AAAAA"},   {Action::kContactDelete, kPol, "AAFFF"},
    {Action::kContactDelete, kTech, "FFFFF"}, {Action::kContactDelete, kLaw, "FFFFF"},
    {Action::kContactDelete, kAna, "FFFFF"},  {Action::kContactDelete, kObs, "FFFFF"},
    {Action::kContactDelete, kAnon, "UUUUU"},

    {Action::kContactExport, kOp, "AAAAA"},   {Action::kContactExport, kPol, "AAAAA"},
    {Action::kContactExport, kTech, "AAAAA"}, {Action::kContactExport, kLaw, "AAAAA"},
    {Action::kContactExport, kAna, "AAAAA"},  {Action::kContactExport, kObs, "AAAAA"},
    {Action::kContactExport, kAnon, "UUUUU"},

    {Action::kCampaignCreate, kOp, "AAAAA"},   {Action::kCampaignCreate, kPol, "AAAFF"},
    {Action::kCampaignCreate, kTech, "FFFFF"}, {Action::kCampaignCreate, kLaw, "FFFFF"},
    {Action::kCampaignCreate, kAna, "FFFFF"},  {Action::kCampaignCreate, kObs, "FFFFF"},
    {Action::kCampaignCreate, kAnon, "UUUUU"},

    {Action::kCampaignRead, kOp, "AAAAA"},   {Action::kCampaignRead, kPol, "AAAHA"},
    {Action::kCampaignRead, kTech, "AAHHH"}, {Action::kCampaignRead, kLaw, "AAHHH"},
    {Action::kCampaignRead, kAna, "AAHHH"},  {Action::kCampaignRead, kObs, "AAHHH"},
    {Action::kCampaignRead, kAnon, "UUUUU"},

    {Action::kAuditRead, kOp, "AAAAA"},   {Action::kAuditRead, kPol, "AAHHH"},
    {Action::kAuditRead, kTech, "AAHHH"}, {Action::kAuditRead, kLaw, "AAHHH"},
    {Action::kAuditRead, kAna, "AAHHH"},  {Action::kAuditRead, kObs, "AAHHH"},
    {Action::kAuditRead, kAnon, "UUUUU"},

    {Action::kAuditVerify, kOp, "AAAAA"},   {Action::kAuditVerify, kPol, "FFFFF"},
    {Action::kAuditVerify, kTech, "FFFFF"}, {Action::kAuditVerify, kLaw, "FFFFF"},
    {Action::kAuditVerify, kAna, "FFFFF"},  {Action::kAuditVerify, kObs, "FFFFF"},
    {Action::kAuditVerify, kAnon, "UUUUU"},

    {Action::kAccountCreate, kOp, "AAAAA"},   {Action::kAccountCreate, kPol, "AAFFF"},
    {Action::kAccountCreate, kTech, "FFFFF"}, {Action::kAccountCreate, kLaw, "FFFFF"},
    {Action::kAccountCreate, kAna, "FFFFF"},  {Action::kAccountCreate, kObs, "FFFFF"},
    {Action::kAccountCreate, kAnon, "UUUUU"},

    {Action::kAccountRead, kOp, "AAAAA"},   {Action::kAccountRead, kPol, "AAHHH"},
    {Action::kAccountRead, kTech, "AAHHH"}, {Action::kAccountRead, kLaw, "AAHHH"},
    {Action::kAccountRead, kAna, "AAHHH"},  {Action::kAccountRead, kObs, "AAHHH"},
    {Action::kAccountRead, kAnon, "UUUUU"},

    {Action::kTokenCreate, kOp, "AHHHH"},   {Action::kTokenCreate, kPol, "AHHHH"},
    {Action::kTokenCreate, kTech, "AHHHH"}, {Action::kTokenCreate, kLaw, "AHHHH"},
    {Action::kTokenCreate, kAna, "AHHHH"},  {Action::kTokenCreate, kObs, "AHHHH"},
    {Action::kTokenCreate, kAnon, "UUUUU"},

    {Action::kTokenRead, kOp, "AAAAA"},   {Action::kTokenRead, kPol, "AHHHH"},
    {Action::kTokenRead, kTech, "AHHHH"}, {Action::kTokenRead, kLaw, "AHHHH"},
    {Action::kTokenRead, kAna, "AHHHH"},  {Action::kTokenRead, kObs, "AHHHH"},
    {Action::kTokenRead, kAnon, "UUUUU"},

    {Action::kTokenRevoke, kOp, "AAAAA"},   {Action::kTokenRevoke, kPol, "AHHHH"},
    {Action::kTokenRevoke, kTech, "AHHHH"}, {Action::kTokenRevoke, kLaw, "AHHHH"},
    {Action::kTokenRevoke, kAna, "AHHHH"},  {Action::kTokenRevoke, kObs, "AHHHH"},
    {Action::kTokenRevoke, kAnon, "UUUUU"},

    {Action::kWebhookManage, kOp, "AAAAA"},   {Action::kWebhookManage, kPol, "AAFFF"},
    {Action::kWebhookManage, kTech, "AAFFF"}, {Action::kWebhookManage, kLaw, "FFFFF"},
    {Action::kWebhookManage, kAna, "FFFFF"},  {Action::kWebhookManage, kObs, "FFFFF"},
    {Action::kWebhookManage, kAnon, "UUUUU"},

    {Action::kOutboxRead, kOp, "AAAAA"},   {Action::kOutboxRead, kPol, "FFFFF"},
    {Action::kOutboxRead, kTech, "FFFFF"}, {Action::kOutboxRead, kLaw, "FFFFF"},
    {Action::kOutboxRead, kAna, "FFFFF"},  {Action::kOutboxRead, kObs, "FFFFF"},
    {Action::kOutboxRead, kAnon, "UUUUU"},

    {Action::kSigningKeyRotate, kOp, "AAAAA"},   {Action::kSigningKeyRotate, kPol, "FFFFF"},
    {Action::kSigningKeyRotate, kTech, "FFFFF"}, {Action::kSigningKeyRotate, kLaw, "FFFFF"},
    {Action::kSigningKeyRotate, kAna, "FFFFF"},  {Action::kSigningKeyRotate, kObs, "FFFFF"},
    {Action::kSigningKeyRotate, kAnon, "UUUUU"},
    // Requests: fitting roles policy and technical (a technical request); see RecordFor.
    {Action::kRequestCreate, kOp, "FFFFF"},   {Action::kRequestCreate, kPol, "AAFFF"},
    {Action::kRequestCreate, kTech, "AAFFF"}, {Action::kRequestCreate, kLaw, "FFFFF"},
    {Action::kRequestCreate, kAna, "FFFFF"},  {Action::kRequestCreate, kObs, "FFFFF"},
    {Action::kRequestCreate, kAnon, "UUUUU"},

    {Action::kRequestRead, kOp, "HHHHH"},   {Action::kRequestRead, kPol, "AAHAH"},
    {Action::kRequestRead, kTech, "AAHAH"}, {Action::kRequestRead, kLaw, "HHHHH"},
    {Action::kRequestRead, kAna, "HHHHH"},  {Action::kRequestRead, kObs, "HHHHH"},
    {Action::kRequestRead, kAnon, "HHHHH"},

    {Action::kRequestMetadataRead, kOp, "AAAAA"},   {Action::kRequestMetadataRead, kPol, "AAHAH"},
    {Action::kRequestMetadataRead, kTech, "AAHAH"}, {Action::kRequestMetadataRead, kLaw, "HHHHH"},
    {Action::kRequestMetadataRead, kAna, "HHHHH"},  {Action::kRequestMetadataRead, kObs, "HHHHH"},
    {Action::kRequestMetadataRead, kAnon, "HHHHH"},

    {Action::kRequestAct, kOp, "HHHHH"},   {Action::kRequestAct, kPol, "AAHFH"},
    {Action::kRequestAct, kTech, "AAHFH"}, {Action::kRequestAct, kLaw, "HHHHH"},
    {Action::kRequestAct, kAna, "HHHHH"},  {Action::kRequestAct, kObs, "HHHHH"},
    {Action::kRequestAct, kAnon, "HHHHH"},

    {Action::kRequestRespond, kOp, "HHHHH"},   {Action::kRequestRespond, kPol, "FFHAH"},
    {Action::kRequestRespond, kTech, "FFHAH"}, {Action::kRequestRespond, kLaw, "HHHHH"},
    {Action::kRequestRespond, kAna, "HHHHH"},  {Action::kRequestRespond, kObs, "HHHHH"},
    {Action::kRequestRespond, kAnon, "HHHHH"},

    {Action::kRequestStatsRead, kOp, "AAAAA"},   {Action::kRequestStatsRead, kPol, "AAAAA"},
    {Action::kRequestStatsRead, kTech, "AAAAA"}, {Action::kRequestStatsRead, kLaw, "AAAAA"},
    {Action::kRequestStatsRead, kAna, "AAAAA"},  {Action::kRequestStatsRead, kObs, "AAAAA"},
    {Action::kRequestStatsRead, kAnon, "UUUUU"},

    {Action::kJurisdictionLookup, kOp, "AAAAA"},   {Action::kJurisdictionLookup, kPol, "AAAAA"},
    {Action::kJurisdictionLookup, kTech, "AAAAA"}, {Action::kJurisdictionLookup, kLaw, "AAAAA"},
    {Action::kJurisdictionLookup, kAna, "AAAAA"},  {Action::kJurisdictionLookup, kObs, "AAAAA"},
    {Action::kJurisdictionLookup, kAnon, "UUUUU"},

    {Action::kJurisdictionReport, kOp, "AAAAA"},   {Action::kJurisdictionReport, kPol, "AAAAA"},
    {Action::kJurisdictionReport, kTech, "AAAAA"}, {Action::kJurisdictionReport, kLaw, "AAAAA"},
    {Action::kJurisdictionReport, kAna, "AAAAA"},  {Action::kJurisdictionReport, kObs, "FFFFF"},
    {Action::kJurisdictionReport, kAnon, "UUUUU"},
};
// clang-format on

constexpr Action kAllActions[] = {
    Action::kStateRead,          Action::kOrganizationRead,    Action::kOrganizationCreate,
    Action::kOrganizationUpdate, Action::kContactRead,         Action::kContactCreate,
    Action::kContactUpdate,      Action::kContactDelete,       Action::kContactExport,
    Action::kCampaignCreate,     Action::kCampaignRead,        Action::kAuditRead,
    Action::kAuditVerify,        Action::kAccountCreate,       Action::kAccountRead,
    Action::kTokenCreate,        Action::kTokenRead,           Action::kTokenRevoke,
    Action::kWebhookManage,      Action::kOutboxRead,          Action::kRequestCreate,
    Action::kRequestRead,        Action::kRequestMetadataRead, Action::kRequestAct,
    Action::kRequestRespond,     Action::kRequestStatsRead,    Action::kSigningKeyRotate,
    Action::kJurisdictionLookup, Action::kJurisdictionReport,
};

char Letter(Decision d) {
  switch (d) {
    case Decision::kAllow:
      return 'A';
    case Decision::kHidden:
      return 'H';
    case Decision::kForbidden:
      return 'F';
    case Decision::kUnauthenticated:
      return 'U';
  }
  return '?';
}

std::string RoleLabel(RoleOrAnonymous role) {
  return role ? std::string(RoleName(*role)) : std::string("anonymous");
}

TEST(AccessPolicy, TableCoversEveryActionAndRoleOnce) {
  std::set<std::pair<int, std::string>> seen;
  for (const auto& row : kTable) {
    EXPECT_TRUE(seen.insert({static_cast<int>(row.action), RoleLabel(row.role)}).second)
        << "duplicate row for action " << static_cast<int>(row.action) << " "
        << RoleLabel(row.role);
    EXPECT_EQ(std::string(row.expected).size(), std::size(kRelations));
  }
  EXPECT_EQ(seen.size(), std::size(kAllActions) * 7);
}

TEST(AccessPolicy, DecidesEveryActionRoleAndRelationAsTheTableSays) {
  int checked = 0;
  for (const auto& row : kTable) {
    const Principal caller = Caller(row.role);
    for (std::size_t i = 0; i < std::size(kRelations); ++i) {
      const Decision got = Decide(caller, row.action, RecordFor(row.action, kRelations[i]));
      EXPECT_EQ(Letter(got), row.expected[i])
          << "action " << static_cast<int>(row.action) << ", role " << RoleLabel(row.role)
          << ", relation " << i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 29 * 7 * 5);
}

TEST(AccessPolicy, SystemPrincipalIsAllowedEverything) {
  for (Action action : kAllActions) {
    for (Relation relation : kRelations) {
      EXPECT_EQ(Decide(Principal::System(), action, RecordFor(action, relation)), Decision::kAllow);
    }
  }
}

TEST(AccessPolicy, AnonymousReadsOnlyPublicStates) {
  Resource community;
  community.audience = Audience::kCommunity;
  EXPECT_EQ(Decide(Principal{}, Action::kStateRead, community), Decision::kUnauthenticated);
  Resource pub;
  pub.audience = Audience::kPublic;
  EXPECT_EQ(Decide(Principal{}, Action::kContactRead, pub), Decision::kUnauthenticated);
  EXPECT_EQ(Decide(Principal{}, Action::kStateRead, pub), Decision::kAllow);
}

TEST(AccessPolicy, PartiesRecordsAreHiddenOutsideTheParties) {
  Resource r{Audience::kParties, "org_de_mfa", "DE", {"DE", "FR"}, ""};
  EXPECT_EQ(Decide(Caller(Role::kObserver), Action::kContactRead, r), Decision::kAllow);
  r.party_states = {"DE", "IT"};
  EXPECT_EQ(Decide(Caller(Role::kPolicy), Action::kContactRead, r), Decision::kHidden);
  // Operators see only what dedicated actions show them, not the contents.
  EXPECT_EQ(Decide(Caller(Role::kOperator), Action::kContactRead, r), Decision::kHidden);
  // Changing a hidden record is answered as if it did not exist.
  EXPECT_EQ(Decide(Caller(Role::kPolicy), Action::kContactUpdate, r), Decision::kHidden);
  r.owner_organization_id = "org_fr_mfa";
  EXPECT_EQ(Decide(Caller(Role::kAnalyst), Action::kContactRead, r), Decision::kAllow);
}

TEST(AccessPolicy, NonStateCallersNeverCountAsAPartyState) {
  Principal p = Caller(Role::kPolicy);
  p.org_category = OrgCategory::kNonState;
  p.organization_id = "org_csirt";
  Resource r{Audience::kParties, "org_de_mfa", "FR", {"FR"}, ""};
  EXPECT_EQ(Decide(p, Action::kContactRead, r), Decision::kHidden);
  EXPECT_EQ(Decide(p, Action::kCampaignRead, r), Decision::kHidden);
  EXPECT_EQ(Decide(p, Action::kCampaignCreate, r), Decision::kForbidden);
}

TEST(AccessPolicy, OrganizationRecordsAreForTheOwnerAndOperators) {
  Resource r{Audience::kOrganization, "org_de_mfa", "DE", {}, ""};
  EXPECT_EQ(Decide(Caller(Role::kPolicy), Action::kContactRead, r), Decision::kHidden);
  EXPECT_EQ(Decide(Caller(Role::kOperator), Action::kContactRead, r), Decision::kAllow);
}

TEST(AccessPolicy, AuthorizeMapsDecisionsToErrorCodes) {
  Resource r = RecordFor(Action::kAccountRead, Relation::kOtherState);
  EXPECT_TRUE(Authorize(Caller(Role::kOperator), Action::kAccountRead, r).has_value());
  EXPECT_EQ(Authorize(Caller(Role::kPolicy), Action::kAccountRead, r).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(Authorize(Caller(Role::kPolicy), Action::kOutboxRead, r).error().code,
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(Authorize(Principal{}, Action::kOutboxRead, r).error().code,
            ErrorCode::kUnauthenticated);
  EXPECT_TRUE(Allows(Caller(Role::kOperator), Action::kOutboxRead, r));
  EXPECT_FALSE(Allows(Caller(Role::kAnalyst), Action::kOutboxRead, r));
}

TEST(AccessPolicy, RequestsNeedAFittingRoleOnEitherSide) {
  // A criminal-cooperation request from a German police organisation to France.
  Resource r{Audience::kParties, "org_de_police", "DE", {"FR"}, ""};
  r.fitting_roles = {Role::kPolicy, Role::kLawEnforcement};
  EXPECT_EQ(Decide(Caller(Role::kLawEnforcement), Action::kRequestRespond, r), Decision::kAllow);
  EXPECT_EQ(Decide(Caller(Role::kTechnical), Action::kRequestRead, r), Decision::kHidden);
  // A draft has no party state yet: only its own organisation sees it.
  r.party_states.clear();
  EXPECT_EQ(Decide(Caller(Role::kLawEnforcement), Action::kRequestRead, r), Decision::kHidden);
  EXPECT_EQ(Decide(Caller(Role::kOperator), Action::kRequestMetadataRead, r), Decision::kAllow);
  // Non-state organisations never act for a state.
  Principal csirt = Caller(Role::kPolicy);
  csirt.org_category = OrgCategory::kNonState;
  csirt.organization_id = "org_csirt";
  Resource own{Audience::kParties, "org_csirt", "", {"FR"}, ""};
  EXPECT_EQ(Decide(csirt, Action::kRequestCreate, own), Decision::kForbidden);
}

TEST(Principal, NamesRoundTrip) {
  for (Role role : {Role::kOperator, Role::kPolicy, Role::kTechnical, Role::kLawEnforcement,
                    Role::kAnalyst, Role::kObserver}) {
    EXPECT_EQ(ParseRole(RoleName(role)), role);
  }
  EXPECT_EQ(RoleName(Role::kLawEnforcement), "law_enforcement");
  EXPECT_FALSE(ParseRole("root").has_value());
  for (OrgCategory c : {OrgCategory::kState, OrgCategory::kNonState, OrgCategory::kSecretariat}) {
    EXPECT_EQ(ParseOrgCategory(OrgCategoryName(c)), c);
  }
  for (OrgKind k : {OrgKind::kForeignMinistry, OrgKind::kNationalCert, OrgKind::kLawEnforcement,
                    OrgKind::kRegulator, OrgKind::kOther}) {
    EXPECT_EQ(ParseOrgKind(OrgKindName(k)), k);
  }
  EXPECT_TRUE(Principal::System().is_system());
  EXPECT_FALSE(Principal::System().anonymous());
  EXPECT_TRUE(Principal{}.anonymous());
}

}  // namespace
}  // namespace liaison::security
