// The fictional demo data set that `liaison init --demo` loads for `scripts/run`.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace liaison::cli {

// Creates demo organisations, accounts and points of contact for a dozen states, all with
// addresses under .demo.test, and gives the operator account `operator_account_id` (created by
// `liaison init` with a token only) the demo password so that it can sign in to the web UI.
// Returns the sign-in details to print.
Result<std::string> SeedDemoData(store::Database& db, const std::string& operator_account_id,
                                 const std::string& operator_email, TimePoint now);

}  // namespace liaison::cli
