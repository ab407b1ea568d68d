// /api/v1/webhooks (an organisation's signed webhooks) and /api/v1/notifications (delivery state,
// for operators).
#include "api/app.hpp"
#include "core/json.hpp"
#include "notify/outbox.hpp"
#include "security/access_policy.hpp"

namespace liaison::api {
namespace {

// The event types the node emits, and the filters a webhook may ask for: one of them, a family
// such as "contact.*", or "*" for all.
constexpr std::string_view kEventTypes[] = {"contact.created", "contact.updated", "contact.deleted",
                                            "contact.stale",   "contact.unstale", "ping.started"};

Status CheckEventFilters(const std::vector<std::string>& events) {
  for (std::size_t i = 0; i < events.size(); ++i) {
    const std::string& e = events[i];
    bool known = e == "*";
    for (auto type : kEventTypes) {
      if (e == type) known = true;
      auto dot = type.find('.');
      if (e.size() == dot + 2 && e.compare(0, dot + 1, type.substr(0, dot + 1)) == 0 &&
          e.back() == '*') {
        known = true;
      }
    }
    if (!known) {
      return Error::InvalidArgument("unknown event type; see docs/notifications.md",
                                    "events[" + std::to_string(i) + "]", "unknown_event");
    }
  }
  return OkStatus();
}

security::Resource WebhookOwner(const std::string& organization_id) {
  return {.audience = security::Audience::kOrganization, .owner_organization_id = organization_id};
}

boost::json::object WebhookJson(const notify::Webhook& w) {
  boost::json::array events;
  for (const auto& e : w.events) events.emplace_back(e);
  return {{"id", w.id},         {"organization_id", w.organization_id},
          {"url", w.url},       {"events", std::move(events)},
          {"active", w.active}, {"created_at", TimeJson(w.created_at)}};
}

// The organisation whose webhooks the call is about: the caller's own, or (operators) the one
// named by ?organization_id=.
std::string TargetOrganization(const security::Principal& principal, const http::Request& request) {
  return request.Query("organization_id").value_or(principal.organization_id);
}

Result<http::Response> ListHooks(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  std::string org = TargetOrganization(principal, request);
  RETURN_IF_ERROR(
      security::Authorize(principal, security::Action::kWebhookManage, WebhookOwner(org)));
  ASSIGN_OR_RETURN(auto hooks, notify::ListWebhooks(*app.db, org));
  boost::json::array items;
  for (const auto& w : hooks) items.push_back(WebhookJson(w));
  return Json(200, {{"items", std::move(items)}, {"next", nullptr}});
}

Result<http::Response> CreateHook(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  std::string org = TargetOrganization(principal, request);
  RETURN_IF_ERROR(
      security::Authorize(principal, security::Action::kWebhookManage, WebhookOwner(org)));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  ASSIGN_OR_RETURN(auto url, reader.RequiredString("url", 2048));
  ASSIGN_OR_RETURN(auto events, reader.StringArray("events", 50, 64));
  RETURN_IF_ERROR(reader.RejectUnknown());
  RETURN_IF_ERROR(CheckEventFilters(events));
  ASSIGN_OR_RETURN(auto registered,
                   notify::RegisterWebhook(*app.db, app.config->security.secret_key,
                                           {principal.account_id, principal.organization_id}, org,
                                           url, events, app.clock->Now()));
  return Json(201, {{"id", registered.id},
                    {"organization_id", org},
                    {"url", url},
                    {"secret", registered.secret}});
}

Result<http::Response> DeleteHook(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  std::string org = TargetOrganization(principal, request);
  RETURN_IF_ERROR(
      security::Authorize(principal, security::Action::kWebhookManage, WebhookOwner(org)));
  RETURN_IF_ERROR(notify::DeleteWebhook(*app.db, {principal.account_id, principal.organization_id},
                                        org, request.path_params["id"], app.clock->Now()));
  return http::Response{204, {}, {}};
}

boost::json::object NotificationJson(const notify::NotificationRecord& n) {
  return {{"id", n.id},
          {"channel", n.channel},
          {"recipient", n.recipient},
          {"subject", n.subject},
          {"status", notify::DeliveryStatusName(n.status)},
          {"attempts", n.attempts},
          {"last_error", n.last_error},
          {"created_at", TimeJson(n.created_at)},
          {"delivered_at", TimeJson(n.delivered_at)},
          {"related_type", n.related_type},
          {"related_id", n.related_id}};
}

Result<http::Response> ListNotifications(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kOutboxRead, {}));
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  std::string status_name = request.Query("status").value_or("failed");
  std::optional<notify::DeliveryStatus> status;
  for (auto s : {notify::DeliveryStatus::kPending, notify::DeliveryStatus::kDelivering,
                 notify::DeliveryStatus::kDelivered, notify::DeliveryStatus::kFailed}) {
    if (notify::DeliveryStatusName(s) == status_name) status = s;
  }
  if (!status) {
    return Error::InvalidArgument("must be pending, delivering, delivered or failed", "status");
  }
  ASSIGN_OR_RETURN(auto records, notify::List(*app.db, *status, page.limit));
  boost::json::array items;
  for (const auto& n : records) items.push_back(NotificationJson(n));
  return Json(200, {{"items", std::move(items)}, {"next", nullptr}});
}

Result<http::Response> RetryNotification(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kOutboxRead, {}));
  ASSIGN_OR_RETURN(auto count,
                   notify::RequeueFailed(*app.db, request.path_params["id"], app.clock->Now()));
  return Json(200, {{"requeued", count}});
}

}  // namespace

void AddNotifyRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/api/v1/webhooks", Bind(app, ListHooks));
  router.Add("POST", "/api/v1/webhooks", Bind(app, CreateHook));
  router.Add("DELETE", "/api/v1/webhooks/{id}", Bind(app, DeleteHook));
  router.Add("GET", "/api/v1/notifications", Bind(app, ListNotifications));
  router.Add("POST", "/api/v1/notifications/{id}/retry", Bind(app, RetryNotification));
}

}  // namespace liaison::api
