// Module-private, transaction-level writes shared by the security sources (BootstrapOperator
// creates an organisation, an account and a token in one transaction). They validate and audit
// but do not consult the access policy: callers do. Not part of the module's public API.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/accounts.hpp"
#include "security/organizations.hpp"
#include "security/tokens.hpp"
#include "store/database.hpp"

namespace liaison::security::internal {

// Validates `input` and inserts the organisation; audited as `actor`.
Result<Organization> InsertOrganization(store::Transaction& tx, const Principal& actor,
                                        const OrganizationInput& input, TimePoint now);

// Validates `input` (the organisation must exist) and inserts the account; audited as `actor`.
Result<Account> InsertAccount(store::Transaction& tx, const Principal& actor,
                              const AccountInput& input, TimePoint now);

// Validates `name` and `expires_at` and inserts a new token for `account`; audited as `actor`.
Result<IssuedToken> InsertToken(store::Transaction& tx, const Principal& actor,
                                const Account& account, const std::string& name,
                                TimePoint expires_at, TimePoint now);

}  // namespace liaison::security::internal
