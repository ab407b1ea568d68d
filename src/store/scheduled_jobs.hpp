// Scheduled work that runs once across every server sharing a database: each job has a row in
// scheduled_jobs (next due time, holder, lease, and a little state of its own); a server runs a
// job only after winning it with one conditional UPDATE. Portable SQL only; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace liaison::store {

// The store's own migrations (scheduled_jobs).
std::vector<Migration> Migrations();

// How one claim of a job is made.
struct JobClaim {
  std::string_view name;        // The job, e.g. "requests.deadlines"; created on first claim.
  std::string_view holder;      // Who runs it: unique per server process.
  std::chrono::seconds period;  // The next run is due this long after this one's start.
  std::chrono::seconds lease;   // How long the holder has to finish before others may run it.
};

// Claims the run of job `claim.name` that is due at `now`. When the caller won and must run the
// job now (then calls FinishJob), returns the due time of the run it won; nullopt when the job
// is not due or another server holds it. A job is due when it never ran or its next due time
// has come, and no holder's lease runs. The database's error when it cannot be written. Of
// several servers calling at once for one due run, exactly one wins it.
Result<std::optional<TimePoint>> ClaimDueJob(Database& db, const JobClaim& claim, TimePoint now);

// Ends `holder`'s run of job `name`: clears the lease and records when it finished. Does
// nothing when `holder` no longer holds it (its lease ran out and another server took it).
Status FinishJob(Database& db, std::string_view name, std::string_view holder, TimePoint now);

// The state text job `name` keeps between runs (empty when never set or no such job).
Result<std::string> JobState(Database& db, std::string_view name);

// Raises job `name`'s state to `state` when the current state is empty or sorts before `state`
// (for states that sort in time order, such as dated versions), creating the job row when
// missing. Returns whether it was set. One conditional UPDATE: of concurrent callers the highest
// state wins.
Result<bool> RaiseJobState(Database& db, std::string_view name, const std::string& state,
                           TimePoint now);

}  // namespace liaison::store
