// The directory module's schema: contacts, reachability campaigns and their targets.
#pragma once

#include <vector>

#include "store/migrations.hpp"

namespace liaison::directory {

// The directory module's migrations (module "directory"), in order. Released migrations are
// never edited; add a new one instead.
std::vector<store::Migration> Migrations();

}  // namespace liaison::directory
