#include "security/audit_access.hpp"

#include <utility>

namespace liaison::security {
namespace {

Resource OwnedBy(const std::string& organization_id) {
  Resource r;
  r.audience = Audience::kOrganization;
  r.owner_organization_id = organization_id;
  return r;
}

}  // namespace

bool MayReadAuditEntry(const Principal& principal, const audit::AuditEntry& entry) {
  return Allows(principal, Action::kAuditRead, OwnedBy(entry.owner_organization_id)) ||
         Allows(principal, Action::kAuditRead, OwnedBy(entry.organization_id));
}

Result<std::vector<audit::AuditEntry>> ListAuditEntries(store::Database& db,
                                                        const Principal& principal,
                                                        audit::AuditQuery query) {
  RETURN_IF_ERROR(Authorize(principal, Action::kAuditRead, OwnedBy(principal.organization_id)));
  if (!principal.is_system() && !principal.HasRole(Role::kOperator)) {
    query.organization_id = principal.organization_id;
  }
  ASSIGN_OR_RETURN(auto entries, audit::List(db, query));
  std::vector<audit::AuditEntry> visible;
  for (auto& entry : entries) {
    if (MayReadAuditEntry(principal, entry)) visible.push_back(std::move(entry));
  }
  return visible;
}

Result<audit::VerifyReport> VerifyAuditLog(store::Database& db, const Principal& principal,
                                           const std::optional<audit::AuditHead>& expected_head) {
  RETURN_IF_ERROR(Authorize(principal, Action::kAuditVerify, Resource{}));
  return audit::Verify(db, expected_head);
}

}  // namespace liaison::security
