// /api/v1/contacts: points of contact, their filters, versions and exports.
#include "api/app.hpp"
#include "api/render.hpp"
#include "directory/export.hpp"

namespace liaison::api {
namespace {

Result<directory::ContactFilter> ParseFilter(const http::Request& request) {
  directory::ContactFilter filter;
  if (auto state = request.Query("state")) {
    if (state->size() != 2 || !IsParticipatingState(*state)) {
      return Error::InvalidArgument("not a UN member or observer state code", "state",
                                    "unknown_state");
    }
    filter.state = *state;
  }
  if (auto group = request.Query("group")) {
    filter.regional_group = ParseRegionalGroup(*group);
    if (!filter.regional_group) {
      return Error::InvalidArgument("unknown regional group", "group", "unknown_group");
    }
  }
  if (auto level = request.Query("level")) {
    filter.level = directory::ParseContactLevel(*level);
    if (!filter.level)
      return Error::InvalidArgument("must be policy, technical or law_enforcement", "level");
  }
  if (auto language = request.Query("language")) {
    auto tag = directory::NormalizeLanguageTag(*language);
    if (!tag) return Error::InvalidArgument("not a BCP 47 language tag", "language");
    filter.language = *tag;
  }
  if (auto always = request.Query("available_24_7")) {
    if (*always != "true" && *always != "false") {
      return Error::InvalidArgument("must be true or false", "available_24_7");
    }
    filter.available_24_7 = *always == "true";
  }
  if (auto kind = request.Query("kind")) {
    filter.org_kind = security::ParseOrgKind(*kind);
    if (!filter.org_kind) return Error::InvalidArgument("unknown organisation kind", "kind");
  }
  if (auto q = request.Query("q")) {
    RETURN_IF_ERROR(json::CheckText(*q, 200, "q"));
    filter.text = *q;
  }
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  filter.limit = page.limit;
  filter.after_id = page.cursor;
  return filter;
}

http::Response ContactResponse(int status, const directory::PointOfContact& c, TimePoint now) {
  auto response = Json(status, ContactJson(c, now));
  response.SetHeader("ETag", ETag(c.version));
  return response;
}

Result<http::Response> List(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto filter, ParseFilter(request));
  ASSIGN_OR_RETURN(auto page, directory::ListContacts(*app.db, principal, filter));
  TimePoint now = app.clock->Now();
  boost::json::monotonic_resource arena;
  boost::json::storage_ptr sp(&arena);
  boost::json::array items(sp);
  items.reserve(page.contacts.size());
  for (const auto& c : page.contacts) items.push_back(ContactJson(c, now, sp));
  boost::json::value next(sp);
  if (!page.next_cursor.empty()) next = boost::json::string(page.next_cursor, sp);
  return Json(200,
              boost::json::object({{"items", std::move(items)}, {"next", std::move(next)}}, sp));
}

Result<http::Response> Create(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto input, ParseContactInput(body));
  TimePoint now = app.clock->Now();
  ASSIGN_OR_RETURN(auto contact, directory::CreateContact(*app.db, principal, input, now));
  auto response = ContactResponse(201, contact, now);
  response.SetHeader("Location", "/api/v1/contacts/" + contact.id);
  return response;
}

Result<http::Response> Get(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto contact,
                   directory::GetContact(*app.db, principal, request.path_params["id"]));
  return ContactResponse(200, contact, app.clock->Now());
}

Result<http::Response> Patch(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto version, RequireIfMatch(request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto patch, ParseContactPatch(body));
  TimePoint now = app.clock->Now();
  ASSIGN_OR_RETURN(
      auto contact,
      directory::UpdateContact(*app.db, principal, request.path_params["id"], patch, version, now));
  return ContactResponse(200, contact, now);
}

Result<http::Response> Delete(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto version, RequireIfMatch(request));
  RETURN_IF_ERROR(directory::DeleteContact(*app.db, principal, request.path_params["id"], version,
                                           app.clock->Now()));
  return http::Response{204, {}, {}};
}

Result<http::Response> Export(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kContactExport, {}));
  ASSIGN_OR_RETURN(auto filter, ParseFilter(request));
  std::string format = request.Query("format").value_or("json");
  std::string body, type, extension;
  if (format == "json") {
    ASSIGN_OR_RETURN(body, directory::ExportJson(*app.db, principal, filter));
    type = "application/json";
    extension = "json";
  } else if (format == "csv") {
    ASSIGN_OR_RETURN(body, directory::ExportCsv(*app.db, principal, filter));
    type = "text/csv; charset=utf-8";
    extension = "csv";
  } else if (format == "vcard") {
    ASSIGN_OR_RETURN(body, directory::ExportVcard(*app.db, principal, filter));
    type = "text/vcard; charset=utf-8";
    extension = "vcf";
  } else {
    return Error::InvalidArgument("must be json, csv or vcard", "format", "unsupported_format");
  }
  auto response = http::Response::Text(200, std::move(body), type);
  response.SetHeader("Content-Disposition",
                     "attachment; filename=\"liaison-contacts." + extension + "\"");
  return response;
}

}  // namespace

void AddDirectoryRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/api/v1/contacts", Bind(app, List));
  router.Add("POST", "/api/v1/contacts", Bind(app, Create));
  router.Add("GET", "/api/v1/contacts/export", Bind(app, Export));
  router.Add("GET", "/api/v1/contacts/{id}", Bind(app, Get));
  router.Add("PATCH", "/api/v1/contacts/{id}", Bind(app, Patch));
  router.Add("DELETE", "/api/v1/contacts/{id}", Bind(app, Delete));
}

}  // namespace liaison::api
