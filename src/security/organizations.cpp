#include "security/organizations.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>

#include "audit/audit_log.hpp"
#include "core/countries.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "security/internal.hpp"
#include "security/record_text.hpp"

namespace liaison::security {
namespace {

constexpr std::size_t kMaxName = 200;
constexpr std::size_t kMaxWebsite = 2048;

constexpr std::string_view kColumns =
    "id, name, category, kind, state, website, version, created_at, updated_at";

Organization FromRow(const store::Row& row) {
  Organization org;
  org.id = row.Text(0);
  org.name = row.Text(1);
  org.category = ParseOrgCategory(row.Text(2)).value_or(OrgCategory::kNonState);
  org.kind = ParseOrgKind(row.Text(3)).value_or(OrgKind::kOther);
  org.state = row.Text(4);
  org.website = row.Text(5);
  org.version = row.Int(6);
  org.created_at = FromUnixMillis(row.Int(7));
  org.updated_at = FromUnixMillis(row.Int(8));
  return org;
}

std::string Text(const Organization& org) {
  return internal::CanonicalText({
      {"id", org.id},
      {"name", org.name},
      {"category", std::string(OrgCategoryName(org.category))},
      {"kind", std::string(OrgKindName(org.kind))},
      {"state", org.state},
      {"website", org.website},
      {"version", org.version},
      {"created_at", internal::TimeText(org.created_at)},
      {"updated_at", internal::TimeText(org.updated_at)},
  });
}

Result<std::string> ValidName(std::string_view name) {
  std::string trimmed = Trim(name);
  if (trimmed.empty()) return Error::InvalidArgument("the name is empty", "name", "required");
  RETURN_IF_ERROR(json::CheckText(trimmed, kMaxName, "name"));
  return trimmed;
}

Result<std::string> ValidWebsite(std::string_view website) {
  std::string trimmed = Trim(website);
  if (trimmed.empty()) return trimmed;
  const bool scheme = trimmed.rfind("https://", 0) == 0 || trimmed.rfind("http://", 0) == 0;
  const bool clean = std::none_of(trimmed.begin(), trimmed.end(),
                                  [](unsigned char c) { return c <= 0x20 || c == 0x7f; });
  if (!scheme || !clean || trimmed.size() > kMaxWebsite ||
      trimmed.find("://") + 3 == trimmed.size()) {
    return Error::InvalidArgument("the website must be an http:// or https:// address", "website",
                                  "invalid_url");
  }
  return trimmed;
}

// Returns the normalised state for `category`: an upper-case participating state for kState,
// empty otherwise.
Result<std::string> ValidState(OrgCategory category, std::string_view state) {
  std::string upper = Trim(state);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (category != OrgCategory::kState) {
    if (!upper.empty()) {
      return Error::InvalidArgument("only a state organisation belongs to a state", "state",
                                    "state_not_allowed");
    }
    return upper;
  }
  if (upper.empty()) {
    return Error::InvalidArgument("a state organisation needs its state", "state", "required");
  }
  if (!IsParticipatingState(upper)) {
    return Error::InvalidArgument("'" + upper + "' is not a UN member or observer state", "state",
                                  "unknown_state");
  }
  return upper;
}

}  // namespace

Resource OrganizationResource(const Organization& org) {
  Resource r;
  r.audience = Audience::kCommunity;
  r.owner_organization_id = org.id;
  r.owner_state = org.state;
  return r;
}

Result<std::optional<Organization>> FindOrganization(store::Transaction& tx,
                                                     const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT " + std::string(kColumns) + " FROM organizations WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<Organization>();
  return std::optional<Organization>(FromRow(rows[0]));
}

namespace internal {

Result<Organization> InsertOrganization(store::Transaction& tx, const Principal& actor,
                                        const OrganizationInput& input, TimePoint now) {
  Organization org;
  ASSIGN_OR_RETURN(org.name, ValidName(input.name));
  ASSIGN_OR_RETURN(org.state, ValidState(input.category, input.state));
  ASSIGN_OR_RETURN(org.website, ValidWebsite(input.website));
  org.id = NewId("org");
  org.category = input.category;
  org.kind = input.kind;
  org.version = 1;
  org.created_at = now;
  org.updated_at = now;
  RETURN_IF_ERROR(
      tx.Execute("INSERT INTO organizations (" + std::string(kColumns) +
                     ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 {org.id, org.name, OrgCategoryName(org.category), OrgKindName(org.kind), org.state,
                  org.website, org.version, ToUnixMillis(now), ToUnixMillis(now)}));
  RETURN_IF_ERROR(audit::Append(
      tx, Event(actor, "organization.create", "organization", org.id, org.id, "", Text(org)), now));
  return org;
}

}  // namespace internal

Result<Organization> CreateOrganization(store::Database& db, const Principal& actor,
                                        const OrganizationInput& input, TimePoint now) {
  Resource target;
  target.owner_state = input.state;
  RETURN_IF_ERROR(Authorize(actor, Action::kOrganizationCreate, target));
  return store::InTransaction(db, store::TxMode::kWrite,
                              [&](store::Transaction& tx) -> Result<Organization> {
                                return internal::InsertOrganization(tx, actor, input, now);
                              });
}

Result<Organization> UpdateOrganization(store::Database& db, const Principal& actor,
                                        const std::string& id, const OrganizationInput& input,
                                        std::int64_t expected_version, TimePoint now) {
  return store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<Organization> {
        ASSIGN_OR_RETURN(auto found, FindOrganization(tx, id));
        if (!found) return Error::NotFound("organisation " + id + " not found");
        const Organization before = *found;
        RETURN_IF_ERROR(
            Authorize(actor, Action::kOrganizationUpdate, OrganizationResource(before)));
        if (before.version != expected_version) {
          return Error::FailedPrecondition("organisation " + id + " is at version " +
                                               std::to_string(before.version) + ", not " +
                                               std::to_string(expected_version),
                                           "stale_version");
        }
        Organization after = before;
        ASSIGN_OR_RETURN(after.name, ValidName(input.name));
        ASSIGN_OR_RETURN(after.website, ValidWebsite(input.website));
        after.kind = input.kind;
        after.version = before.version + 1;
        after.updated_at = now;
        ASSIGN_OR_RETURN(auto changed,
                         tx.Execute("UPDATE organizations SET name = ?, kind = ?, website = ?, "
                                    "version = ?, updated_at = ? WHERE id = ? AND version = ?",
                                    {after.name, OrgKindName(after.kind), after.website,
                                     after.version, ToUnixMillis(now), id, before.version}));
        if (changed != 1) {
          return Error::FailedPrecondition("organisation " + id + " changed meanwhile",
                                           "stale_version");
        }
        RETURN_IF_ERROR(audit::Append(tx,
                                      internal::Event(actor, "organization.update", "organization",
                                                      id, id, Text(before), Text(after)),
                                      now));
        return after;
      });
}

Result<Organization> GetOrganization(store::Database& db, const Principal& actor,
                                     const std::string& id) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<Organization> {
        ASSIGN_OR_RETURN(auto found, FindOrganization(tx, id));
        if (!found) {
          // An anonymous caller learns nothing about which ids exist.
          RETURN_IF_ERROR(Authorize(actor, Action::kOrganizationRead, Resource{}));
          return Error::NotFound("organisation " + id + " not found");
        }
        RETURN_IF_ERROR(Authorize(actor, Action::kOrganizationRead, OrganizationResource(*found)));
        return *found;
      });
}

Result<std::vector<Organization>> ListOrganizations(store::Database& db, const Principal& actor,
                                                    const OrganizationFilter& filter) {
  RETURN_IF_ERROR(Authorize(actor, Action::kOrganizationRead, Resource{}));
  std::string sql = "SELECT " + std::string(kColumns) + " FROM organizations WHERE id > ?";
  store::Params params = {filter.after_id};
  if (!filter.state.empty()) {
    std::string state = filter.state;
    std::transform(state.begin(), state.end(), state.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    sql += " AND state = ?";
    params.emplace_back(state);
  }
  if (filter.category) {
    sql += " AND category = ?";
    params.emplace_back(OrgCategoryName(*filter.category));
  }
  if (filter.kind) {
    sql += " AND kind = ?";
    params.emplace_back(OrgKindName(*filter.kind));
  }
  sql += " ORDER BY id LIMIT ?";
  params.emplace_back(std::clamp(filter.limit, 1, 1000));
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<Organization>> {
        ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
        std::vector<Organization> orgs;
        for (const auto& row : rows) {
          Organization org = FromRow(row);
          if (Allows(actor, Action::kOrganizationRead, OrganizationResource(org))) {
            orgs.push_back(std::move(org));
          }
        }
        return orgs;
      });
}

}  // namespace liaison::security
