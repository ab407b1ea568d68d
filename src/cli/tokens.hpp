// `liaison token revoke`: revokes an API token acting directly on the configured database (like
// `keys` and `audit verify`), as the system principal, audited; for the machine that runs the
// node, e.g. when a token leaked and no operator token is at hand. Running servers refuse the
// token within the bound docs/security.md gives for changes made by another process.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace liaison::cli {

struct TokenCommands {
  bool revoke = false;
  std::string config_path;
  std::string token_id;  // "tok_…"
};

// Adds the `token` subcommands to `app`, filling `commands` when parsed.
void AddTokenCommands(CLI::App& app, TokenCommands& commands);

// Runs the parsed `token` subcommand. Returns the exit code: 0 ok, 1 failure (2 for a token
// that does not exist).
int RunTokenCommands(const TokenCommands& commands);

}  // namespace liaison::cli
