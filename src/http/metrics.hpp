// Request metrics for the HTTP server and gauges contributed by other modules, rendered in the
// Prometheus text exposition format 0.0.4. Thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

namespace liaison::http {

// One gauge sample reported by a gauge source at scrape time. Samples that share a name form
// one metric family; `help` of the first sample is used.
struct Gauge {
  std::string name;  // A Prometheus metric name, e.g. "liaison_outbox_pending".
  std::string help;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

// Counts requests by route, method and status, keeps latency histograms by route and the
// number of requests in flight. Thread-safe.
class Metrics {
 public:
  // Upper bounds, in seconds, of the latency histogram buckets (the +Inf bucket is implicit).
  static constexpr std::array<double, 14> kLatencyBuckets = {
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10};

  // Marks the start of a request: the in-flight gauge goes up by one.
  void RequestStarted();

  // Marks the end of a request started with RequestStarted(): the in-flight gauge goes down and
  // the request is counted under `route` (a route pattern or "unmatched", never a raw path),
  // `method` and `status`, with its latency in seconds.
  void RequestFinished(std::string_view route, std::string_view method, int status, double seconds);

  // Adds a function called at every scrape whose gauges are rendered with the rest. The function
  // must be thread-safe and must not call back into this object. Exceptions it throws are
  // swallowed and its gauges left out of that scrape.
  void AddGaugeSource(std::function<std::vector<Gauge>()> source);

  // The number of requests started and not yet finished.
  std::int64_t in_flight() const { return in_flight_.load(); }

  // All metrics in the Prometheus text format 0.0.4 (HELP and TYPE lines, escaped label values).
  std::string RenderPrometheus() const;

 private:
  struct Histogram {
    std::array<std::uint64_t, kLatencyBuckets.size()> buckets{};  // Non-cumulative counts.
    std::uint64_t count = 0;
    double sum = 0;
  };

  std::atomic<std::int64_t> in_flight_{0};
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, std::uint64_t> requests_;  // Guarded by mu_.
  std::map<std::string, Histogram> latency_;                                     // Guarded by mu_.
  std::vector<std::function<std::vector<Gauge>()>> gauge_sources_;               // Guarded by mu_.
};

// Escapes a label value for the text format: backslash, double quote and line feed.
std::string EscapeLabelValue(std::string_view value);

}  // namespace liaison::http
