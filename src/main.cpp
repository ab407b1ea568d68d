#include "cli/cli.hpp"

int main(int argc, char** argv) { return liaison::cli::Main(argc, argv); }
