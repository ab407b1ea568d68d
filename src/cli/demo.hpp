// The fictional demo data set that `liaison init --demo` loads for `scripts/run`.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace liaison::cli {

// Creates demo organisations, accounts and points of contact for a dozen states, all with
// addresses under .demo.test. Returns the sign-in details to print.
Result<std::string> SeedDemoData(store::Database& db, TimePoint now);

}  // namespace liaison::cli
