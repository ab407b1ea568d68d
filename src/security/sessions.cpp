#include "security/sessions.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <cctype>
#include <optional>

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "security/accounts.hpp"
#include "security/passwords.hpp"
#include "security/record_text.hpp"

namespace liaison::security {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kMaxRemote = 100;

Error BadLogin() { return Error::Unauthenticated("wrong e-mail address or password"); }
Error BadSession() { return Error::Unauthenticated("the session is not valid; sign in again"); }

std::string Text(const std::string& id, const std::string& account_id, TimePoint created_at,
                 TimePoint expires_at, const std::string& remote,
                 std::optional<TimePoint> revoked_at) {
  return internal::CanonicalText({
      {"id", id},
      {"account_id", account_id},
      {"created_at", internal::TimeText(created_at)},
      {"expires_at", internal::TimeText(expires_at)},
      {"remote", remote},
      {"revoked_at", revoked_at ? internal::TimeText(*revoked_at) : internal::TextValue(nullptr)},
  });
}

}  // namespace

Result<Session> Login(store::Database& db, const LoginThrottle& throttle, std::string_view email,
                      std::string_view password, std::string_view remote_address, TimePoint now,
                      std::chrono::milliseconds ttl) {
  const std::string key = AsciiLower(email);
  const std::string remote(remote_address.substr(0, kMaxRemote));

  struct Candidate {
    std::string account_id;
    std::optional<std::string> password_hash;
    bool disabled = false;
  };
  ASSIGN_OR_RETURN(
      std::optional<Candidate> candidate,
      store::InTransaction(db, store::TxMode::kRead,
                           [&](store::Transaction& tx) -> Result<std::optional<Candidate>> {
                             RETURN_IF_ERROR(throttle.Check(tx, key, remote, now));
                             ASSIGN_OR_RETURN(auto rows,
                                              tx.Query("SELECT id, password_hash, disabled FROM "
                                                       "accounts WHERE lower(email) = ?",
                                                       {key}));
                             if (rows.empty()) return std::optional<Candidate>();
                             return std::optional<Candidate>(Candidate{
                                 rows[0].Text(0), rows[0].OptText(1), rows[0].Int(2) != 0});
                           }));
  // Every path verifies one Argon2id hash, so timing does not tell which accounts exist.
  bool verified = false;
  if (candidate && candidate->password_hash) {
    verified = VerifyPassword(*candidate->password_hash, password);
  } else {
    VerifyAgainstDummy(password);
  }
  if (!verified || candidate->disabled) {
    RETURN_IF_ERROR(throttle.RecordFailure(db, key, remote, now));
    return BadLogin();
  }

  Session session;
  session.id = NewId("ses");
  session.secret = RandomToken(kSecretBytes);
  session.csrf_token = RandomToken(kSecretBytes);
  session.expires_at = now + ttl;
  RETURN_IF_ERROR(
      store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        ASSIGN_OR_RETURN(auto principal, LoadPrincipal(tx, candidate->account_id));
        if (!principal) return BadLogin();  // Disabled or removed meanwhile.
        RETURN_IF_ERROR(throttle.RecordSuccess(tx, key));
        principal->credential_id = session.id;
        principal->via_session = true;
        session.principal = *principal;
        RETURN_IF_ERROR(
            tx.Execute("INSERT INTO sessions (id, account_id, session_hash, csrf_hash, created_at, "
                       "expires_at, "
                       "remote) VALUES (?, ?, ?, ?, ?, ?, ?)",
                       {session.id, candidate->account_id, internal::SecretHash(session.secret),
                        internal::SecretHash(session.csrf_token), ToUnixMillis(now),
                        ToUnixMillis(session.expires_at), remote}));
        RETURN_IF_ERROR(
            audit::Append(tx,
                          internal::Event(session.principal, "session.create", "session",
                                          session.id, session.principal.organization_id, "",
                                          Text(session.id, candidate->account_id, now,
                                               session.expires_at, remote, std::nullopt)),
                          now));
        return OkStatus();
      }));
  return session;
}

Result<AuthenticatedSession> AuthenticateSession(store::Database& db, std::string_view secret,
                                                 TimePoint now) {
  if (secret.empty() || secret.size() > 200) return BadSession();
  const std::string hash = internal::SecretHash(secret);
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<AuthenticatedSession> {
        ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id, account_id, csrf_hash, expires_at, revoked_at FROM "
                                  "sessions WHERE session_hash = ?",
                                  {hash}));
        if (rows.empty() || !rows[0].IsNull(4) || FromUnixMillis(rows[0].Int(3)) <= now) {
          return BadSession();
        }
        ASSIGN_OR_RETURN(auto principal, LoadPrincipal(tx, rows[0].Text(1)));
        if (!principal) return BadSession();
        principal->credential_id = rows[0].Text(0);
        principal->via_session = true;
        return AuthenticatedSession{*principal, rows[0].Text(2), FromUnixMillis(rows[0].Int(3))};
      });
}

Status CheckCsrf(const AuthenticatedSession& session, std::string_view csrf_token) {
  // Hash first: the comparison then runs over two equal-length digests.
  const std::string presented = internal::SecretHash(csrf_token);
  if (csrf_token.empty() || !ConstantTimeEquals(presented, session.csrf_hash)) {
    Error e = Error::PermissionDenied("missing or wrong CSRF token");
    e.reason = "csrf_mismatch";
    return e;
  }
  return OkStatus();
}

Status Logout(store::Database& db, std::string_view secret, TimePoint now) {
  if (secret.empty() || secret.size() > 200) return OkStatus();
  const std::string hash = internal::SecretHash(secret);
  return store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, account_id, created_at, expires_at, remote "
                                         "FROM sessions WHERE session_hash = ? AND "
                                         "revoked_at IS NULL",
                                         {hash}));
    if (rows.empty()) return OkStatus();
    const auto& row = rows[0];
    RETURN_IF_ERROR(tx.Execute("UPDATE sessions SET revoked_at = ? WHERE id = ?",
                               {ToUnixMillis(now), row.Text(0)}));
    ASSIGN_OR_RETURN(auto principal, LoadPrincipal(tx, row.Text(1)));
    Principal actor = principal.value_or(Principal{});
    actor.account_id = row.Text(1);
    const auto created = FromUnixMillis(row.Int(2));
    const auto expires = FromUnixMillis(row.Int(3));
    RETURN_IF_ERROR(audit::Append(
        tx,
        internal::Event(actor, "session.revoke", "session", row.Text(0), actor.organization_id,
                        Text(row.Text(0), row.Text(1), created, expires, row.Text(4), std::nullopt),
                        Text(row.Text(0), row.Text(1), created, expires, row.Text(4), now)),
        now));
    return OkStatus();
  });
}

}  // namespace liaison::security
