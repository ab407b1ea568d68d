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
  if (auto role = request.Query("role")) {
    filter.role = directory::ParseContactRole(*role);
    if (!filter.role) return Error::InvalidArgument("must be primary or backup", "role");
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

// The JSON text of one page of contacts as `principal` may see it at `now`.
Result<std::string> RenderList(const AppContext& app, const security::Principal& principal,
                               const directory::ContactFilter& filter, TimePoint now) {
  ASSIGN_OR_RETURN(auto page, directory::ListContacts(*app.db, principal, filter));
  boost::json::monotonic_resource arena;
  boost::json::storage_ptr sp(&arena);
  boost::json::array items(sp);
  items.reserve(page.contacts.size());
  for (const auto& c : page.contacts) items.push_back(ContactJson(c, now, sp));
  boost::json::value next(sp);
  if (!page.next_cursor.empty()) next = boost::json::string(page.next_cursor, sp);
  return boost::json::serialize(
      boost::json::object({{"items", std::move(items)}, {"next", std::move(next)}}, sp));
}

// Everything a contact list answer depends on besides the directory's content: the filter, the
// caller's audience (the principal's fields the access policy reads, never its account or
// credential, so that callers of one audience share answers), and the UTC minute (the
// in_working_hours_now flags).
std::string ListCacheKey(const directory::ContactFilter& f, const security::Principal& p,
                         std::int64_t generation, TimePoint now) {
  std::string key =
      "contacts\x1f" + std::to_string(generation) + "\x1f" +
      std::to_string(
          std::chrono::duration_cast<std::chrono::minutes>(now.time_since_epoch()).count());
  auto add = [&key](std::string_view part) {
    key += '\x1f';
    key += part;
  };
  add(p.organization_id);
  add(security::OrgCategoryName(p.org_category));
  add(p.state);
  for (security::Role role : p.roles) add(security::RoleName(role));
  add("\x1e");
  add(f.state);
  add(f.regional_group ? RegionalGroupName(*f.regional_group) : "");
  add(f.level ? directory::ContactLevelName(*f.level) : "");
  add(f.role ? directory::ContactRoleName(*f.role) : "");
  add(f.language);
  add(f.available_24_7 ? (*f.available_24_7 ? "1" : "0") : "");
  add(f.org_kind ? security::OrgKindName(*f.org_kind) : "");
  add(f.text);
  add(f.after_id);
  add(std::to_string(f.limit));
  return key;
}

// The answer to a list request from a cached entry: 304 when If-None-Match matches its ETag.
http::Response CachedListResponse(const http::Request& request,
                                  const http::ResponseCache::Entry& entry) {
  http::Response response;
  if (auto inm = request.Header("If-None-Match"); inm && http::IfNoneMatchHits(*inm, entry.etag)) {
    response.status = 304;
  } else {
    response = http::Response::Json(200, *entry.body);
  }
  response.SetHeader("ETag", entry.etag);
  return response;
}

// Lists contacts. With the cache, the answer is looked up under its key at the directory's
// current generation (directory::GenerationWatch: a write is seen by the next read on the
// server that made it, and on others once the database told them). Where the generation must
// be read (while the watch is not listening) it is read in the bearer token's read transaction.
Result<http::Response> List(const AppContext& app, http::Request& request) {
  std::optional<std::int64_t> generation;
  std::function<Status(store::Transaction&)> read_generation;
  if (app.directory_cache != nullptr && directory::DirectoryGenerationNeedsRead(*app.db)) {
    read_generation = [&](store::Transaction& tx) -> Status {
      ASSIGN_OR_RETURN(generation, directory::DirectoryGenerationIn(*app.db, tx));
      return OkStatus();
    };
  }
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request, read_generation));
  ASSIGN_OR_RETURN(auto filter, ParseFilter(request));
  const TimePoint now = app.clock->Now();
  if (app.directory_cache == nullptr) {
    ASSIGN_OR_RETURN(std::string body, RenderList(app, principal, filter, now));
    return http::Response::Json(200, std::move(body));
  }
  if (!generation) {
    ASSIGN_OR_RETURN(generation, directory::DirectoryGeneration(*app.db));
  }
  const std::string key = ListCacheKey(filter, principal, *generation, now);
  std::optional<http::ResponseCache::Entry> entry = app.directory_cache->Find(key);
  if (!entry) {
    ASSIGN_OR_RETURN(std::string body, RenderList(app, principal, filter, now));
    entry = app.directory_cache->Put(key, std::move(body));
  }
  return CachedListResponse(request, *entry);
}

// List's fast path, on the I/O thread: a cached answer when the caller's bearer token, the
// directory generation and the answer are all known in memory; nullopt for anything else (List
// then runs on a worker, and answers errors too).
std::optional<http::Response> ListFromMemory(const AppContext& app, http::Request& request) {
  if (app.directory_cache == nullptr) return std::nullopt;
  std::optional<security::Principal> principal = RecognizeBearer(app, request);
  if (!principal) return std::nullopt;
  std::optional<std::int64_t> generation = directory::KnownDirectoryGeneration(*app.db);
  if (!generation) return std::nullopt;
  Result<directory::ContactFilter> filter = ParseFilter(request);
  if (!filter.has_value()) return std::nullopt;
  const std::string key = ListCacheKey(*filter, *principal, *generation, app.clock->Now());
  std::optional<http::ResponseCache::Entry> entry =
      app.directory_cache->Find(key, /*count_miss=*/false);
  if (!entry) return std::nullopt;
  return CachedListResponse(request, *entry);
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
  router.Add("GET", "/api/v1/contacts", Bind(app, List),
             [&app](http::Request& request) { return ListFromMemory(app, request); });
  router.Add("POST", "/api/v1/contacts", Bind(app, Create));
  router.Add("GET", "/api/v1/contacts/export", Bind(app, Export));
  router.Add("GET", "/api/v1/contacts/{id}", Bind(app, Get));
  router.Add("PATCH", "/api/v1/contacts/{id}", Bind(app, Patch));
  router.Add("DELETE", "/api/v1/contacts/{id}", Bind(app, Delete));
}

}  // namespace liaison::api
