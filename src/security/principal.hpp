// Who is asking: the principal behind a request, its organisation and roles.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace liaison::security {

enum class Role { kOperator, kPolicy, kTechnical, kLawEnforcement, kAnalyst, kObserver };

// What an organisation is: part of a state, a non-state participant, or the node's secretariat.
enum class OrgCategory { kState, kNonState, kSecretariat };

enum class OrgKind { kForeignMinistry, kNationalCert, kLawEnforcement, kRegulator, kOther };

// "operator", "policy", … ; "law_enforcement" for kLawEnforcement.
std::string_view RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
std::string_view OrgCategoryName(OrgCategory category);  // "state", "non_state", "secretariat"
std::optional<OrgCategory> ParseOrgCategory(std::string_view name);
std::string_view OrgKindName(OrgKind kind);  // "foreign_ministry", "national_cert", …
std::optional<OrgKind> ParseOrgKind(std::string_view name);

// The caller of an operation. An anonymous principal has no account (public endpoints only).
struct Principal {
  std::string account_id;       // Empty when anonymous.
  std::string organization_id;  // Empty when anonymous.
  OrgCategory org_category = OrgCategory::kNonState;
  std::string state;  // ISO 3166-1 alpha-2 of the organisation's state; empty unless kState.
  std::set<Role> roles;
  std::string credential_id;  // The token or session that authenticated the call.
  bool via_session = false;   // True for a browser session (cookie), false for a bearer token.

  bool anonymous() const { return account_id.empty(); }
  bool HasRole(Role role) const { return roles.count(role) != 0; }
  // A system principal for work the server does itself (scheduled jobs, init).
  static Principal System();
  bool is_system() const { return account_id == "system"; }
};

}  // namespace liaison::security
