#include "security/principal.hpp"

#include <array>
#include <utility>

namespace liaison::security {
namespace {

constexpr std::array<std::pair<Role, std::string_view>, 6> kRoles = {{
    {Role::kOperator, "operator"},
    {Role::kPolicy, "policy"},
    {Role::kTechnical, "technical"},
    {Role::kLawEnforcement, "law_enforcement"},
    {Role::kAnalyst, "analyst"},
    {Role::kObserver, "observer"},
}};

constexpr std::array<std::pair<OrgCategory, std::string_view>, 3> kCategories = {{
    {OrgCategory::kState, "state"},
    {OrgCategory::kNonState, "non_state"},
    {OrgCategory::kSecretariat, "secretariat"},
}};

constexpr std::array<std::pair<OrgKind, std::string_view>, 5> kKinds = {{
    {OrgKind::kForeignMinistry, "foreign_ministry"},
    {OrgKind::kNationalCert, "national_cert"},
    {OrgKind::kLawEnforcement, "law_enforcement"},
    {OrgKind::kRegulator, "regulator"},
    {OrgKind::kOther, "other"},
}};

template <typename Enum, std::size_t N>
std::string_view NameOf(const std::array<std::pair<Enum, std::string_view>, N>& table, Enum e) {
  for (const auto& [value, name] : table) {
    if (value == e) return name;
  }
  return "unknown";
}

template <typename Enum, std::size_t N>
std::optional<Enum> Parse(const std::array<std::pair<Enum, std::string_view>, N>& table,
                          std::string_view text) {
  for (const auto& [value, name] : table) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace

std::string_view RoleName(Role role) { return NameOf(kRoles, role); }
std::optional<Role> ParseRole(std::string_view name) { return Parse(kRoles, name); }
std::string_view OrgCategoryName(OrgCategory category) { return NameOf(kCategories, category); }
std::optional<OrgCategory> ParseOrgCategory(std::string_view name) {
  return Parse(kCategories, name);
}
std::string_view OrgKindName(OrgKind kind) { return NameOf(kKinds, kind); }
std::optional<OrgKind> ParseOrgKind(std::string_view name) { return Parse(kKinds, name); }

Principal Principal::System() {
  Principal p;
  p.account_id = "system";
  p.org_category = OrgCategory::kSecretariat;
  p.roles = {Role::kOperator};
  p.credential_id = "system";
  return p;
}

}  // namespace liaison::security
