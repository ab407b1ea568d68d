#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace liaison::http {
namespace {

bool Contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(Metrics, CountsRequestsByRouteMethodAndStatus) {
  Metrics metrics;
  for (int i = 0; i < 3; ++i) {
    metrics.RequestStarted();
    metrics.RequestFinished("/api/v1/contacts/{id}", "GET", 200, 0.002);
  }
  metrics.RequestStarted();
  metrics.RequestFinished("/api/v1/contacts/{id}", "GET", 404, 0.002);
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "# TYPE liaison_http_requests_total counter\n"));
  EXPECT_TRUE(Contains(text, "# HELP liaison_http_requests_total "));
  EXPECT_TRUE(Contains(text,
                       "liaison_http_requests_total{route=\"/api/v1/contacts/"
                       "{id}\",method=\"GET\",status=\"200\"} 3\n"));
  EXPECT_TRUE(Contains(text,
                       "liaison_http_requests_total{route=\"/api/v1/contacts/"
                       "{id}\",method=\"GET\",status=\"404\"} 1\n"));
}

TEST(Metrics, KeepsCumulativeLatencyHistograms) {
  Metrics metrics;
  for (double s : {0.0005, 0.003, 0.2, 30.0}) {
    metrics.RequestStarted();
    metrics.RequestFinished("/r", "GET", 200, s);
  }
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text, "# TYPE liaison_http_request_duration_seconds histogram\n"));
  EXPECT_TRUE(Contains(
      text, "liaison_http_request_duration_seconds_bucket{route=\"/r\",le=\"0.001\"} 1\n"));
  EXPECT_TRUE(Contains(
      text, "liaison_http_request_duration_seconds_bucket{route=\"/r\",le=\"0.005\"} 2\n"));
  EXPECT_TRUE(
      Contains(text, "liaison_http_request_duration_seconds_bucket{route=\"/r\",le=\"0.25\"} 3\n"));
  EXPECT_TRUE(
      Contains(text, "liaison_http_request_duration_seconds_bucket{route=\"/r\",le=\"10\"} 3\n"));
  EXPECT_TRUE(
      Contains(text, "liaison_http_request_duration_seconds_bucket{route=\"/r\",le=\"+Inf\"} 4\n"));
  EXPECT_TRUE(Contains(text, "liaison_http_request_duration_seconds_count{route=\"/r\"} 4\n"));
  EXPECT_TRUE(Contains(text, "liaison_http_request_duration_seconds_sum{route=\"/r\"} 30.20"));
}

TEST(Metrics, TracksRequestsInFlight) {
  Metrics metrics;
  metrics.RequestStarted();
  metrics.RequestStarted();
  EXPECT_EQ(metrics.in_flight(), 2);
  EXPECT_TRUE(Contains(metrics.RenderPrometheus(), "liaison_http_requests_in_flight 2\n"));
  metrics.RequestFinished("/r", "GET", 200, 0.1);
  EXPECT_EQ(metrics.in_flight(), 1);
}

TEST(Metrics, BoundsTheMethodLabel) {
  Metrics metrics;
  metrics.RequestStarted();
  metrics.RequestFinished("unmatched", "BREW", 405, 0.1);
  EXPECT_TRUE(Contains(metrics.RenderPrometheus(), "method=\"other\""));
}

TEST(Metrics, RendersGaugesFromSourcesGroupedByName) {
  Metrics metrics;
  metrics.AddGaugeSource([] {
    return std::vector<Gauge>{
        {"liaison_outbox_pending", "Notifications waiting.", {{"channel", "email"}}, 3},
        {"liaison_outbox_pending", "Notifications waiting.", {{"channel", "webhook"}}, 1.5}};
  });
  metrics.AddGaugeSource([] {
    return std::vector<Gauge>{{"liaison_db_pool_idle", "Idle connections.", {}, 4}};
  });
  std::string text = metrics.RenderPrometheus();
  EXPECT_TRUE(Contains(text,
                       "# HELP liaison_outbox_pending Notifications waiting.\n"
                       "# TYPE liaison_outbox_pending gauge\n"
                       "liaison_outbox_pending{channel=\"email\"} 3\n"
                       "liaison_outbox_pending{channel=\"webhook\"} 1.5\n"));
  EXPECT_TRUE(Contains(text, "# TYPE liaison_db_pool_idle gauge\nliaison_db_pool_idle 4\n"));
}

TEST(Metrics, SkipsAGaugeSourceThatThrows) {
  Metrics metrics;
  metrics.AddGaugeSource([]() -> std::vector<Gauge> { throw std::runtime_error("db down"); });
  metrics.AddGaugeSource([] { return std::vector<Gauge>{{"liaison_up", "Up.", {}, 1}}; });
  EXPECT_TRUE(Contains(metrics.RenderPrometheus(), "liaison_up 1\n"));
}

TEST(Metrics, EscapesLabelValues) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  Metrics metrics;
  metrics.AddGaugeSource([] {
    return std::vector<Gauge>{{"liaison_x", "X.", {{"name", "say \"hi\""}}, 1}};
  });
  EXPECT_TRUE(Contains(metrics.RenderPrometheus(), "liaison_x{name=\"say \\\"hi\\\"\"} 1\n"));
}

}  // namespace
}  // namespace liaison::http
