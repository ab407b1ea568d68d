// `liaison serve`: runs the HTTP server, the notification dispatcher and the scheduler until
// SIGTERM or SIGINT, then shuts down gracefully.
#pragma once

#include <string>

namespace liaison::cli {

struct ServeOptions {
  std::string config_path;
  std::string ready_file;  // When set, the bound port is written here once listening.
};

// Returns the exit code.
int Serve(const ServeOptions& options);

}  // namespace liaison::cli
