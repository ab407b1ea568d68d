// Accounts: the people (and programs) who sign in. Each belongs to one organisation and holds
// roles. Passwords are stored only as Argon2id hashes. Functions are thread-safe; each runs in its
// own transaction unless it takes one.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/access_policy.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

// An account as the rest of liaison sees it: never its password hash.
struct Account {
  std::string id;  // "acc_…"
  std::string organization_id;
  std::string email;  // As entered; unique regardless of case.
  std::string display_name;
  std::set<Role> roles;
  std::string language = "en";    // One of the six UN languages.
  std::string time_zone = "UTC";  // IANA name.
  bool disabled = false;
  bool has_password = false;  // False until a password is set: cannot sign in with one.
  std::int64_t version = 1;
  TimePoint created_at;
  TimePoint updated_at;
};

struct AccountInput {
  std::string organization_id;
  std::string email;
  std::string display_name;
  std::set<Role> roles;
  std::optional<std::string> password;  // Absent: the account signs in only once one is set.
  std::string language = "en";
  std::string time_zone = "UTC";
};

// Parses role names ("policy", "technical", …). invalid_argument with field "roles" (reason
// "unknown_role") naming the first unknown one.
Result<std::set<Role>> ParseRoles(const std::vector<std::string>& names);

// The comma-separated role names of `roles`, in enum order: how roles are stored.
std::string RolesText(const std::set<Role>& roles);

// Creates an account after Authorize(actor, kAccountCreate) on the target organisation
// (operators: any organisation; policy role: its own). Only operators may grant the operator
// role, and only to accounts of the secretariat. invalid_argument with the field for an unknown
// organisation ("organization_id"), a malformed "email", an empty or over-long "display_name",
// no or disallowed "roles", a "language" outside ar/zh/en/fr/ru/es, an unknown "time_zone", or a
// "password" under 12 characters; already_exists (field "email") when the address is taken in
// any case; not_found/permission_denied/unauthenticated from the policy. Audited.
Result<Account> CreateAccount(store::Database& db, const Principal& actor,
                              const AccountInput& input, TimePoint now);

// The account `id` if Authorize(actor, kAccountRead) allows; not_found otherwise.
Result<Account> GetAccount(store::Database& db, const Principal& actor, const std::string& id);

// The accounts of `organization_id` that `actor` may read, ordered by id (empty when none).
// unauthenticated for an anonymous actor.
Result<std::vector<Account>> ListAccounts(store::Database& db, const Principal& actor,
                                          const std::string& organization_id);

// Sets the password of `account_id` and revokes its browser sessions. Allowed to the account
// itself and to whoever may create accounts in its organisation (operators; policy role of that
// organisation); not_found for accounts `actor` may not read, permission_denied for the rest.
// invalid_argument (field "password") for a weak password. Audited (without the password).
Status SetPassword(store::Database& db, const Principal& actor, const std::string& account_id,
                   const std::string& new_password, TimePoint now);

// The policy resource for `account`: audience its organisation, subject the account.
Resource AccountResource(const Account& account);

// The account `id` inside `tx`, without a policy check; nullopt when there is none.
Result<std::optional<Account>> FindAccount(store::Transaction& tx, const std::string& id);

// The enabled accounts holding `role`, ordered by id, inside `tx` without a policy check: for
// modules that must reach e.g. the node's operators (request escalation).
Result<std::vector<Account>> FindAccountsWithRole(store::Transaction& tx, Role role);

// The principal for account `id` (its organisation's category and state and its roles) inside
// `tx`; nullopt when the account does not exist or is disabled. `credential_id` and
// `via_session` are left for the caller.
Result<std::optional<Principal>> LoadPrincipal(store::Transaction& tx, const std::string& id);

}  // namespace liaison::security
