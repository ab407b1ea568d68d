#include "security/accounts.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>

#include "audit/audit_log.hpp"
#include "core/countries.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "security/internal.hpp"
#include "security/organizations.hpp"
#include "security/passwords.hpp"
#include "security/record_text.hpp"

namespace liaison::security {
namespace {

constexpr std::size_t kMaxEmail = 254;
constexpr std::size_t kMaxDisplayName = 200;

constexpr std::string_view kColumns =
    "id, organization_id, email, display_name, roles, language, time_zone, disabled, "
    "password_hash IS NOT NULL, version, created_at, updated_at";

std::set<Role> RolesFromText(std::string_view text) {
  std::set<Role> roles;
  while (!text.empty()) {
    auto comma = text.find(',');
    if (auto role = ParseRole(text.substr(0, comma))) roles.insert(*role);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return roles;
}

Account FromRow(const store::Row& row) {
  Account a;
  a.id = row.Text(0);
  a.organization_id = row.Text(1);
  a.email = row.Text(2);
  a.display_name = row.Text(3);
  a.roles = RolesFromText(row.Text(4));
  a.language = row.Text(5);
  a.time_zone = row.Text(6);
  a.disabled = row.Int(7) != 0;
  a.has_password = row.Int(8) != 0;
  a.version = row.Int(9);
  a.created_at = FromUnixMillis(row.Int(10));
  a.updated_at = FromUnixMillis(row.Int(11));
  return a;
}

std::vector<std::string> RoleNames(const std::set<Role>& roles) {
  std::vector<std::string> names;
  for (Role r : roles) names.emplace_back(RoleName(r));
  return names;
}

std::string Text(const Account& a) {
  return internal::CanonicalText({
      {"id", a.id},
      {"organization_id", a.organization_id},
      {"email", a.email},
      {"display_name", a.display_name},
      {"roles", RoleNames(a.roles)},
      {"language", a.language},
      {"time_zone", a.time_zone},
      {"disabled", a.disabled},
      {"has_password", a.has_password},
      {"version", a.version},
      {"created_at", internal::TimeText(a.created_at)},
      {"updated_at", internal::TimeText(a.updated_at)},
  });
}

// A deliberately plain check: one @, a local part, a dotted domain of letters, digits and
// hyphens, no spaces or controls. Deliverability is the mail server's business.
Status CheckEmail(std::string_view email) {
  auto bad = [] {
    return Error::InvalidArgument("not an e-mail address", "email", "invalid_email");
  };
  if (email.empty() || email.size() > kMaxEmail) return bad();
  auto at = email.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64 ||
      email.find('@', at + 1) != std::string_view::npos) {
    return bad();
  }
  for (unsigned char c : email.substr(0, at)) {
    if (c <= 0x20 || c == 0x7f || c == '"' || c == '(' || c == ')' || c == ',' || c == ':' ||
        c == ';' || c == '<' || c == '>' || c == '[' || c == '\\' || c == ']') {
      return bad();
    }
  }
  std::string_view domain = email.substr(at + 1);
  if (domain.size() < 3 || domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return bad();
  }
  for (unsigned char c : domain) {
    if (!(std::isalnum(c) || c == '-' || c == '.' || c >= 0x80)) return bad();
  }
  return OkStatus();
}

Status CheckLanguage(std::string_view language) {
  if (std::find(kUnLanguages.begin(), kUnLanguages.end(), language) == kUnLanguages.end()) {
    return Error::InvalidArgument("the language must be one of ar, zh, en, fr, ru, es", "language",
                                  "unsupported_language");
  }
  return OkStatus();
}

Result<Account> ReadAccount(store::Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(auto found, FindAccount(tx, id));
  if (!found) return Error::NotFound("account " + id + " not found");
  return *found;
}

}  // namespace

Result<std::set<Role>> ParseRoles(const std::vector<std::string>& names) {
  std::set<Role> roles;
  for (const auto& name : names) {
    auto role = ParseRole(name);
    if (!role) {
      return Error::InvalidArgument("unknown role '" + name + "'", "roles", "unknown_role");
    }
    roles.insert(*role);
  }
  return roles;
}

std::string RolesText(const std::set<Role>& roles) {
  std::string text;
  for (Role r : roles) {
    if (!text.empty()) text += ',';
    text += RoleName(r);
  }
  return text;
}

Resource AccountResource(const Account& account) {
  Resource r;
  r.audience = Audience::kOrganization;
  r.owner_organization_id = account.organization_id;
  r.subject_account_id = account.id;
  return r;
}

Result<std::optional<Account>> FindAccount(store::Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT " + std::string(kColumns) + " FROM accounts WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<Account>();
  return std::optional<Account>(FromRow(rows[0]));
}

Result<std::vector<Account>> FindAccountsWithRole(store::Transaction& tx, Role role) {
  // Roles are stored as comma-separated names; the LIKE narrows, the parsed set decides.
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kColumns) +
                                           " FROM accounts WHERE disabled = 0 AND roles LIKE ? "
                                           "ORDER BY id",
                                       {"%" + std::string(RoleName(role)) + "%"}));
  std::vector<Account> accounts;
  for (const auto& row : rows) {
    Account account = FromRow(row);
    if (account.roles.count(role)) accounts.push_back(std::move(account));
  }
  return accounts;
}

Result<std::optional<Principal>> LoadPrincipal(store::Transaction& tx, const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT a.organization_id, a.roles, a.disabled, o.category, "
                                       "o.state FROM accounts a JOIN organizations o ON "
                                       "o.id = a.organization_id WHERE a.id = ?",
                                       {id}));
  if (rows.empty() || rows[0].Int(2) != 0) return std::optional<Principal>();
  Principal p;
  p.account_id = id;
  p.organization_id = rows[0].Text(0);
  p.roles = RolesFromText(rows[0].Text(1));
  p.org_category = ParseOrgCategory(rows[0].Text(3)).value_or(OrgCategory::kNonState);
  p.state = p.org_category == OrgCategory::kState ? rows[0].Text(4) : "";
  return std::optional<Principal>(std::move(p));
}

namespace internal {

Result<Account> InsertAccount(store::Transaction& tx, const Principal& actor,
                              const AccountInput& input, TimePoint now) {
  ASSIGN_OR_RETURN(auto org, FindOrganization(tx, input.organization_id));
  if (!org) {
    return Error::InvalidArgument("no organisation " + input.organization_id, "organization_id",
                                  "unknown_organization");
  }
  Account a;
  a.email = input.email;
  RETURN_IF_ERROR(CheckEmail(a.email));
  a.display_name = input.display_name;
  if (a.display_name.empty()) {
    return Error::InvalidArgument("the display name is empty", "display_name", "required");
  }
  RETURN_IF_ERROR(json::CheckText(a.display_name, kMaxDisplayName, "display_name"));
  if (input.roles.empty()) {
    return Error::InvalidArgument("an account needs at least one role", "roles", "required");
  }
  if (input.roles.count(Role::kOperator) != 0) {
    if (!actor.HasRole(Role::kOperator) && !actor.is_system()) {
      return Error::PermissionDenied("only operators may grant the operator role");
    }
    if (org->category != OrgCategory::kSecretariat) {
      return Error::InvalidArgument("only secretariat accounts may be operators", "roles",
                                    "operator_outside_secretariat");
    }
  }
  a.roles = input.roles;
  RETURN_IF_ERROR(CheckLanguage(input.language));
  a.language = input.language;
  if (!IsKnownTimeZone(input.time_zone)) {
    return Error::InvalidArgument("unknown time zone '" + input.time_zone + "'", "time_zone",
                                  "invalid_time_zone");
  }
  a.time_zone = input.time_zone;
  std::optional<std::string> password_hash;
  if (input.password) {
    RETURN_IF_ERROR(CheckPasswordStrength(*input.password));
    ASSIGN_OR_RETURN(password_hash, HashPassword(*input.password));
  }
  ASSIGN_OR_RETURN(auto taken,
                   tx.Query("SELECT 1 FROM accounts WHERE lower(email) = ?", {AsciiLower(a.email)}));
  if (!taken.empty()) return Error::AlreadyExists("the e-mail address is taken", "email");

  a.id = NewId("acc");
  a.organization_id = org->id;
  a.has_password = password_hash.has_value();
  a.version = 1;
  a.created_at = now;
  a.updated_at = now;
  auto inserted = tx.Execute(
      "INSERT INTO accounts (id, organization_id, email, display_name, password_hash, roles, "
      "language, time_zone, disabled, version, created_at, updated_at) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.id, a.organization_id, a.email, a.display_name, store::Value(password_hash),
       RolesText(a.roles), a.language, a.time_zone, false, a.version, ToUnixMillis(now),
       ToUnixMillis(now)});
  if (!inserted.has_value()) {
    if (inserted.error().code == ErrorCode::kAlreadyExists) {
      return Error::AlreadyExists("the e-mail address is taken", "email");
    }
    return std::move(inserted).error();
  }
  RETURN_IF_ERROR(audit::Append(
      tx, Event(actor, "account.create", "account", a.id, a.organization_id, "", Text(a)), now));
  return a;
}

}  // namespace internal

Result<Account> CreateAccount(store::Database& db, const Principal& actor,
                              const AccountInput& input, TimePoint now) {
  return store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<Account> {
        Resource target;
        target.audience = Audience::kOrganization;
        target.owner_organization_id = input.organization_id;
        ASSIGN_OR_RETURN(auto org, FindOrganization(tx, input.organization_id));
        if (org) target.owner_state = org->state;
        RETURN_IF_ERROR(Authorize(actor, Action::kAccountCreate, target));
        return internal::InsertAccount(tx, actor, input, now);
      });
}

Result<Account> GetAccount(store::Database& db, const Principal& actor, const std::string& id) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<Account> {
        if (actor.anonymous()) {
          return Error::Unauthenticated("sign in first");
        }
        ASSIGN_OR_RETURN(auto account, ReadAccount(tx, id));
        RETURN_IF_ERROR(Authorize(actor, Action::kAccountRead, AccountResource(account)));
        return account;
      });
}

Result<std::vector<Account>> ListAccounts(store::Database& db, const Principal& actor,
                                          const std::string& organization_id) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in first");
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<Account>> {
        ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kColumns) +
                                                 " FROM accounts WHERE organization_id = ? "
                                                 "ORDER BY id",
                                             {organization_id}));
        std::vector<Account> accounts;
        for (const auto& row : rows) {
          Account a = FromRow(row);
          if (Allows(actor, Action::kAccountRead, AccountResource(a))) {
            accounts.push_back(std::move(a));
          }
        }
        return accounts;
      });
}

Status SetPassword(store::Database& db, const Principal& actor, const std::string& account_id,
                   const std::string& new_password, TimePoint now) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in first");
  RETURN_IF_ERROR(CheckPasswordStrength(new_password));
  ASSIGN_OR_RETURN(auto hash, HashPassword(new_password));
  return store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto before, ReadAccount(tx, account_id));
    const Resource resource = AccountResource(before);
    RETURN_IF_ERROR(Authorize(actor, Action::kAccountRead, resource));
    if (actor.account_id != account_id) {
      RETURN_IF_ERROR(Authorize(actor, Action::kAccountCreate, resource));
    }
    Account after = before;
    after.has_password = true;
    after.version = before.version + 1;
    after.updated_at = now;
    RETURN_IF_ERROR(tx.Execute(
        "UPDATE accounts SET password_hash = ?, version = ?, updated_at = ? WHERE id = ?",
        {hash, after.version, ToUnixMillis(now), account_id}));
    // A new password ends every browser session signed in with the old one.
    RETURN_IF_ERROR(
        tx.Execute("UPDATE sessions SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                   {ToUnixMillis(now), account_id}));
    RETURN_IF_ERROR(
        audit::Append(tx,
                      internal::Event(actor, "account.set_password", "account", account_id,
                                      before.organization_id, Text(before), Text(after)),
                      now));
    return OkStatus();
  });
}

}  // namespace liaison::security
