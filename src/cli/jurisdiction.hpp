// `liaison data update` (validate an IP data set and point the server at it) and
// `liaison attribute FILE…` (attribute observation feeds by state, write per-state CSV and
// STIX 2.1 files and print the summary table).
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace liaison::cli {

struct JurisdictionCommands {
  std::string config_path;
  // data update
  std::string source_dir;  // Empty: the newest directory under the configured data_dir.
  // attribute
  std::vector<std::string> files;
  std::string data_dir;         // A data set directory; empty: the one the manifest names.
  std::string column;           // The address column (CSV header name / NDJSON field).
  std::string category_column;
  std::string format = "auto";  // auto | csv | ndjson
  std::string output_dir = "attribution";
  bool summary_only = false;
  bool strict = false;
  int threads = 0;  // 0: one per core.
  bool update = false;
  bool attribute = false;
};

// Adds the `data update` and `attribute` subcommands to `app`.
void AddJurisdictionCommands(CLI::App& app, JurisdictionCommands& commands);

// Runs the parsed subcommand, if it was one of these; returns the exit code (0 ok, 1 failure,
// 2 usage), or -1 when neither was given.
int RunJurisdictionCommands(const JurisdictionCommands& commands);

}  // namespace liaison::cli
