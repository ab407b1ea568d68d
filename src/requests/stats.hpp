// Transparency statistics: how responsive each state is to the requests it receives. Aggregated
// figures only, never content. Thread-safe; each call runs in its own read transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "security/principal.hpp"
#include "store/database.hpp"

namespace liaison::requests {

// One requested state's figures over the requests submitted to it in a period. Withdrawn and
// redirected requests are left out (they do not measure the state's answers).
struct StateResponsiveness {
  std::string state;
  std::int64_t requests = 0;      // Submitted in the period.
  std::int64_t acknowledged = 0;  // Of those, acknowledged (at any time).
  std::int64_t answered = 0;      // Of those, answered (at any time).
  std::int64_t answered_within_deadline = 0;
  std::optional<double> median_hours_to_acknowledge;  // Unset when none was acknowledged.
  std::optional<double> p90_hours_to_acknowledge;
  std::optional<double> median_hours_to_answer;
  std::optional<double> p90_hours_to_answer;
  std::optional<double> share_answered_within_deadline;  // answered_within_deadline / requests.
};

// The figures per requested state, ordered by state, for requests submitted in [from, to).
// Percentiles are nearest-rank. invalid_argument (field "to") when `to` is not after `from`;
// unauthenticated for anonymous callers (Authorize kRequestStatsRead).
Result<std::vector<StateResponsiveness>> Responsiveness(store::Database& db,
                                                        const security::Principal& actor,
                                                        TimePoint from, TimePoint to);

}  // namespace liaison::requests
