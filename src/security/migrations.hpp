// The security module's schema: organisations, accounts, API tokens, browser sessions and the
// node's signing keys.
#pragma once

#include <vector>

#include "store/migrations.hpp"

namespace liaison::security {

// The security module's migrations (module "security"), in order. Apply audit::Migrations()
// too: every security write appends to the audit log.
std::vector<store::Migration> Migrations();

}  // namespace liaison::security
