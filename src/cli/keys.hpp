// `liaison keys list|rotate|sign|verify`: the node's receipt-signing keys, acting directly on the
// configured database (like `audit verify`), so meant for the machine that runs the node.
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace liaison::cli {

enum class KeysCommand { kNone, kList, kRotate, kSign, kVerify };

struct KeysCommands {
  KeysCommand command = KeysCommand::kNone;
  std::string config_path;
  std::string payload_file;  // sign: a JSON document.
  std::string jws_file;      // verify: a compact JWS.
};

// Adds the `keys` subcommands to `app`, filling `commands` when parsed.
void AddKeysCommands(CLI::App& app, KeysCommands& commands);

// Runs the parsed `keys` subcommand. Returns the exit code: 0 ok, 1 failure, 3 for a JWS that
// does not verify.
int RunKeysCommands(const KeysCommands& commands);

}  // namespace liaison::cli
