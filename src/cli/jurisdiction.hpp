// `liaison data update` (validate an IP data set and point the server at it) and
// `liaison attribute FILE…` (attribute observation feeds by state, write per-state CSV and
// STIX 2.1 files and print the summary table; with --draft-requests --as acc_…, draft one
// mitigation request per state as that account).
#pragma once

#include <cstddef>
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
  std::string time_column;
  std::string format = "auto";  // auto | csv | ndjson
  std::string output_dir = "attribution";
  bool summary_only = false;
  bool strict = false;
  int threads = 0;  // 0: one per core.
  // --draft-requests: draft mitigation requests as account `as_account` (needs --config).
  bool draft_requests = false;
  std::string as_account;
  std::string tlp = "AMBER";
  std::string urgency = "routine";
  std::string language;  // Empty: the account's language.
  std::string impact;
  std::size_t max_indicators = 1000;
  bool update = false;
  bool attribute = false;
};

// Adds the `data update` and `attribute` subcommands to `app`.
void AddJurisdictionCommands(CLI::App& app, JurisdictionCommands& commands);

// Runs the parsed subcommand, if it was one of these; returns the exit code (0 ok, 1 failure,
// 2 usage), or -1 when neither was given.
int RunJurisdictionCommands(const JurisdictionCommands& commands);

}  // namespace liaison::cli
