// What every API handler needs, and the helpers that translate between HTTP and the domain:
// authentication, JSON bodies, versions (If-Match/ETag), pagination and error responses.
// Handlers are pure translation: they parse, call one domain function, and render.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "http/message.hpp"
#include "http/response_cache.hpp"
#include "security/credential_cache.hpp"
#include "security/login_throttle.hpp"
#include "security/principal.hpp"
#include "security/signing.hpp"
#include "store/database.hpp"

namespace liaison::jurisdiction {
class JurisdictionService;
}  // namespace liaison::jurisdiction

namespace liaison::api {

// Shared, long-lived objects. Thread-safe as each member is.
struct AppContext {
  store::Database* db = nullptr;
  const Clock* clock = nullptr;
  const Config* config = nullptr;
  security::LoginThrottle* throttle = nullptr;
  const security::Signer* signer = nullptr;  // Signs receipts with the node's current key.
  jurisdiction::JurisdictionService* jurisdiction = nullptr;  // The IP data set in use.
  http::ResponseCache* directory_cache = nullptr;  // Cached contact lists; none when null.
  security::CredentialCache* credentials = nullptr;  // Verified bearer tokens; none when null.
};

// The name of the browser session cookie and of the CSRF header that must accompany every
// unsafe method sent with it.
inline constexpr const char* kSessionCookie = "liaison_session";
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

// Resolves the caller: a Bearer token, or the session cookie (with the CSRF header on unsafe
// methods). Without credentials: an anonymous principal. Bad, expired or revoked credentials,
// or a missing/wrong CSRF token: unauthenticated. `also_read`, when set, is a handler's own read
// run with the credential check: in the token's read transaction for a bearer token (one
// transaction instead of two), in a read transaction of its own otherwise; run only when the
// credentials are good, and for an anonymous caller.
Result<security::Principal> Authenticate(
    const AppContext& app, const http::Request& request,
    const std::function<Status(store::Transaction&)>& also_read = nullptr);

// The caller's principal when the request carries a bearer token that the credential cache
// vouches for without reading the database (security::RecognizeToken); nullopt otherwise
// (no cache, a session cookie, no credentials, a token not remembered: Authenticate decides).
// Never blocks on the database: for handlers' fast paths (http::FastHandler).
std::optional<security::Principal> RecognizeBearer(const AppContext& app,
                                                   const http::Request& request);

// Like Authenticate but refuses anonymous callers with unauthenticated.
Result<security::Principal> RequireAccount(
    const AppContext& app, const http::Request& request,
    const std::function<Status(store::Transaction&)>& also_read = nullptr);

// Parses the body as a JSON object: 415 unless the content type is application/json,
// invalid_argument for malformed JSON or invalid UTF-8.
Result<boost::json::value> ParseJsonBody(const http::Request& request);

// The version the client holds, from If-Match ("3" or W/"3"): failed_precondition with reason
// "version_required" when absent, invalid_argument when malformed.
Result<std::int64_t> RequireIfMatch(const http::Request& request);

// An ETag for a record version: "\"3\"".
std::string ETag(std::int64_t version);

struct PageRequest {
  int limit = 50;
  std::string cursor;
};

// Reads `limit` (1..500, default 50) and `cursor` from the query.
Result<PageRequest> ParsePage(const http::Request& request);

// A JSON response.
http::Response Json(int status, const boost::json::value& body);

// A problem+json response for `error`, carrying the request id.
http::Response Fail(const http::Request& request, const Error& error);

// Turns Result<http::Response> into a response, failing with problem+json.
http::Response Respond(const http::Request& request, Result<http::Response> result);

// A route handler calling `f(app, request)`, which returns Result<http::Response>.
template <typename F>
http::Handler Bind(const AppContext& app, F f) {
  return [&app, f](http::Request& request) { return Respond(request, f(app, request)); };
}

// A time for the wire: RFC 3339 UTC.
boost::json::value TimeJson(TimePoint t);
boost::json::value TimeJson(const std::optional<TimePoint>& t);

}  // namespace liaison::api
