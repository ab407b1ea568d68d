// The HTTP application: every module's routes on one router, the health and metrics endpoints,
// and the list of every module's migrations.
#pragma once

#include <vector>

#include "api/context.hpp"
#include "http/message.hpp"
#include "http/metrics.hpp"
#include "store/migrations.hpp"

namespace liaison::api {

// Every module's migrations, in the order they must apply (lower layers first).
std::vector<store::Migration> AllMigrations();

// Builds the router with every API route, /healthz, /readyz, /metrics and, when configured, the
// web UI's static files. `app` and `metrics` must outlive the router.
http::Router BuildRouter(const AppContext& app, http::Metrics& metrics);

// Registers the database, outbox and jurisdiction data gauges for /metrics.
void AddGaugeSources(const AppContext& app, http::Metrics& metrics);

// Route registration, one function per module file.
void AddStateRoutes(http::Router& router, const AppContext& app);
void AddSecurityRoutes(http::Router& router, const AppContext& app);
void AddDirectoryRoutes(http::Router& router, const AppContext& app);
void AddCampaignRoutes(http::Router& router, const AppContext& app);
void AddAuditRoutes(http::Router& router, const AppContext& app);
void AddNotifyRoutes(http::Router& router, const AppContext& app);
void AddRequestRoutes(http::Router& router, const AppContext& app);
void AddJurisdictionRoutes(http::Router& router, const AppContext& app);

}  // namespace liaison::api
