// The `liaison` command line: serve, init, migrate, audit verify, ping …
#pragma once

namespace liaison::cli {

// Parses the arguments, runs the subcommand and returns the process exit code: 0 on success,
// 1 on a failure the command reports, 2 on a usage error.
int Main(int argc, char** argv);

}  // namespace liaison::cli
