// GET /api/v1/states and /api/v1/states/{alpha2}: the UN member and observer states, in the six
// UN languages, with (for signed-in callers) the organisations and contacts they may see.
#include <set>

#include "api/app.hpp"
#include "api/render.hpp"
#include "core/countries.hpp"
#include "directory/contacts.hpp"
#include "security/access_policy.hpp"
#include "security/organizations.hpp"

namespace liaison::api {
namespace {

Result<std::string> LanguageParam(const http::Request& request) {
  std::string lang = request.Query("lang").value_or("en");
  for (auto l : kUnLanguages) {
    if (l == lang) return lang;
  }
  return Error::InvalidArgument("must be one of ar, zh, en, fr, ru, es", "lang",
                                "unsupported_language");
}

boost::json::object StateJson(const Country& c, const std::string& lang, bool participating) {
  boost::json::object names;
  for (std::size_t i = 0; i < kUnLanguages.size(); ++i) {
    names[kUnLanguages[i]] = c.names[i];
  }
  return {{"alpha2", c.alpha2},
          {"alpha3", c.alpha3},
          {"numeric", c.numeric},
          {"name", CountryName(c, lang)},
          {"names", std::move(names)},
          {"un_status", UnStatusName(c.un_status)},
          {"regional_group", RegionalGroupName(c.group)},
          {"participating", participating}};
}

// States with at least one organisation on this node.
Result<std::set<std::string>> ParticipatingStates(const AppContext& app) {
  std::set<std::string> states;
  security::OrganizationFilter filter;
  filter.category = security::OrgCategory::kState;
  filter.limit = 1000;
  while (true) {
    ASSIGN_OR_RETURN(auto orgs,
                     security::ListOrganizations(*app.db, security::Principal::System(), filter));
    for (const auto& o : orgs) states.insert(o.state);
    if (static_cast<int>(orgs.size()) < filter.limit) break;
    filter.after_id = orgs.back().id;
  }
  return states;
}

Result<http::Response> ListStates(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kStateRead,
                                      {.audience = security::Audience::kPublic}));
  ASSIGN_OR_RETURN(auto lang, LanguageParam(request));
  std::optional<RegionalGroup> group;
  if (auto g = request.Query("group")) {
    group = ParseRegionalGroup(*g);
    if (!group) return Error::InvalidArgument("unknown regional group", "group");
  }
  std::optional<UnStatus> status;
  if (auto s = request.Query("status")) {
    if (*s == "member") {
      status = UnStatus::kMember;
    } else if (*s == "observer") {
      status = UnStatus::kObserver;
    } else {
      return Error::InvalidArgument("must be member or observer", "status");
    }
  }
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  // All 195 states fit one page unless the caller asks for less.
  if (!request.Query("limit")) page.limit = 500;
  ASSIGN_OR_RETURN(auto participating, ParticipatingStates(app));
  boost::json::array items;
  boost::json::value next = nullptr;
  for (const auto& c : Countries()) {  // Ordered by alpha-2, which is the cursor.
    if (c.un_status == UnStatus::kNone) continue;
    if (group && c.group != *group) continue;
    if (status && c.un_status != *status) continue;
    if (!page.cursor.empty() && c.alpha2 <= page.cursor) continue;
    if (static_cast<int>(items.size()) == page.limit) {
      next = boost::json::string(items.back().as_object().at("alpha2").as_string());
      break;
    }
    items.push_back(StateJson(c, lang, participating.count(c.alpha2) != 0));
  }
  return Json(200, {{"items", std::move(items)}, {"next", next}});
}

Result<http::Response> GetState(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kStateRead,
                                      {.audience = security::Audience::kPublic}));
  ASSIGN_OR_RETURN(auto lang, LanguageParam(request));
  const std::string& code = request.path_params["alpha2"];
  const Country* country = FindCountry(code);
  if (!country || !IsParticipatingState(code)) {
    return Error::NotFound("no UN member or observer state has the code " + code);
  }
  ASSIGN_OR_RETURN(auto participating, ParticipatingStates(app));
  auto body = StateJson(*country, lang, participating.count(code) != 0);
  if (!principal.anonymous() &&
      security::Allows(principal, security::Action::kContactRead, {})) {
    security::OrganizationFilter org_filter;
    org_filter.state = code;
    org_filter.limit = 500;
    ASSIGN_OR_RETURN(auto orgs, security::ListOrganizations(*app.db, principal, org_filter));
    boost::json::array org_items;
    for (const auto& o : orgs) org_items.push_back(OrganizationJson(o));
    body["organizations"] = std::move(org_items);
    directory::ContactFilter filter;
    filter.state = code;
    filter.limit = 500;
    ASSIGN_OR_RETURN(auto page, directory::ListContacts(*app.db, principal, filter));
    boost::json::array contact_items;
    for (const auto& c : page.contacts) contact_items.push_back(ContactJson(c, app.clock->Now()));
    body["contacts"] = std::move(contact_items);
  }
  return Json(200, body);
}

}  // namespace

void AddStateRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/api/v1/states", Bind(app, ListStates));
  router.Add("GET", "/api/v1/states/{alpha2}", Bind(app, GetState));
}

}  // namespace liaison::api
