#include "api/app.hpp"

#include "api/html.hpp"
#include "audit/audit_log.hpp"
#include "directory/generation_watch.hpp"
#include "directory/migrations.hpp"
#include "http/static_files.hpp"
#include "jurisdiction/data_service.hpp"
#include "notify/outbox.hpp"
#include "requests/migrations.hpp"
#include "security/migrations.hpp"
#include "store/scheduled_jobs.hpp"

namespace liaison::api {
namespace {

void Append(std::vector<store::Migration>& all, std::vector<store::Migration> more) {
  for (auto& m : more) all.push_back(std::move(m));
}

// The IP data set in use (or null), for /readyz. Its absence does not make the node unready:
// everything but the jurisdiction look-ups works without it.
boost::json::value JurisdictionDataJson(const AppContext& app) {
  if (app.jurisdiction == nullptr) return nullptr;
  auto index = app.jurisdiction->Current();
  std::string error = app.jurisdiction->last_error();
  boost::json::object out;
  if (index) {
    const auto& stats = index->stats();
    out = {{"version", stats.version},
           {"loaded_at", TimeJson(stats.loaded_at)},
           {"load_seconds", stats.load_seconds}};
  } else {
    out = {{"version", nullptr}, {"loaded_at", nullptr}};
  }
  out["last_error"] = error.empty() ? boost::json::value(nullptr) : boost::json::value(error);
  return out;
}

// The two gauges of a cache's look-ups: {name}{result="hit"} and {name}{result="miss"}.
std::vector<http::Gauge> HitMissGauges(const char* name, const char* help, std::uint64_t hits,
                                       std::uint64_t misses) {
  return {{name, help, {{"result", "hit"}}, static_cast<double>(hits)},
          {name, help, {{"result", "miss"}}, static_cast<double>(misses)}};
}

}  // namespace

std::vector<store::Migration> AllMigrations() {
  std::vector<store::Migration> all;
  Append(all, audit::Migrations());
  Append(all, security::Migrations());
  Append(all, notify::Migrations());
  Append(all, directory::Migrations());
  Append(all, requests::Migrations());
  Append(all, store::Migrations());
  return all;
}

void AddGaugeSources(const AppContext& app, http::Metrics& metrics) {
  store::Database* db = app.db;
  metrics.AddGaugeSource([db, service = app.jurisdiction] {
    std::vector<http::Gauge> gauges;
    auto stats = db->Stats();
    std::vector<std::pair<std::string, std::string>> kind = {{"backend", std::string(db->Kind())}};
    gauges.push_back({"liaison_db_pool_size", "The most connections the pool opens", kind,
                      static_cast<double>(stats.pool_size)});
    gauges.push_back({"liaison_db_connections", "Database connections in the pool", kind,
                      static_cast<double>(stats.connections_total)});
    gauges.push_back({"liaison_db_pool_waiting", "Requests waiting for a free connection", kind,
                      static_cast<double>(stats.waiting)});
    gauges.push_back({"liaison_db_pool_timeouts", "Waits for a connection that timed out", kind,
                      static_cast<double>(stats.pool_timeouts)});
    gauges.push_back({"liaison_db_connections_in_use", "Database connections in use", kind,
                      static_cast<double>(stats.connections_in_use)});
    gauges.push_back({"liaison_db_transactions_started", "Transactions started since start", kind,
                      static_cast<double>(stats.transactions_started)});
    gauges.push_back({"liaison_db_transactions_failed", "Transactions that failed since start",
                      kind, static_cast<double>(stats.transactions_failed)});
    auto outbox = notify::GetStats(*db);
    if (outbox.has_value()) {
      const char* help = "Notifications in the outbox by delivery status";
      gauges.push_back({"liaison_outbox_notifications",
                        help,
                        {{"status", "pending"}},
                        static_cast<double>(outbox->pending)});
      gauges.push_back({"liaison_outbox_notifications",
                        help,
                        {{"status", "delivering"}},
                        static_cast<double>(outbox->delivering)});
      gauges.push_back({"liaison_outbox_notifications",
                        help,
                        {{"status", "delivered"}},
                        static_cast<double>(outbox->delivered)});
      gauges.push_back({"liaison_outbox_notifications",
                        help,
                        {{"status", "failed"}},
                        static_cast<double>(outbox->failed)});
    }
    if (service != nullptr) {
      if (auto index = service->Current()) {
        const auto& stats = index->stats();
        gauges.push_back({"liaison_jurisdiction_data_info",
                          "The IP data set in use (value 1), by version",
                          {{"version", stats.version}},
                          1.0});
        gauges.push_back({"liaison_jurisdiction_data_loaded_timestamp_seconds",
                          "When the IP data set in use was loaded (Unix time)",
                          {},
                          static_cast<double>(ToUnixMillis(stats.loaded_at)) / 1000.0});
        gauges.push_back({"liaison_jurisdiction_data_load_seconds",
                          "How long loading the IP data set took",
                          {},
                          stats.load_seconds});
        gauges.push_back({"liaison_jurisdiction_index_bytes",
                          "Memory held by the IP range index",
                          {},
                          static_cast<double>(stats.memory_bytes)});
      }
      gauges.push_back({"liaison_jurisdiction_data_reload_failing",
                        "1 when the last reload of the IP data set failed",
                        {},
                        service->last_error().empty() ? 0.0 : 1.0});
    }
    return gauges;
  });
  if (http::ResponseCache* cache = app.directory_cache) {
    metrics.AddGaugeSource([cache] {
      std::vector<http::Gauge> gauges =
          HitMissGauges("liaison_response_cache_lookups",
                        "Contact list reads answered from the response cache, and not",
                        cache->hits(), cache->misses());
      gauges.push_back({"liaison_response_cache_bytes",
                        "Memory held by cached responses",
                        {},
                        static_cast<double>(cache->bytes())});
      return gauges;
    });
  }
  if (security::CredentialCache* credentials = app.credentials) {
    metrics.AddGaugeSource([credentials] {
      std::vector<http::Gauge> gauges =
          HitMissGauges("liaison_credential_cache_lookups",
                        "Bearer tokens recognised from the credential cache, and not",
                        credentials->hits(), credentials->misses());
      gauges.push_back({"liaison_security_listening",
                        "1 while the server follows credential changes without a read per request",
                        {},
                        credentials->watch().listening() ? 1.0 : 0.0});
      gauges.push_back(
          {"liaison_security_generation_reads",
           "Reads of the security generation from the database, outside token verification",
           {},
           static_cast<double>(credentials->watch().reads())});
      return gauges;
    });
  }
  if (directory::GenerationWatch* watch = directory::GenerationWatch::Active()) {
    metrics.AddGaugeSource([watch] {
      return std::vector<http::Gauge>{
          {"liaison_directory_listening",
           "1 while the connection that listens for directory changes is up",
           {},
           watch->listening() ? 1.0 : 0.0},
          {"liaison_directory_listen_connections",
           "Times the connection that listens for directory changes was set up",
           {},
           static_cast<double>(watch->connections())},
          {"liaison_directory_generation_reads",
           "Reads of the directory generation from the database",
           {},
           static_cast<double>(watch->reads())},
      };
    });
  }
}

http::Router BuildRouter(const AppContext& app, http::Metrics& metrics) {
  http::Router router;
  router.Add("GET", "/healthz", [](http::Request&) { return Json(200, {{"status", "ok"}}); });
  router.Add("GET", "/readyz", [&app](http::Request& request) {
    auto ping = app.db->Ping();
    if (!ping.has_value()) {
      return Fail(request, Error::Unavailable("the database does not answer"));
    }
    auto pending = store::PendingMigrations(*app.db, AllMigrations());
    if (!pending.has_value() || !pending->empty()) {
      return Fail(request, Error::Unavailable("database migrations are pending"));
    }
    auto stats = app.db->Stats();
    return Json(200, {{"status", "ready"},
                      {"database", std::string(app.db->Kind())},
                      {"pool",
                       {{"size", stats.pool_size},
                        {"open", stats.connections_total},
                        {"in_use", stats.connections_in_use},
                        {"waiting", stats.waiting}}},
                      {"jurisdiction_data", JurisdictionDataJson(app)}});
  });
  router.Add("GET", "/metrics", [&metrics](http::Request&) {
    return http::Response::Text(200, metrics.RenderPrometheus(),
                                "text/plain; version=0.0.4; charset=utf-8");
  });
  router.Add("GET", std::string(kPageStylesheetPath), [](http::Request&) {
    auto response =
        http::Response::Text(200, std::string(PageStylesheet()), "text/css; charset=utf-8");
    response.SetHeader("Cache-Control", "public, max-age=3600");
    return response;
  });
  AddStateRoutes(router, app);
  AddSecurityRoutes(router, app);
  AddDirectoryRoutes(router, app);
  AddCampaignRoutes(router, app);
  AddAuditRoutes(router, app);
  AddNotifyRoutes(router, app);
  AddRequestRoutes(router, app);
  AddJurisdictionRoutes(router, app);
  if (!app.config->server.static_dir.empty()) {
    // Paths the router does not know are the web UI's, except under /api/: a mistyped API path
    // answers a problem, not the UI's page.
    router.SetFallback(
        [files = http::StaticFiles(app.config->server.static_dir)](http::Request& request) {
          if (request.path.rfind("/api/", 0) == 0) {
            return Fail(request, Error::NotFound("no such resource"));
          }
          return files(request);
        });
  } else {
    // Without the web UI, the root says what this server is and where its API starts.
    router.Add("GET", "/", [](http::Request&) {
      return HtmlPage(200, "en", "liaison",
                      "<p>This is a liaison node: the directory of policy and technical points "
                      "of contact between states, with reachability checks.</p>\n<ul>"
                      "<li><a href=\"/api/v1/states\">/api/v1/states</a> — the states that "
                      "take part (public)</li>"
                      "<li>/api/v1/contacts, /api/v1/pings, /api/v1/audit — with an API token "
                      "(<code>Authorization: Bearer …</code>)</li>"
                      "<li><a href=\"/healthz\">/healthz</a>, <a href=\"/readyz\">/readyz</a>, "
                      "<a href=\"/metrics\">/metrics</a></li></ul>");
    });
  }
  return router;
}

}  // namespace liaison::api
