// `liaison ping start|status|report`: reachability campaigns from the command line. The
// commands act directly on the configured database, as the node's operator account given by
// --as (default: the first operator), so they are meant for the machine that runs the node.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace liaison::cli {

struct PingCommands {
  std::string config_path;
  std::string as_account;  // Act as this account (acc_…); empty: the node itself.
  // start
  std::string scope = "all";  // all | group | states
  std::string group;
  std::vector<std::string> states;
  std::string level = "both";
  std::string deadline;  // RFC 3339; default: in 7 days.
  // status / report
  std::string campaign_id;
  std::string format = "table";  // table | csv | json (report)
  bool start = false;
  bool status = false;
  bool report = false;
  bool list = false;
};

// Adds the `ping` subcommands to `app`, filling `commands` when parsed.
void AddPingCommands(CLI::App& app, PingCommands& commands);

// Runs the parsed `ping` subcommand. Returns the exit code (0 ok, 1 failure).
int RunPingCommands(const PingCommands& commands);

}  // namespace liaison::cli
