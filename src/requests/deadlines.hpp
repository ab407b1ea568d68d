// The scheduled side of requests: acknowledgement and answer deadlines, and escalation when a
// request is not acknowledged in time. Thread-safe; safe to run from several servers at once
// (each change re-checks its condition in its own write transaction).
#pragma once

#include "core/result.hpp"
#include "core/time.hpp"
#include "requests/requests.hpp"
#include "store/database.hpp"

namespace liaison::requests {

struct DeadlineSummary {
  int acknowledgements_overdue = 0;  // Requests newly marked overdue for acknowledgement.
  int escalation_steps = 0;          // Escalation steps taken.
  int answers_overdue = 0;           // Requests newly marked overdue for their answer.
};

// The scheduled job. A submitted request's acknowledgement period (per urgency) counts on the
// clock when a contact it was routed to is available 24/7 or keeps no working hours, and in the
// routed contacts' working hours (in their own time zones; the most elapsed counts) otherwise.
// When one period has passed, the request is marked overdue to both sides (timeline "overdue",
// webhook "request.overdue") and escalated to the requested state's backup technical contacts
// (directory role "backup") it was not sent to (step 1, "backup_technical"); after two periods to
// its policy contacts it was not sent to (step 2, "policy"); after three to the node's operators
// (step 3, "operator"), each by the e-mail "request.escalated" without content, each once, each
// in the timeline ("escalated", with the basis "clock" or "working_hours", the number "reached"
// and, when that is 0, a "note" saying that there was nobody to reach). Requests acknowledged or in
// progress past their answer deadline (on the clock) are marked overdue for the answer. Audited
// ("request.overdue", "request.escalate") as the system.
Result<DeadlineSummary> RunDeadlines(store::Database& db, const RequestSettings& settings,
                                     TimePoint now);

}  // namespace liaison::requests
