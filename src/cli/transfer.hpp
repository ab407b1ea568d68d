// `liaison export` and `liaison import`: move a whole node (every record and the audit chain)
// between stores through a store-neutral NDJSON file (see store/node_transfer.hpp).
#pragma once

#include <string>

namespace CLI {
class App;
}

namespace liaison::cli {

struct TransferCommands {
  std::string config_path;
  std::string output_path;  // export
  std::string input_path;   // import
  bool do_export = false;
  bool do_import = false;
};

// Registers the export and import subcommands on `app`, storing their options in `commands`.
void AddTransferCommands(CLI::App& app, TransferCommands& commands);

// Runs the chosen subcommand; returns the process exit code, or -1 when neither was chosen.
int RunTransferCommands(const TransferCommands& commands);

}  // namespace liaison::cli
