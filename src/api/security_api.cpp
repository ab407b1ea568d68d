// /api/v1/session, /me, /accounts, /tokens and /organizations, and the node's public signing keys
// at /.well-known/liaison-keys.json.
#include "api/app.hpp"
#include "api/render.hpp"
#include "security/sessions.hpp"
#include "security/signing.hpp"
#include "security/tokens.hpp"

namespace liaison::api {
namespace {

std::string SessionCookie(const AppContext& app, const std::string& value, long long max_age) {
  std::string cookie = std::string(kSessionCookie) + "=" + value +
                       "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(max_age);
  if (app.config->security.secure_cookies || !app.config->server.tls_certificate.empty()) {
    cookie += "; Secure";
  }
  return cookie;
}

Result<http::Response> Login(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  ASSIGN_OR_RETURN(auto email, reader.RequiredString("email", 254));
  ASSIGN_OR_RETURN(auto password, reader.RequiredString("password", 1024));
  RETURN_IF_ERROR(reader.RejectUnknown());
  TimePoint now = app.clock->Now();
  ASSIGN_OR_RETURN(auto session,
                   security::Login(*app.db, *app.throttle, email, password, request.remote_address,
                                   now,
                                   std::chrono::minutes(app.config->security.session_ttl_minutes)));
  ASSIGN_OR_RETURN(auto account, security::GetAccount(*app.db, session.principal,
                                                      session.principal.account_id));
  auto response = Json(201, {{"csrf_token", session.csrf_token},
                             {"expires_at", TimeJson(session.expires_at)},
                             {"account", AccountJson(account)}});
  auto max_age = std::chrono::duration_cast<std::chrono::seconds>(session.expires_at - now).count();
  response.SetHeader("Set-Cookie", SessionCookie(app, session.secret, max_age));
  return response;
}

Result<http::Response> Logout(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  if (auto cookie = request.Cookie(kSessionCookie)) {
    RETURN_IF_ERROR(security::Logout(*app.db, *cookie, app.clock->Now()));
  }
  http::Response response{204, {}, {}};
  response.SetHeader("Set-Cookie", SessionCookie(app, "", 0));
  return response;
}

Result<http::Response> Me(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto account, security::GetAccount(*app.db, principal, principal.account_id));
  ASSIGN_OR_RETURN(auto org,
                   security::GetOrganization(*app.db, principal, principal.organization_id));
  return Json(200, {{"account", AccountJson(account)},
                    {"organization", OrganizationJson(org)},
                    {"via", principal.via_session ? "session" : "token"}});
}

Result<http::Response> CreateAccount(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  security::AccountInput in;
  ASSIGN_OR_RETURN(in.organization_id, reader.RequiredString("organization_id", 64));
  ASSIGN_OR_RETURN(in.email, reader.RequiredString("email", 254));
  ASSIGN_OR_RETURN(in.display_name, reader.RequiredString("display_name", 200));
  ASSIGN_OR_RETURN(auto role_names, reader.StringArray("roles", 6, 32));
  if (role_names.empty()) return Error::InvalidArgument("give at least one role", "roles", "required");
  for (std::size_t i = 0; i < role_names.size(); ++i) {
    if (!security::ParseRole(role_names[i])) {
      return Error::InvalidArgument(
          "must be operator, policy, technical, law_enforcement, analyst or observer",
          "roles[" + std::to_string(i) + "]", "unknown_role");
    }
  }
  ASSIGN_OR_RETURN(in.roles, security::ParseRoles(role_names));
  ASSIGN_OR_RETURN(in.password, reader.OptionalString("password", 1024));
  ASSIGN_OR_RETURN(auto language, reader.OptionalString("language", 8));
  in.language = language.value_or("en");
  ASSIGN_OR_RETURN(auto zone, reader.OptionalString("time_zone", 64));
  in.time_zone = zone.value_or("UTC");
  RETURN_IF_ERROR(reader.RejectUnknown());
  ASSIGN_OR_RETURN(auto account,
                   security::CreateAccount(*app.db, principal, in, app.clock->Now()));
  auto response = Json(201, AccountJson(account));
  response.SetHeader("Location", "/api/v1/accounts/" + account.id);
  return response;
}

Result<http::Response> ListAccounts(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  std::string org = request.Query("organization_id").value_or(principal.organization_id);
  ASSIGN_OR_RETURN(auto accounts, security::ListAccounts(*app.db, principal, org));
  boost::json::array items;
  for (const auto& a : accounts) items.push_back(AccountJson(a));
  return Json(200, {{"items", std::move(items)}, {"next", nullptr}});
}

Result<http::Response> GetAccount(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto account,
                   security::GetAccount(*app.db, principal, request.path_params["id"]));
  return Json(200, AccountJson(account));
}

boost::json::object TokenJson(const security::ApiToken& t) {
  return {{"id", t.id},
          {"name", t.name},
          {"created_at", TimeJson(t.created_at)},
          {"expires_at", TimeJson(t.expires_at)},
          {"revoked_at", TimeJson(t.revoked_at)},
          {"last_used_at", TimeJson(t.last_used_at)}};
}

Result<http::Response> CreateToken(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  ASSIGN_OR_RETURN(auto name, reader.RequiredString("name", 100));
  ASSIGN_OR_RETURN(auto expires_text, reader.OptionalString("expires_at", 40));
  RETURN_IF_ERROR(reader.RejectUnknown());
  std::optional<TimePoint> expires_at;
  if (expires_text) {
    ASSIGN_OR_RETURN(expires_at, ParseRfc3339(*expires_text, "expires_at"));
  }
  ASSIGN_OR_RETURN(auto issued,
                   security::CreateToken(*app.db, principal, name, expires_at, app.clock->Now(),
                                         std::chrono::days(
                                             app.config->security.token_default_ttl_days)));
  return Json(201, {{"id", issued.id},
                    {"name", issued.name},
                    {"token", issued.secret},
                    {"expires_at", TimeJson(issued.expires_at)}});
}

Result<http::Response> ListTokens(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto tokens, security::ListTokens(*app.db, principal));
  boost::json::array items;
  for (const auto& t : tokens) items.push_back(TokenJson(t));
  return Json(200, {{"items", std::move(items)}, {"next", nullptr}});
}

Result<http::Response> RevokeToken(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::RevokeToken(*app.db, principal, request.path_params["id"],
                                        app.clock->Now()));
  return http::Response{204, {}, {}};
}

Result<security::OrganizationInput> ParseOrganization(const boost::json::value& body,
                                                      bool create) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  security::OrganizationInput in;
  ASSIGN_OR_RETURN(in.name, reader.RequiredString("name", 200));
  if (create) {
    ASSIGN_OR_RETURN(auto category, reader.RequiredString("category", 16));
    auto parsed = security::ParseOrgCategory(category);
    if (!parsed) {
      return Error::InvalidArgument("must be state, non_state or secretariat", "category",
                                    "invalid_category");
    }
    in.category = *parsed;
    ASSIGN_OR_RETURN(auto state, reader.OptionalString("state", 2));
    in.state = state.value_or("");
  }
  ASSIGN_OR_RETURN(auto kind, reader.OptionalString("kind", 32));
  if (kind) {
    auto parsed = security::ParseOrgKind(*kind);
    if (!parsed) {
      return Error::InvalidArgument(
          "must be foreign_ministry, national_cert, law_enforcement, regulator or other", "kind",
          "invalid_kind");
    }
    in.kind = *parsed;
  }
  ASSIGN_OR_RETURN(auto website, reader.OptionalString("website", 500));
  in.website = website.value_or("");
  RETURN_IF_ERROR(reader.RejectUnknown());
  return in;
}

http::Response OrganizationResponse(int status, const security::Organization& org) {
  auto response = Json(status, OrganizationJson(org));
  response.SetHeader("ETag", ETag(org.version));
  return response;
}

Result<http::Response> CreateOrganization(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto input, ParseOrganization(body, true));
  ASSIGN_OR_RETURN(auto org,
                   security::CreateOrganization(*app.db, principal, input, app.clock->Now()));
  auto response = OrganizationResponse(201, org);
  response.SetHeader("Location", "/api/v1/organizations/" + org.id);
  return response;
}

Result<http::Response> UpdateOrganization(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto version, RequireIfMatch(request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto input, ParseOrganization(body, false));
  ASSIGN_OR_RETURN(auto org, security::UpdateOrganization(*app.db, principal,
                                                          request.path_params["id"], input,
                                                          version, app.clock->Now()));
  return OrganizationResponse(200, org);
}

Result<http::Response> GetOrganization(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto org,
                   security::GetOrganization(*app.db, principal, request.path_params["id"]));
  return OrganizationResponse(200, org);
}

Result<http::Response> ListOrganizations(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  security::OrganizationFilter filter;
  filter.limit = page.limit;
  filter.after_id = page.cursor;
  if (auto state = request.Query("state")) {
    if (!IsParticipatingState(*state)) {
      return Error::InvalidArgument("not a UN member or observer state code", "state",
                                    "unknown_state");
    }
    filter.state = *state;
  }
  if (auto category = request.Query("category")) {
    filter.category = security::ParseOrgCategory(*category);
    if (!filter.category) return Error::InvalidArgument("unknown category", "category");
  }
  if (auto kind = request.Query("kind")) {
    filter.kind = security::ParseOrgKind(*kind);
    if (!filter.kind) return Error::InvalidArgument("unknown organisation kind", "kind");
  }
  ASSIGN_OR_RETURN(auto orgs, security::ListOrganizations(*app.db, principal, filter));
  boost::json::array items;
  for (const auto& o : orgs) items.push_back(OrganizationJson(o));
  boost::json::value next = nullptr;
  if (static_cast<int>(orgs.size()) == filter.limit) next = boost::json::string(orgs.back().id);
  return Json(200, {{"items", std::move(items)}, {"next", next}});
}

// Public: anyone verifying a receipt needs the keys. They change only on rotation, and a
// retired key stays in the set, so a few minutes of caching never breaks a verification.
Result<http::Response> PublicKeys(const AppContext& app, http::Request&) {
  ASSIGN_OR_RETURN(std::string set, security::PublicKeySet(*app.db));
  auto response = http::Response::Text(200, std::move(set), "application/jwk-set+json");
  response.SetHeader("Cache-Control", "public, max-age=300");
  return response;
}

}  // namespace

void AddSecurityRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/.well-known/liaison-keys.json", Bind(app, PublicKeys));
  router.Add("POST", "/api/v1/session", Bind(app, Login));
  router.Add("DELETE", "/api/v1/session", Bind(app, Logout));
  router.Add("GET", "/api/v1/me", Bind(app, Me));
  router.Add("POST", "/api/v1/accounts", Bind(app, CreateAccount));
  router.Add("GET", "/api/v1/accounts", Bind(app, ListAccounts));
  router.Add("GET", "/api/v1/accounts/{id}", Bind(app, GetAccount));
  router.Add("POST", "/api/v1/tokens", Bind(app, CreateToken));
  router.Add("GET", "/api/v1/tokens", Bind(app, ListTokens));
  router.Add("DELETE", "/api/v1/tokens/{id}", Bind(app, RevokeToken));
  router.Add("POST", "/api/v1/organizations", Bind(app, CreateOrganization));
  router.Add("GET", "/api/v1/organizations", Bind(app, ListOrganizations));
  router.Add("GET", "/api/v1/organizations/{id}", Bind(app, GetOrganization));
  router.Add("PATCH", "/api/v1/organizations/{id}", Bind(app, UpdateOrganization));
}

}  // namespace liaison::api
