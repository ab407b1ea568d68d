// The access policy applied to the audit log: which entries a principal may read, and who may
// verify the chain. Thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "audit/audit_log.hpp"
#include "core/result.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

// True when `principal` may read `entry`: operators any; others entries whose owner
// organisation or actor organisation is their own (kAuditRead).
bool MayReadAuditEntry(const Principal& principal, const audit::AuditEntry& entry);

// audit::List() narrowed to what `principal` may read. For non-operators the query's
// organization_id is replaced by their own organisation. unauthenticated when anonymous.
Result<std::vector<audit::AuditEntry>> ListAuditEntries(store::Database& db,
                                                        const Principal& principal,
                                                        audit::AuditQuery query);

// audit::Verify() after Authorize(principal, kAuditVerify): operators only (permission_denied
// for other accounts, unauthenticated when anonymous).
Result<audit::VerifyReport> VerifyAuditLog(
    store::Database& db, const Principal& principal,
    const std::optional<audit::AuditHead>& expected_head = std::nullopt);

}  // namespace liaison::security
