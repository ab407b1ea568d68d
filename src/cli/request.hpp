// `liaison request new|list|show|ack|answer|close|attachments|attach|detach`: cooperation
// requests from the command line.
// Like `liaison ping`, the commands act directly on the configured database, as the account
// given by --as (an account id, "acc_…"), with that account's rights; they are meant for the
// machine that runs the node. Transitions apply to the version just read.
#pragma once

#include <optional>
#include <string>

namespace CLI {
class App;
}

namespace liaison::cli {

struct RequestCommands {
  std::string config_path;
  std::string as_account;  // The account id to act as.
  std::string request_id;
  // new
  std::string file;  // The JSON body, as for POST /api/v1/requests; "-" for stdin.
  bool draft = false;
  // list
  std::string box = "all";
  std::string status;
  // ack / answer / close
  std::string note;
  std::string outcome;
  std::optional<int> helpful;
  // attach / detach
  std::string attach_path;    // The file to attach.
  std::string filename;       // Its name on the request; empty: the file's own name.
  std::string media_type;     // Empty: from the file name's extension.
  std::string tlp;            // Empty: the request's label.
  std::string attachment_id;  // detach
  std::string command;  // new | list | show | ack | answer | close | attachments | attach | detach
};

// Adds the `request` subcommands to `app`, filling `commands` when parsed.
void AddRequestCommands(CLI::App& app, RequestCommands& commands);

// Runs the parsed `request` subcommand. Returns the exit code (0 ok, 1 failure, 2 usage).
int RunRequestCommands(const RequestCommands& commands);

}  // namespace liaison::cli
