#include "cli/tokens.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/common.hpp"
#include "security/principal.hpp"
#include "security/tokens.hpp"

namespace liaison::cli {

void AddTokenCommands(CLI::App& app, TokenCommands& t) {
  auto* token = app.add_subcommand("token", "API tokens");
  token->require_subcommand(1);
  auto* revoke = token->add_subcommand("revoke", "Revoke an API token (audited as system)");
  revoke->add_option("--config", t.config_path, "Configuration file (TOML)")->required();
  revoke->add_option("id", t.token_id, "The token's id (tok_…)")->required();
  revoke->callback([&t] { t.revoke = true; });
}

int RunTokenCommands(const TokenCommands& t) {
  auto config = LoadConfigOrReport(t.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, true);
  if (!db) return 1;
  SystemClock clock;
  auto revoked = security::RevokeToken(*db, security::Principal::System(), t.token_id, clock.Now());
  if (!revoked.has_value()) {
    ReportError(revoked.error());
    return revoked.error().code == ErrorCode::kNotFound ? 2 : 1;
  }
  std::cout << "token " << t.token_id << " is revoked\n";
  return 0;
}

}  // namespace liaison::cli
