#include "api/context.hpp"

#include <charconv>

#include "core/json.hpp"
#include "security/sessions.hpp"
#include "security/tokens.hpp"

namespace liaison::api {
namespace {

bool IsUnsafe(const std::string& method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

constexpr std::string_view kBearer = "Bearer ";

// The secret of an "Authorization: Bearer <secret>" value, or nullopt when it is not one.
std::optional<std::string_view> BearerSecret(std::string_view authorization) {
  if (authorization.size() <= kBearer.size() || authorization.substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  return authorization.substr(kBearer.size());
}

}  // namespace

std::optional<security::Principal> RecognizeBearer(const AppContext& app,
                                                   const http::Request& request) {
  if (app.credentials == nullptr) return std::nullopt;
  auto authorization = request.headers.find("Authorization");
  if (authorization == request.headers.end()) return std::nullopt;
  std::optional<std::string_view> secret = BearerSecret(authorization->second);
  if (!secret) return std::nullopt;
  return security::RecognizeToken(*secret, app.clock->Now(), *app.credentials);
}

Result<security::Principal> Authenticate(
    const AppContext& app, const http::Request& request,
    const std::function<Status(store::Transaction&)>& also_read) {
  TimePoint now = app.clock->Now();
  if (auto authorization = request.Header("Authorization")) {
    std::optional<std::string_view> secret = BearerSecret(*authorization);
    if (!secret) return Error::Unauthenticated("expected Authorization: Bearer <token>");
    return security::AuthenticateToken(*app.db, *secret, now, also_read, app.credentials);
  }
  security::Principal principal;  // Anonymous without credentials.
  if (auto cookie = request.Cookie(kSessionCookie)) {
    ASSIGN_OR_RETURN(auto session, security::AuthenticateSession(*app.db, *cookie, now));
    if (IsUnsafe(request.method)) {
      auto csrf = request.Header(kCsrfHeader);
      if (!csrf || !security::CheckCsrf(session, *csrf).has_value()) {
        return Error::Unauthenticated("missing or wrong " + std::string(kCsrfHeader) + " header");
      }
    }
    principal = std::move(session.principal);
  }
  // Sessions and anonymous callers: the handler's read in a transaction of its own.
  if (also_read) RETURN_IF_ERROR(store::InTransaction(*app.db, store::TxMode::kRead, also_read));
  return principal;
}

Result<security::Principal> RequireAccount(
    const AppContext& app, const http::Request& request,
    const std::function<Status(store::Transaction&)>& also_read) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request, also_read));
  if (principal.anonymous()) return Error::Unauthenticated("sign in or send a bearer token");
  return principal;
}

Result<boost::json::value> ParseJsonBody(const http::Request& request) {
  auto type = request.Header("Content-Type").value_or("");
  auto semicolon = type.find(';');
  std::string media = type.substr(0, semicolon);
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (media != "application/json") {
    return Error::InvalidArgument("send the body as application/json", "Content-Type",
                                  "unsupported_media_type");
  }
  ASSIGN_OR_RETURN(auto value, json::Parse(request.body));
  if (!value.is_object()) {
    return Error::InvalidArgument("the body must be a JSON object", "", "wrong_type");
  }
  return value;
}

Result<std::int64_t> RequireIfMatch(const http::Request& request) {
  auto header = request.Header("If-Match");
  if (!header) {
    return Error::FailedPrecondition(
        "send If-Match with the version (ETag) you last read, to avoid overwriting others' "
        "changes",
        "version_required");
  }
  std::string_view v = *header;
  if (v.substr(0, 2) == "W/") v.remove_prefix(2);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  std::int64_t version = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), version);
  if (ec != std::errc() || end != v.data() + v.size() || version < 1) {
    Error e = Error::InvalidArgument("If-Match must be an ETag such as \"3\"", "If-Match",
                                     "invalid_version");
    return e;
  }
  return version;
}

std::string ETag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

Result<PageRequest> ParsePage(const http::Request& request) {
  PageRequest page;
  if (auto limit = request.Query("limit")) {
    int n = 0;
    auto [end, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (ec != std::errc() || end != limit->data() + limit->size() || n < 1 || n > 500) {
      return Error::InvalidArgument("must be an integer from 1 to 500", "limit", "out_of_range");
    }
    page.limit = n;
  }
  if (auto cursor = request.Query("cursor")) {
    if (cursor->size() > 200) return Error::InvalidArgument("malformed cursor", "cursor");
    page.cursor = *cursor;
  }
  return page;
}

http::Response Json(int status, const boost::json::value& body) {
  return http::Response::Json(status, boost::json::serialize(body));
}

http::Response Fail(const http::Request& request, const Error& error) {
  return http::ProblemResponse(error, request.request_id);
}

http::Response Respond(const http::Request& request, Result<http::Response> result) {
  if (!result.has_value()) return Fail(request, result.error());
  return std::move(result).value();
}

boost::json::value TimeJson(TimePoint t) { return boost::json::string(FormatRfc3339(t)); }

boost::json::value TimeJson(const std::optional<TimePoint>& t) {
  if (!t) return nullptr;
  return TimeJson(*t);
}

}  // namespace liaison::api
