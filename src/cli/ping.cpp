#include "cli/ping.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "cli/common.hpp"
#include "directory/campaigns.hpp"
#include "security/principal.hpp"

namespace liaison::cli {
namespace {

std::string Hours(const std::optional<double>& h) {
  if (!h) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", *h);
  return buf;
}

void PrintCampaign(const directory::PingCampaign& c) {
  std::cout << "campaign:     " << c.id << "\n"
            << "scope:        " << directory::CampaignScopeName(c.scope);
  if (c.scope == directory::CampaignScope::kRegionalGroup) {
    std::cout << " " << RegionalGroupName(c.regional_group);
  }
  std::cout << " (" << c.states.size() << " states), level "
            << directory::CampaignLevelName(c.level) << "\n"
            << "deadline:     " << FormatRfc3339(c.deadline) << "\n"
            << "contacts:     " << c.targets << "\n"
            << "acknowledged: " << c.acknowledged << "\n"
            << "e-mails:      " << c.emails_queued << "\n";
}

int Start(store::Database& db, const security::Principal& actor, const Config& config,
          const PingCommands& p) {
  directory::CampaignInput input;
  auto scope = directory::ParseCampaignScope(p.scope);
  if (!scope) {
    ReportError(Error::InvalidArgument("must be all, group or states", "--scope"));
    return 1;
  }
  input.scope = *scope;
  if (input.scope == directory::CampaignScope::kRegionalGroup) {
    auto group = ParseRegionalGroup(p.group);
    if (!group) {
      ReportError(Error::InvalidArgument("name a UN regional group", "--group"));
      return 1;
    }
    input.regional_group = *group;
  }
  input.states = p.states;
  auto level = directory::ParseCampaignLevel(p.level);
  if (!level) {
    ReportError(Error::InvalidArgument("must be policy, technical or both", "--level"));
    return 1;
  }
  input.level = *level;
  SystemClock clock;
  if (p.deadline.empty()) {
    input.deadline = clock.Now() + std::chrono::days(7);
  } else {
    auto deadline = ParseRfc3339(p.deadline, "--deadline");
    if (!deadline.has_value()) {
      ReportError(deadline.error());
      return 1;
    }
    input.deadline = *deadline;
  }
  auto campaign = directory::StartCampaign(db, actor, input, config.server.public_url, clock.Now());
  if (!campaign.has_value()) {
    ReportError(campaign.error());
    return 1;
  }
  PrintCampaign(*campaign);
  return 0;
}

int Status(store::Database& db, const security::Principal& actor, const PingCommands& p) {
  auto campaign = directory::GetCampaign(db, actor, p.campaign_id);
  if (!campaign.has_value()) {
    ReportError(campaign.error());
    return 1;
  }
  PrintCampaign(*campaign);
  SystemClock clock;
  auto status = directory::GetCampaignStatus(db, actor, p.campaign_id, clock.Now());
  if (status.has_value()) std::cout << "closed:       " << (status->closed ? "yes" : "no") << "\n";
  return 0;
}

int ReportCommand(store::Database& db, const security::Principal& actor, const PingCommands& p) {
  SystemClock clock;
  auto report = directory::Report(db, actor, p.campaign_id, clock.Now());
  if (!report.has_value()) {
    ReportError(report.error());
    return 1;
  }
  if (p.format == "csv") {
    std::cout << directory::ReportToCsv(*report);
    return 0;
  }
  std::cout << "campaign " << report->campaign.id << ", deadline "
            << FormatRfc3339(report->campaign.deadline) << ", report at "
            << FormatRfc3339(report->generated_at) << "\n";
  std::printf("%-6s %-10s %8s %8s %10s %8s %9s %9s\n", "state", "level", "targets", "in 24h",
              "by deadl.", "missed", "median h", "median wh");
  auto row = [](const directory::ReportRow& r) {
    std::printf("%-6s %-10s %8lld %8lld %10lld %8lld %9s %9s\n", r.state.c_str(),
                r.level ? std::string(directory::ContactLevelName(*r.level)).c_str() : "all",
                static_cast<long long>(r.targets), static_cast<long long>(r.reached_24h),
                static_cast<long long>(r.reached_by_deadline),
                static_cast<long long>(r.not_reached), Hours(r.median_hours).c_str(),
                Hours(r.median_working_hours).c_str());
  };
  for (const auto& r : report->rows) row(r);
  row(report->total);
  return 0;
}

int List(store::Database& db, const security::Principal& actor) {
  directory::CampaignFilter filter;
  filter.limit = 1000;
  auto page = directory::ListCampaigns(db, actor, filter);
  if (!page.has_value()) {
    ReportError(page.error());
    return 1;
  }
  for (const auto& c : page->campaigns) {
    std::cout << c.id << "  " << FormatRfc3339(c.created_at) << "  deadline "
              << FormatRfc3339(c.deadline) << "  " << c.acknowledged << "/" << c.targets
              << " acknowledged\n";
  }
  return 0;
}

}  // namespace

void AddPingCommands(CLI::App& app, PingCommands& p) {
  static constexpr const char* kAsHelp =
      "Act as this account (acc_…): its access applies and the audit log names it (default: the "
      "node itself)";
  auto* ping = app.add_subcommand("ping", "Reachability campaigns");
  ping->require_subcommand(1);
  auto* start = ping->add_subcommand("start", "Start a campaign; e-mails go out at once");
  start->add_option("--config", p.config_path, "Configuration file (TOML)")->required();
  start->add_option("--as", p.as_account, kAsHelp);
  start->add_option("--scope", p.scope, "all | group | states")->capture_default_str();
  start->add_option("--group", p.group, "UN regional group, with --scope group");
  start->add_option("--state", p.states, "State code, with --scope states (repeatable)");
  start->add_option("--level", p.level, "policy | technical | both")->capture_default_str();
  start->add_option("--deadline", p.deadline, "RFC 3339 deadline (default: in 7 days)");
  start->callback([&p] { p.start = true; });
  auto* status = ping->add_subcommand("status", "Show a campaign's progress");
  status->add_option("--config", p.config_path, "Configuration file (TOML)")->required();
  status->add_option("--as", p.as_account, kAsHelp);
  status->add_option("campaign", p.campaign_id, "Campaign id (png_…)")->required();
  status->callback([&p] { p.status = true; });
  auto* report = ping->add_subcommand("report", "Print a campaign's report");
  report->add_option("--config", p.config_path, "Configuration file (TOML)")->required();
  report->add_option("--as", p.as_account, kAsHelp);
  report->add_option("campaign", p.campaign_id, "Campaign id (png_…)")->required();
  report->add_option("--format", p.format, "table | csv")->capture_default_str();
  report->callback([&p] { p.report = true; });
  auto* list = ping->add_subcommand("list", "List campaigns");
  list->add_option("--config", p.config_path, "Configuration file (TOML)")->required();
  list->add_option("--as", p.as_account, kAsHelp);
  list->callback([&p] { p.list = true; });
}

int RunPingCommands(const PingCommands& p) {
  auto config = LoadConfigOrReport(p.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, true);
  if (!db) return 1;
  security::Principal actor = security::Principal::System();
  if (!p.as_account.empty()) {
    auto loaded = LoadActor(*db, p.as_account);
    if (!loaded) return 1;
    actor = *std::move(loaded);
  }
  if (p.start) return Start(*db, actor, *config, p);
  if (p.status) return Status(*db, actor, p);
  if (p.report) return ReportCommand(*db, actor, p);
  if (p.list) return List(*db, actor);
  return 2;
}

}  // namespace liaison::cli
