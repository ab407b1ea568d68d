#include "requests/stats.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "security/access_policy.hpp"

namespace liaison::requests {
namespace {

constexpr double kMsPerHour = 3600.0 * 1000.0;

// The nearest-rank `percent` percentile of `values` (sorted here); unset when empty.
std::optional<double> Percentile(std::vector<double> values, double percent) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  auto rank = static_cast<std::size_t>(std::ceil(percent / 100.0 * values.size()));
  return values[std::max<std::size_t>(rank, 1) - 1];
}

std::optional<double> Median(std::vector<double> values) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

struct Samples {
  StateResponsiveness figures;
  std::vector<double> to_acknowledge;
  std::vector<double> to_answer;
};

}  // namespace

Result<std::vector<StateResponsiveness>> Responsiveness(store::Database& db,
                                                        const security::Principal& actor,
                                                        TimePoint from, TimePoint to) {
  RETURN_IF_ERROR(security::Authorize(actor, security::Action::kRequestStatsRead, {}));
  if (to <= from) return Error::InvalidArgument("must be after from", "to", "invalid_period");
  auto tx = db.Begin(store::TxMode::kRead);
  if (!tx.has_value()) return std::move(tx).error();
  ASSIGN_OR_RETURN(store::Rows rows,
                   (*tx)->Query("SELECT requested_state, submitted_at, acknowledged_at, "
                                "answered_at, answer_due_at FROM requests WHERE "
                                "submitted_at >= ? AND submitted_at < ? AND status NOT IN "
                                "('withdrawn', 'redirected') ORDER BY requested_state",
                                {ToUnixMillis(from), ToUnixMillis(to)}));
  std::map<std::string, Samples> by_state;
  for (const auto& row : rows) {
    Samples& s = by_state[row.Text(0)];
    s.figures.state = row.Text(0);
    ++s.figures.requests;
    const auto submitted = row.Int(1);
    if (!row.IsNull(2)) {
      ++s.figures.acknowledged;
      s.to_acknowledge.push_back((row.Int(2) - submitted) / kMsPerHour);
    }
    if (!row.IsNull(3)) {
      ++s.figures.answered;
      s.to_answer.push_back((row.Int(3) - submitted) / kMsPerHour);
      if (!row.IsNull(4) && row.Int(3) <= row.Int(4)) ++s.figures.answered_within_deadline;
    }
  }
  std::vector<StateResponsiveness> out;
  for (auto& [state, s] : by_state) {
    StateResponsiveness f = s.figures;
    f.median_hours_to_acknowledge = Median(s.to_acknowledge);
    f.p90_hours_to_acknowledge = Percentile(s.to_acknowledge, 90);
    f.median_hours_to_answer = Median(s.to_answer);
    f.p90_hours_to_answer = Percentile(s.to_answer, 90);
    f.share_answered_within_deadline =
        static_cast<double>(f.answered_within_deadline) / static_cast<double>(f.requests);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace liaison::requests
