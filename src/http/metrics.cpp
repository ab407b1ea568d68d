#include "http/metrics.hpp"

#include <charconv>
#include <cmath>

namespace liaison::http {

namespace {

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Keeps the method label's cardinality bounded whatever clients send.
std::string_view MethodLabel(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

void AppendLabels(std::string& out,
                  const std::vector<std::pair<std::string, std::string>>& labels) {
  if (labels.empty()) return;
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (!first) out += ',';
    first = false;
    out += name;
    out += "=\"";
    out += EscapeLabelValue(value);
    out += '"';
  }
  out += '}';
}

void AppendFamilyHeader(std::string& out, std::string_view name, std::string_view help,
                        std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += EscapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void Metrics::RequestStarted() { in_flight_.fetch_add(1); }

void Metrics::RequestFinished(std::string_view route, std::string_view method, int status,
                              double seconds) {
  in_flight_.fetch_sub(1);
  std::lock_guard lock(mu_);
  ++requests_[{std::string(route), std::string(MethodLabel(method)), status}];
  Histogram& h = latency_[std::string(route)];
  for (std::size_t i = 0; i < kLatencyBuckets.size(); ++i) {
    if (seconds <= kLatencyBuckets[i]) {
      ++h.buckets[i];
      break;
    }
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::AddGaugeSource(std::function<std::vector<Gauge>()> source) {
  std::lock_guard lock(mu_);
  gauge_sources_.push_back(std::move(source));
}

std::string Metrics::RenderPrometheus() const {
  std::string out;
  std::vector<std::function<std::vector<Gauge>()>> sources;
  {
    std::lock_guard lock(mu_);
    sources = gauge_sources_;

    AppendFamilyHeader(out, "liaison_http_requests_total",
                       "HTTP requests by route pattern, method and status.", "counter");
    for (const auto& [key, count] : requests_) {
      const auto& [route, method, status] = key;
      out += "liaison_http_requests_total";
      AppendLabels(out, {{"route", route}, {"method", method}, {"status", std::to_string(status)}});
      out += ' ';
      out += std::to_string(count);
      out += '\n';
    }

    AppendFamilyHeader(out, "liaison_http_request_duration_seconds",
                       "HTTP request latency by route pattern.", "histogram");
    for (const auto& [route, h] : latency_) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i <= kLatencyBuckets.size(); ++i) {
        std::string le = "+Inf";
        if (i < kLatencyBuckets.size()) {
          cumulative += h.buckets[i];
          le = FormatNumber(kLatencyBuckets[i]);
        } else {
          cumulative = h.count;
        }
        out += "liaison_http_request_duration_seconds_bucket";
        AppendLabels(out, {{"route", route}, {"le", le}});
        out += ' ';
        out += std::to_string(cumulative);
        out += '\n';
      }
      out += "liaison_http_request_duration_seconds_sum";
      AppendLabels(out, {{"route", route}});
      out += ' ';
      out += FormatNumber(h.sum);
      out += "\nliaison_http_request_duration_seconds_count";
      AppendLabels(out, {{"route", route}});
      out += ' ';
      out += std::to_string(h.count);
      out += '\n';
    }
  }

  AppendFamilyHeader(out, "liaison_http_requests_in_flight", "HTTP requests being handled now.",
                     "gauge");
  out += "liaison_http_requests_in_flight " + std::to_string(in_flight_.load()) + "\n";

  // Sources run outside the lock: they may take their own locks or query a database.
  std::map<std::string, std::vector<Gauge>> families;
  for (const auto& source : sources) {
    try {
      for (Gauge& g : source()) families[g.name].push_back(std::move(g));
    } catch (...) {
      // A failing source must not break the scrape of everything else.
    }
  }
  for (const auto& [name, gauges] : families) {
    AppendFamilyHeader(out, name, gauges.front().help, "gauge");
    for (const Gauge& g : gauges) {
      out += name;
      AppendLabels(out, g.labels);
      out += ' ';
      out += FormatNumber(g.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace liaison::http
