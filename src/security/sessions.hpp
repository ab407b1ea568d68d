// Browser sessions: sign-in with e-mail and password, a session cookie and a CSRF token. Only
// BLAKE2b-256 hashes of the cookie value and the CSRF token are stored. Functions are
// thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/login_throttle.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::security {

// How long a session lasts after sign-in.
inline constexpr std::chrono::milliseconds kDefaultSessionTtl = std::chrono::hours(12);

// A new session. `secret` (the cookie value) and `csrf_token` exist only here.
struct Session {
  std::string id;  // "ses_…"
  std::string secret;
  std::string csrf_token;
  TimePoint expires_at;
  Principal principal;
};

// A session presented with a request.
struct AuthenticatedSession {
  Principal principal;  // via_session true; credential_id the session id.
  std::string csrf_hash;
  TimePoint expires_at;
};

// Signs in `email` (any case) with `password` from `remote_address`. resource_exhausted with
// reason "login_throttled" when `throttle` refuses; unauthenticated, with one message and
// similar timing, for an unknown address, a wrong password, an account without a password or a
// disabled account. Audited ("session.create").
Result<Session> Login(store::Database& db, const LoginThrottle& throttle, std::string_view email,
                      std::string_view password, std::string_view remote_address, TimePoint now,
                      std::chrono::milliseconds ttl = kDefaultSessionTtl);

// The session whose cookie value is `secret`. unauthenticated when it is unknown, expired or
// revoked, or its account is disabled.
Result<AuthenticatedSession> AuthenticateSession(store::Database& db, std::string_view secret,
                                                 TimePoint now);

// OK when `csrf_token` is the session's CSRF token (compared in constant time);
// permission_denied with reason "csrf_mismatch" otherwise.
Status CheckCsrf(const AuthenticatedSession& session, std::string_view csrf_token);

// Ends the session whose cookie value is `secret`. Unknown or ended sessions succeed and change
// nothing. Audited ("session.revoke").
Status Logout(store::Database& db, std::string_view secret, TimePoint now);

}  // namespace liaison::security
