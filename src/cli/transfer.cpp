#include "cli/transfer.hpp"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "api/app.hpp"
#include "cli/common.hpp"
#include "store/node_transfer.hpp"

namespace liaison::cli {
namespace {

void PrintSummary(const char* verb, const store::TransferSummary& summary) {
  std::int64_t total = 0;
  for (const auto& [table, rows] : summary.rows) {
    std::cout << table << " " << rows << "\n";
    total += rows;
  }
  std::cout << verb << " " << total << " rows in " << summary.rows.size() << " tables\n";
}

int Export(const TransferCommands& c) {
  auto config = LoadConfigOrReport(c.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, /*require_migrated=*/true);
  if (!db) return 1;
  // Written beside the target and renamed once complete: a failed export leaves no file that
  // looks whole.
  std::string temp = c.output_path + ".partial";
  store::TransferSummary summary;
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) {
      std::cerr << "liaison: cannot write " << temp << "\n";
      return 1;
    }
    // Readable by its owner only: the file holds everything the database does.
    std::error_code mode_error;
    std::filesystem::permissions(
        temp, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        std::filesystem::perm_options::replace, mode_error);
    if (mode_error) {
      std::cerr << "liaison: cannot restrict " << temp << " to its owner: " << mode_error.message()
                << "\n";
      out.close();
      std::remove(temp.c_str());
      return 1;
    }
    SystemClock clock;
    auto exported = store::ExportNode(*db, api::AllMigrations(), out, clock.Now());
    if (!exported.has_value()) {
      out.close();
      std::remove(temp.c_str());
      ReportError(exported.error());
      return 1;
    }
    summary = std::move(*exported);
  }
  std::error_code ec;
  std::filesystem::rename(temp, c.output_path, ec);
  if (ec) {
    std::cerr << "liaison: cannot write " << c.output_path << ": " << ec.message() << "\n";
    return 1;
  }
  PrintSummary("exported", summary);
  return 0;
}

int Import(const TransferCommands& c) {
  auto config = LoadConfigOrReport(c.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, /*require_migrated=*/true);
  if (!db) return 1;
  std::ifstream in(c.input_path, std::ios::binary);
  if (!in) {
    std::cerr << "liaison: cannot read " << c.input_path << "\n";
    return 1;
  }
  auto imported = store::ImportNode(*db, api::AllMigrations(), in);
  if (!imported.has_value()) {
    ReportError(imported.error());
    return 1;
  }
  PrintSummary("imported", *imported);
  return 0;
}

}  // namespace

void AddTransferCommands(CLI::App& app, TransferCommands& commands) {
  auto* export_cmd = app.add_subcommand(
      "export",
      "Write every record of the node and its audit chain to a store-neutral NDJSON file, from "
      "one consistent snapshot (the servers may keep running)");
  export_cmd->add_option("--config", commands.config_path, "Configuration file (TOML)")->required();
  export_cmd->add_option("--output", commands.output_path, "The file to write")->required();
  export_cmd->callback([&commands] { commands.do_export = true; });

  auto* import_cmd = app.add_subcommand(
      "import",
      "Load a file written by `liaison export` into this node's database, which must be freshly "
      "migrated (`liaison migrate`, not `init`) and empty; all or nothing, in one transaction. "
      "Keep security.secret_key as on the exporting node: stored secrets are encrypted with it");
  import_cmd->add_option("--config", commands.config_path, "Configuration file (TOML)")->required();
  import_cmd->add_option("--input", commands.input_path, "The file to read")->required();
  import_cmd->callback([&commands] { commands.do_import = true; });
}

int RunTransferCommands(const TransferCommands& commands) {
  if (commands.do_export) return Export(commands);
  if (commands.do_import) return Import(commands);
  return -1;
}

}  // namespace liaison::cli
