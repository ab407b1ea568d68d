// Organisations: the homes of accounts and points of contact. An organisation belongs to a state
// (a foreign ministry, a national CERT, …), is a non-state participant, or is the secretariat.
// Functions are thread-safe; each runs in its own transaction unless it takes one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

struct Organization {
  std::string id;  // "org_…"
  std::string name;
  OrgCategory category = OrgCategory::kState;
  OrgKind kind = OrgKind::kOther;
  std::string state;  // ISO 3166-1 alpha-2 for kState; empty otherwise.
  std::string website;
  std::int64_t version = 1;
  TimePoint created_at;
  TimePoint updated_at;
};

struct OrganizationInput {
  std::string name;
  OrgCategory category = OrgCategory::kState;
  OrgKind kind = OrgKind::kOther;
  std::string state;
  std::string website;
};

// Creates an organisation after Authorize(actor, kOrganizationCreate). invalid_argument (with the
// field) for an empty name, a category/state mismatch or a `state` that is not a UN member or
// observer state; permission_denied/unauthenticated from the policy. Audited.
Result<Organization> CreateOrganization(store::Database& db, const Principal& actor,
                                        const OrganizationInput& input, TimePoint now);

// Replaces name, kind and website when `expected_version` is current (else failed_precondition
// with reason "stale_version"). Audited.
Result<Organization> UpdateOrganization(store::Database& db, const Principal& actor,
                                        const std::string& id, const OrganizationInput& input,
                                        std::int64_t expected_version, TimePoint now);

// The organisation `id` if `actor` may read it; not_found otherwise.
Result<Organization> GetOrganization(store::Database& db, const Principal& actor,
                                     const std::string& id);

// Reads without a policy check, inside an existing transaction; for other modules that hold a
// principal's rights already (e.g. directory resolving a contact's organisation).
Result<std::optional<Organization>> FindOrganization(store::Transaction& tx,
                                                     const std::string& id);

struct OrganizationFilter {
  std::string state;     // alpha-2; empty: any.
  std::optional<OrgCategory> category;
  std::optional<OrgKind> kind;
  std::string after_id;  // Cursor.
  int limit = 100;
};

// Lists the organisations `actor` may read, ordered by id.
Result<std::vector<Organization>> ListOrganizations(store::Database& db, const Principal& actor,
                                                    const OrganizationFilter& filter);

// The policy resource describing `org` (owner, state, community audience).
Resource OrganizationResource(const Organization& org);

}  // namespace liaison::security
