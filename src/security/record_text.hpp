// Module-private helpers shared by the security sources: the canonical text of records for the
// audit log, secret hashing and audit events. Not part of the module's public API.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "audit/audit_log.hpp"
#include "core/time.hpp"
#include "security/principal.hpp"

namespace liaison::security::internal {

// One value in a record's canonical text.
using TextValue =
    std::variant<std::nullptr_t, std::int64_t, bool, std::string, std::vector<std::string>>;

// Returns `fields` as one compact JSON object with the keys in the order given: the canonical
// text of a record that the audit log digests. Thread-safe.
std::string CanonicalText(const std::vector<std::pair<std::string_view, TextValue>>& fields);

// `t` as RFC 3339, for canonical texts.
inline TextValue TimeText(TimePoint t) { return FormatRfc3339(t); }

// Lowercase hex BLAKE2b-256 of `secret`: how token, session and CSRF secrets are stored.
std::string SecretHash(std::string_view secret);

// The audit event for a change by `actor` (the system principal is recorded as "system").
audit::AuditEvent Event(const Principal& actor, std::string action, std::string record_type,
                        std::string record_id, std::string owner_organization_id,
                        std::string before, std::string after);

}  // namespace liaison::security::internal
