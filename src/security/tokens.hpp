// API tokens: bearer secrets for programs ("lia_" + 256 random bits). Only a BLAKE2b-256 hash of
// each secret is stored; the secret is shown once, when issued. Also the bootstrap of the first
// operator for `liaison init`. Functions are thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/accounts.hpp"
#include "security/organizations.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

class CredentialCache;

inline constexpr std::string_view kTokenPrefix = "lia_";
// Lifetime of a token issued without an expiry.
inline constexpr std::chrono::milliseconds kDefaultTokenTtl = std::chrono::days(90);
// The furthest in the future a token may expire (the operator guide's token_default_ttl_days
// allows up to 3650).
inline constexpr std::chrono::milliseconds kMaxTokenTtl = std::chrono::days(3650);
// last_used_at is written at most this often per token, so reads do not become writes.
inline constexpr std::chrono::milliseconds kLastUsedResolution = std::chrono::minutes(1);

// A newly issued token. `secret` exists only here: it is not stored and cannot be shown again.
struct IssuedToken {
  std::string id;  // "tok_…"
  std::string name;
  std::string secret;  // "lia_…"
  TimePoint expires_at;
};

// A stored token, without its secret.
struct ApiToken {
  std::string id;
  std::string account_id;
  std::string name;
  TimePoint created_at;
  TimePoint expires_at;
  std::optional<TimePoint> revoked_at;
  std::optional<TimePoint> last_used_at;
};

// Issues a token for `actor`'s own account, named `name` (1–100 characters), expiring at
// `expires_at` or, when absent, `default_ttl` after `now`. invalid_argument for an empty or long
// "name" or an "expires_at" not after `now` or beyond kMaxTokenTtl; unauthenticated when
// anonymous; failed_precondition for the system principal (it has no account). Audited.
Result<IssuedToken> CreateToken(store::Database& db, const Principal& actor,
                                const std::string& name, std::optional<TimePoint> expires_at,
                                TimePoint now,
                                std::chrono::milliseconds default_ttl = kDefaultTokenTtl);

// The tokens of `actor`'s own account, newest first, revoked and expired ones included.
// unauthenticated when anonymous.
Result<std::vector<ApiToken>> ListTokens(store::Database& db, const Principal& actor);

// Revokes token `id`: one's own, or anyone's for operators. not_found for a token that does not
// exist or that `actor` may not see. Revoking a revoked token succeeds and changes nothing.
// Audited.
Status RevokeToken(store::Database& db, const Principal& actor, const std::string& id,
                   TimePoint now);

// The principal a bearer `secret` stands for, with credential_id the token id. unauthenticated
// (one message for every case) when the secret is malformed or unknown, or the token expired or
// was revoked, or its account is disabled. Records last_used_at at most once per
// kLastUsedResolution. `also_read`, when set, runs in the same read transaction once the token
// is verified: a caller's own read that shares the snapshot instead of opening a transaction of
// its own (its error is returned as is; it must be re-runnable, see store::InTransaction).
// With `cache`, a token it remembers at the current security generation is answered without
// reading the database (then `also_read` runs in a read transaction of its own), and a token
// verified in the database is remembered (CredentialCache says for how long a change made by
// another process may go unseen).
Result<Principal> AuthenticateToken(
    store::Database& db, std::string_view secret, TimePoint now,
    const std::function<Status(store::Transaction&)>& also_read = nullptr,
    CredentialCache* cache = nullptr);

// The principal `cache` vouches for the bearer `secret` without reading the database (see
// CredentialCache::FindKnown), or nullopt: then AuthenticateToken decides. Never blocks on the
// database, so that a server may call it where it must not block.
std::optional<Principal> RecognizeToken(std::string_view secret, TimePoint now,
                                        CredentialCache& cache);

// What BootstrapOperator() made.
struct Bootstrap {
  Organization organization;
  Account account;
  IssuedToken token;
};

// For `liaison init`: creates the secretariat organisation `org_name`, an operator account
// (`email`, `display_name`, no password) and a token for it, in one transaction audited as
// "system". failed_precondition with reason "already_initialized" when any account exists;
// invalid_argument as CreateOrganization/CreateAccount.
Result<Bootstrap> BootstrapOperator(store::Database& db, const std::string& org_name,
                                    const std::string& email, const std::string& display_name,
                                    TimePoint now,
                                    std::chrono::milliseconds token_ttl = kDefaultTokenTtl);

}  // namespace liaison::security
