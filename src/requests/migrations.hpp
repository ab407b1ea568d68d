// The requests module's schema: requests, the contacts they were sent to and their timelines.
#pragma once

#include <vector>

#include "store/migrations.hpp"

namespace liaison::requests {

// The requests module's migrations (module "requests"), in order. Released migrations are never
// edited; add a new one instead.
std::vector<store::Migration> Migrations();

}  // namespace liaison::requests
