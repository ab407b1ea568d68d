#include "requests/deadlines.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "core/json.hpp"
#include "directory/working_hours.hpp"
#include "notify/outbox.hpp"
#include "requests/request_records.hpp"
#include "security/accounts.hpp"

namespace liaison::requests {
namespace {

using store::Transaction;
using store::TxMode;

constexpr int kLastStep = 3;
constexpr const char* kStepNames[] = {"", "backup_technical", "policy", "operator"};

// How far a request's acknowledgement period has run, and on what basis.
struct Elapsed {
  double periods = 0;  // Acknowledgement periods elapsed.
  std::string basis;   // "clock" or "working_hours".
  std::string why;     // A sentence for the timeline.
};

Elapsed MeasureElapsed(const CooperationRequest& r,
                       const std::vector<directory::PointOfContact>& routed,
                       const RequestSettings& settings, TimePoint now) {
  const double period_hours =
      std::chrono::duration<double, std::ratio<3600>>(settings.AcknowledgeWithin(r.urgency))
          .count();
  const TimePoint from = r.submitted_at.value_or(now);
  const double wall_hours = std::chrono::duration<double, std::ratio<3600>>(now - from).count();
  Elapsed e;
  auto keeps_hours = [](const directory::PointOfContact& c) {
    return std::any_of(c.working_hours.begin(), c.working_hours.end(),
                       [](const auto& day) { return !day.empty(); });
  };
  for (const auto& contact : routed) {
    if (contact.available_24_7 || !keeps_hours(contact)) {
      e.basis = "clock";
      e.why = contact.available_24_7
                  ? "a routed contact (" + contact.name + ") is available 24/7"
                  : "a routed contact (" + contact.name + ") keeps no working hours";
      e.periods = wall_hours / period_hours;
      return e;
    }
  }
  if (routed.empty()) {
    e.basis = "clock";
    e.why = "no routed contact remains in the directory";
    e.periods = wall_hours / period_hours;
    return e;
  }
  double best = 0;
  std::set<std::string> zones;
  for (const auto& contact : routed) {
    best = std::max(best, directory::WorkingHoursBetween(contact, from, now));
    zones.insert(contact.time_zone);
  }
  e.basis = "working_hours";
  std::string list;
  for (const auto& z : zones) list += (list.empty() ? "" : ", ") + z;
  e.why = "counted in the routed contacts' working hours (" + list + ")";
  e.periods = best / period_hours;
  return e;
}

using internal::MailRecipient;

Status QueueEscalationMail(Transaction& tx, const CooperationRequest& r, const MailRecipient& to,
                           const RequestSettings& settings, TimePoint now) {
  notify::EmailNotification email =
      internal::RequestMail(r, "request.escalated", to, settings.public_url);
  email.params["submitted_at"] = FormatRfc3339(r.submitted_at.value_or(now));
  email.params["deadline"] = FormatRfc3339(r.acknowledge_due_at.value_or(now));
  ASSIGN_OR_RETURN(auto id, notify::EnqueueEmail(tx, email, now));
  (void)id;
  return OkStatus();
}

// What the timeline says when escalation step `step` of `r` reached nobody.
std::string NobodyReached(const CooperationRequest& r, int step) {
  switch (step) {
    case 1:
      return r.requested_state +
             " has no backup technical contact on this node that the request was not sent to";
    case 2:
      return r.requested_state +
             " has no policy contact on this node that the request was not sent to";
    default:
      return "this node has no operator account to notify";
  }
}

// Escalation step `step` of `r`: e-mails whom the step reaches and records it. Returns how many
// were reached.
Result<std::int64_t> Escalate(Transaction& tx, const CooperationRequest& r, int step,
                              const RequestSettings& settings, TimePoint now) {
  std::int64_t reached = 0;
  if (step == kLastStep) {
    ASSIGN_OR_RETURN(auto operators, security::FindAccountsWithRole(tx, security::Role::kOperator));
    for (const auto& account : operators) {
      RETURN_IF_ERROR(QueueEscalationMail(
          tx, r, {account.display_name, account.email, account.language, ""}, settings, now));
      ++reached;
    }
    return reached;
  }
  ASSIGN_OR_RETURN(
      auto contacts,
      step == 1
          ? directory::ContactsOfState(tx, r.requested_state, directory::ContactLevel::kTechnical,
                                       directory::ContactRole::kBackup)
          : directory::ContactsOfState(tx, r.requested_state, directory::ContactLevel::kPolicy));
  ASSIGN_OR_RETURN(auto already, internal::RecipientIds(tx, r.id));
  const std::set<std::string> notified(already.begin(), already.end());
  for (const auto& contact : contacts) {
    if (notified.count(contact.id)) continue;
    ASSIGN_OR_RETURN(bool added, internal::AddRecipient(tx, r.id, contact, kStepNames[step], now));
    if (!added) continue;
    for (const auto& address : contact.emails) {
      RETURN_IF_ERROR(QueueEscalationMail(
          tx, r,
          {contact.name, address, directory::PreferredUnLanguage(contact), contact.openpgp_key},
          settings, now));
    }
    ++reached;
  }
  return reached;
}

// Takes the escalation steps of request `id` that are due. Returns the steps taken and whether
// it was newly marked overdue.
Result<std::pair<int, bool>> EscalateDue(store::Database& db, const std::string& id,
                                         const RequestSettings& settings, TimePoint now) {
  const security::Principal system = security::Principal::System();
  return store::InTransaction(
      db, TxMode::kWrite, [&](Transaction& tx) -> Result<std::pair<int, bool>> {
        ASSIGN_OR_RETURN(auto found, internal::LoadRequest(tx, id));
        if (!found || found->status != RequestStatus::kSubmitted) {
          return std::pair<int, bool>{0, false};
        }
        CooperationRequest r = std::move(*found);
        ASSIGN_OR_RETURN(auto routed, internal::RoutedContacts(tx, r));
        const Elapsed elapsed = MeasureElapsed(r, routed, settings, now);
        const int due = std::min(kLastStep, static_cast<int>(elapsed.periods));
        if (due <= r.escalation_step) return std::pair<int, bool>{0, false};
        const CooperationRequest before = r;
        bool newly_overdue = false;
        if (!r.acknowledge_overdue_at) {
          newly_overdue = true;
          r.acknowledge_overdue_at = now;
          boost::json::object info{{"deadline", "acknowledge"},
                                   {"due_at", FormatRfc3339(r.acknowledge_due_at.value_or(now))},
                                   {"basis", elapsed.basis},
                                   {"why", elapsed.why}};
          RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "overdue", system, std::nullopt,
                                                   std::nullopt, json::Serialize(info), "", now));
          RETURN_IF_ERROR(internal::AuditChange(tx, system, "request.overdue", &before, r, now));
          RETURN_IF_ERROR(internal::AnnounceToParties(tx, r, "request.overdue", now));
        }
        int steps = 0;
        while (r.escalation_step < due) {
          const int step = r.escalation_step + 1;
          ASSIGN_OR_RETURN(std::int64_t reached, Escalate(tx, r, step, settings, now));
          r.escalation_step = step;
          boost::json::object info{{"step", kStepNames[step]},
                                   {"reached", reached},
                                   {"basis", elapsed.basis},
                                   {"why", elapsed.why}};
          if (reached == 0) info["note"] = NobodyReached(r, step);
          RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "escalated", system, std::nullopt,
                                                   std::nullopt, json::Serialize(info), "", now));
          ++steps;
        }
        // A system mark: the version stays, so a party's If-Match remains valid.
        ASSIGN_OR_RETURN(auto changed,
                         tx.Execute("UPDATE requests SET escalation_step = ?, "
                                    "acknowledge_overdue_at = ? WHERE id = ? AND "
                                    "status = 'submitted' AND escalation_step = ?",
                                    {r.escalation_step, ToUnixMillis(*r.acknowledge_overdue_at),
                                     r.id, before.escalation_step}));
        if (changed != 1) return Error::Unavailable("the request changed meanwhile");
        RETURN_IF_ERROR(internal::AuditChange(tx, system, "request.escalate", &before, r, now));
        return std::pair<int, bool>{steps, newly_overdue};
      });
}

Result<bool> MarkAnswerOverdue(store::Database& db, const std::string& id, TimePoint now) {
  const security::Principal system = security::Principal::System();
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<bool> {
    ASSIGN_OR_RETURN(auto found, internal::LoadRequest(tx, id));
    if (!found || found->answer_overdue_at || !found->answer_due_at ||
        *found->answer_due_at > now ||
        (found->status != RequestStatus::kAcknowledged &&
         found->status != RequestStatus::kInProgress)) {
      return false;
    }
    CooperationRequest r = std::move(*found);
    const CooperationRequest before = r;
    r.answer_overdue_at = now;
    ASSIGN_OR_RETURN(auto changed,
                     tx.Execute("UPDATE requests SET answer_overdue_at = ? WHERE id = ? AND "
                                "answer_overdue_at IS NULL",
                                {ToUnixMillis(now), r.id}));
    if (changed != 1) return false;
    boost::json::object info{
        {"deadline", "answer"}, {"due_at", FormatRfc3339(*r.answer_due_at)}, {"basis", "clock"}};
    RETURN_IF_ERROR(internal::AppendTimeline(tx, r.id, "overdue", system, std::nullopt,
                                             std::nullopt, json::Serialize(info), "", now));
    RETURN_IF_ERROR(internal::AuditChange(tx, system, "request.overdue", &before, r, now));
    RETURN_IF_ERROR(internal::AnnounceToParties(tx, r, "request.overdue", now));
    return true;
  });
}

Result<std::vector<std::string>> Ids(store::Database& db, const std::string& sql,
                                     const store::Params& params) {
  auto tx = db.Begin(TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(store::Rows rows, (*tx)->Query(sql, params));
  std::vector<std::string> ids;
  for (const auto& row : rows) ids.push_back(row.Text(0));
  return ids;
}

}  // namespace

Result<DeadlineSummary> RunDeadlines(store::Database& db, const RequestSettings& settings,
                                     TimePoint now) {
  DeadlineSummary summary;
  // Working hours never run faster than the clock: a request whose next step is not due on the
  // clock is not due at all, and needs no write transaction.
  std::vector<std::string> waiting;
  {
    auto tx = db.Begin(TxMode::kRead);
    if (!tx.has_value()) return std::move(tx).error();
    ASSIGN_OR_RETURN(store::Rows rows,
                     (*tx)->Query("SELECT id, urgency, submitted_at, escalation_step FROM requests "
                                  "WHERE status = 'submitted' AND escalation_step < ? "
                                  "ORDER BY submitted_at, id",
                                  {kLastStep}));
    for (const auto& row : rows) {
      const Urgency urgency = ParseUrgency(row.Text(1)).value_or(Urgency::kRoutine);
      const TimePoint next_on_the_clock =
          FromUnixMillis(row.Int(2)) + settings.AcknowledgeWithin(urgency) * (row.Int(3) + 1);
      if (next_on_the_clock <= now) waiting.push_back(row.Text(0));
    }
  }
  for (const auto& id : waiting) {
    ASSIGN_OR_RETURN(auto taken, EscalateDue(db, id, settings, now));
    summary.escalation_steps += taken.first;
    if (taken.second) ++summary.acknowledgements_overdue;
  }
  ASSIGN_OR_RETURN(auto late, Ids(db,
                                  "SELECT id FROM requests WHERE status IN ('acknowledged', "
                                  "'in_progress') AND answer_overdue_at IS NULL AND "
                                  "answer_due_at <= ? ORDER BY answer_due_at, id",
                                  {ToUnixMillis(now)}));
  for (const auto& id : late) {
    ASSIGN_OR_RETURN(bool marked, MarkAnswerOverdue(db, id, now));
    if (marked) ++summary.answers_overdue;
  }
  return summary;
}

}  // namespace liaison::requests
