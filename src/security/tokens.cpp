#include "security/tokens.hpp"

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "security/credential_cache.hpp"
#include "security/internal.hpp"
#include "security/record_text.hpp"

namespace liaison::security {
namespace {

constexpr std::size_t kMaxName = 100;
constexpr std::size_t kSecretBytes = 32;  // 256 random bits.

constexpr std::string_view kColumns =
    "id, account_id, name, created_at, expires_at, revoked_at, last_used_at";

std::optional<TimePoint> OptTime(const store::Row& row, std::size_t i) {
  if (row.IsNull(i)) return std::nullopt;
  return FromUnixMillis(row.Int(i));
}

ApiToken FromRow(const store::Row& row) {
  ApiToken t;
  t.id = row.Text(0);
  t.account_id = row.Text(1);
  t.name = row.Text(2);
  t.created_at = FromUnixMillis(row.Int(3));
  t.expires_at = FromUnixMillis(row.Int(4));
  t.revoked_at = OptTime(row, 5);
  t.last_used_at = OptTime(row, 6);
  return t;
}

internal::TextValue OptTimeText(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return internal::TimeText(*t);
}

std::string Text(const ApiToken& t) {
  return internal::CanonicalText({
      {"id", t.id},
      {"account_id", t.account_id},
      {"name", t.name},
      {"created_at", internal::TimeText(t.created_at)},
      {"expires_at", internal::TimeText(t.expires_at)},
      {"revoked_at", OptTimeText(t.revoked_at)},
  });
}

Error BadToken() { return Error::Unauthenticated("the token is not valid"); }

bool WellFormedSecret(std::string_view secret) {
  return secret.size() > kTokenPrefix.size() && secret.size() <= 200 &&
         secret.substr(0, kTokenPrefix.size()) == kTokenPrefix;
}

}  // namespace

namespace internal {

Result<IssuedToken> InsertToken(store::Transaction& tx, const Principal& actor,
                                const Account& account, const std::string& name,
                                TimePoint expires_at, TimePoint now) {
  if (name.empty()) return Error::InvalidArgument("the token needs a name", "name", "required");
  RETURN_IF_ERROR(json::CheckText(name, kMaxName, "name"));
  if (expires_at <= now) {
    return Error::InvalidArgument("the expiry must be in the future", "expires_at",
                                  "expiry_in_past");
  }
  if (expires_at - now > kMaxTokenTtl) {
    return Error::InvalidArgument("tokens expire within 3650 days at most", "expires_at",
                                  "expiry_too_far");
  }
  ApiToken stored;
  stored.id = NewId("tok");
  stored.account_id = account.id;
  stored.name = name;
  stored.created_at = now;
  stored.expires_at = expires_at;
  IssuedToken issued{stored.id, name, std::string(kTokenPrefix) + RandomToken(kSecretBytes),
                     expires_at};
  RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO api_tokens (id, account_id, name, token_hash, created_at, expires_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {stored.id, stored.account_id, stored.name, SecretHash(issued.secret), ToUnixMillis(now),
       ToUnixMillis(expires_at)}));
  RETURN_IF_ERROR(audit::Append(tx,
                                Event(actor, "token.create", "api_token", stored.id,
                                      account.organization_id, "", Text(stored)),
                                now));
  return issued;
}

}  // namespace internal

Result<IssuedToken> CreateToken(store::Database& db, const Principal& actor,
                                const std::string& name, std::optional<TimePoint> expires_at,
                                TimePoint now, std::chrono::milliseconds default_ttl) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in first");
  if (actor.is_system()) {
    return Error::FailedPrecondition("the system principal has no account to hold tokens");
  }
  Resource own;
  own.audience = Audience::kOrganization;
  own.owner_organization_id = actor.organization_id;
  own.subject_account_id = actor.account_id;
  RETURN_IF_ERROR(Authorize(actor, Action::kTokenCreate, own));
  return store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<IssuedToken> {
        ASSIGN_OR_RETURN(auto account, FindAccount(tx, actor.account_id));
        if (!account) return Error::NotFound("account " + actor.account_id + " not found");
        return internal::InsertToken(tx, actor, *account, name,
                                     expires_at.value_or(now + default_ttl), now);
      });
}

Result<std::vector<ApiToken>> ListTokens(store::Database& db, const Principal& actor) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in first");
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<ApiToken>> {
        ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kColumns) +
                                                 " FROM api_tokens WHERE account_id = ? "
                                                 "ORDER BY created_at DESC, id",
                                             {actor.account_id}));
        std::vector<ApiToken> tokens;
        for (const auto& row : rows) tokens.push_back(FromRow(row));
        return tokens;
      });
}

Status RevokeToken(store::Database& db, const Principal& actor, const std::string& id,
                   TimePoint now) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in first");
  return store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT " + std::string(kColumns) +
                                             ", (SELECT organization_id FROM accounts WHERE "
                                             "accounts.id = api_tokens.account_id) "
                                             "FROM api_tokens WHERE id = ?",
                                         {id}));
    if (rows.empty()) return Error::NotFound("token " + id + " not found");
    const ApiToken before = FromRow(rows[0]);
    Resource resource;
    resource.audience = Audience::kOrganization;
    resource.owner_organization_id = rows[0].Text(7);
    resource.subject_account_id = before.account_id;
    if (!Allows(actor, Action::kTokenRevoke, resource)) {
      return Error::NotFound("token " + id + " not found");
    }
    if (before.revoked_at) return OkStatus();
    ApiToken after = before;
    after.revoked_at = now;
    RETURN_IF_ERROR(
        tx.Execute("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", {ToUnixMillis(now), id}));
    RETURN_IF_ERROR(
        audit::Append(tx,
                      internal::Event(actor, "token.revoke", "api_token", id,
                                      resource.owner_organization_id, Text(before), Text(after)),
                      now));
    return OkStatus();
  });
}

Result<Principal> AuthenticateToken(store::Database& db, std::string_view secret, TimePoint now,
                                    const std::function<Status(store::Transaction&)>& also_read,
                                    CredentialCache* cache) {
  if (!WellFormedSecret(secret)) return BadToken();
  const std::string hash = internal::SecretHash(secret);
  if (cache != nullptr) {
    if (std::optional<Principal> known = cache->Find(hash, now)) {
      if (also_read) RETURN_IF_ERROR(store::InTransaction(db, store::TxMode::kRead, also_read));
      return std::move(*known);
    }
  }
  std::string token_id;
  std::optional<TimePoint> last_used;
  TimePoint expires_at;
  std::int64_t generation = 0;
  ASSIGN_OR_RETURN(Principal principal,
                   store::InTransaction(
                       db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<Principal> {
                         // Read first: a change committed after this snapshot moves it.
                         if (cache != nullptr) {
                           ASSIGN_OR_RETURN(generation, ReadSecurityGeneration(tx));
                         }
                         ASSIGN_OR_RETURN(auto rows,
                                          tx.Query("SELECT " + std::string(kColumns) +
                                                       " FROM api_tokens WHERE token_hash = ?",
                                                   {hash}));
                         if (rows.empty()) return BadToken();
                         const ApiToken token = FromRow(rows[0]);
                         if (token.revoked_at || token.expires_at <= now) return BadToken();
                         ASSIGN_OR_RETURN(auto p, LoadPrincipal(tx, token.account_id));
                         if (!p) return BadToken();
                         token_id = token.id;
                         last_used = token.last_used_at;
                         expires_at = token.expires_at;
                         p->credential_id = token.id;
                         p->via_session = false;
                         if (also_read) RETURN_IF_ERROR(also_read(tx));
                         return *p;
                       }));
  if (!last_used || now - *last_used >= kLastUsedResolution) {
    // Best effort: a busy database must not turn a valid token away.
    const bool recorded =
        store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
          return tx.Execute(
                       "UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND "
                       "(last_used_at IS NULL OR last_used_at <= ?)",
                       {ToUnixMillis(now), token_id, ToUnixMillis(now - kLastUsedResolution)})
                         .has_value()
                     ? OkStatus()
                     : Status(Error::Unavailable("could not record token use"));
        }).has_value();
    if (recorded) last_used = now;
  }
  if (cache != nullptr) cache->Put(hash, {principal, expires_at, last_used, generation});
  return principal;
}

std::optional<Principal> RecognizeToken(std::string_view secret, TimePoint now,
                                        CredentialCache& cache) {
  if (!WellFormedSecret(secret)) return std::nullopt;
  return cache.FindKnown(internal::SecretHash(secret), now);
}

Result<Bootstrap> BootstrapOperator(store::Database& db, const std::string& org_name,
                                    const std::string& email, const std::string& display_name,
                                    TimePoint now, std::chrono::milliseconds token_ttl) {
  const Principal system = Principal::System();
  return store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<Bootstrap> {
        ASSIGN_OR_RETURN(auto any, tx.Query("SELECT 1 FROM accounts LIMIT 1"));
        if (!any.empty()) {
          return Error::FailedPrecondition("this node already has accounts", "already_initialized");
        }
        Bootstrap made;
        OrganizationInput org;
        org.name = org_name;
        org.category = OrgCategory::kSecretariat;
        org.kind = OrgKind::kOther;
        ASSIGN_OR_RETURN(made.organization, internal::InsertOrganization(tx, system, org, now));
        AccountInput account;
        account.organization_id = made.organization.id;
        account.email = email;
        account.display_name = display_name;
        account.roles = {Role::kOperator};
        ASSIGN_OR_RETURN(made.account, internal::InsertAccount(tx, system, account, now));
        ASSIGN_OR_RETURN(made.token, internal::InsertToken(tx, system, made.account, "bootstrap",
                                                           now + token_ttl, now));
        return made;
      });
}

}  // namespace liaison::security
