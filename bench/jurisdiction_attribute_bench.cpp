// Benchmark driver for bulk attribution: runs the same library calls as `liaison attribute`
// (jurisdiction::Attribute with the per-state CSV writer, then the STIX bundles, as many at a
// time as there are threads) on one feed and
// prints rows/s and MB/s. It links only liaison_jurisdiction, so a Release build of it does not
// need the whole server. Usage: jurisdiction_attribute_bench DATA_DIR FEED THREADS [OUT_DIR]
#include <sys/resource.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "jurisdiction/attribution.hpp"
#include "jurisdiction/attribution_output.hpp"

namespace jd = liaison::jurisdiction;

// A digest of everything the summary holds (counts, categories, countries, distinct addresses and
// AS numbers, windows), so that two builds can be checked to agree on a large feed.
std::uint64_t Digest(const jd::AttributionSummary& summary) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](const void* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      h = (h ^ static_cast<const unsigned char*>(data)[i]) * 1099511628211ull;
    }
  };
  auto number = [&](std::int64_t v) { mix(&v, sizeof v); };
  auto text = [&](const std::string& s) {
    number(static_cast<std::int64_t>(s.size()));
    mix(s.data(), s.size());
  };
  number(summary.lines);
  number(summary.observations);
  number(summary.malformed);
  for (const auto& e : summary.errors) {
    number(e.line);
    text(e.message);
  }
  for (const auto& g : summary.groups) {
    text(g.group);
    text(g.state);
    for (const auto& c : g.countries) text(c);
    number(g.observations);
    number(g.distinct_addresses);
    number(g.distinct_as_numbers);
    for (const auto& [category, count] : g.categories) {
      text(category);
      number(count);
    }
    mix(g.as_numbers.data(), g.as_numbers.size() * sizeof(std::uint32_t));
    mix(g.addresses_v4.data(), g.addresses_v4.size() * sizeof(std::uint32_t));
    mix(g.addresses_v6.data(), g.addresses_v6.size() * sizeof(jd::Uint128));
    number(g.first_seen ? liaison::ToUnixMillis(*g.first_seen) : -1);
    number(g.last_seen ? liaison::ToUnixMillis(*g.last_seen) : -1);
  }
  return h;
}

// CPU seconds used by the whole process so far (all threads): on a shared machine the wall
// time says more about the neighbours than about this program.
double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_utime.tv_usec * 1e-6 + usage.ru_stime.tv_sec +
         usage.ru_stime.tv_usec * 1e-6;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s DATA_DIR FEED THREADS [OUT_DIR]\n", argv[0]);
    return 2;
  }
  auto started = std::chrono::steady_clock::now();
  auto index = jd::JurisdictionIndex::Load(argv[1], liaison::TimePoint{});
  if (!index.has_value()) {
    std::fprintf(stderr, "%s\n", index.error().message.c_str());
    return 1;
  }
  auto loaded = std::chrono::steady_clock::now();
  double cpu_loaded = ProcessCpuSeconds();
  auto source = jd::OpenFeedFile(argv[2]);
  if (!source.has_value()) return 1;
  jd::AttributionOptions options;
  options.threads = std::stoi(argv[3]);
  std::unique_ptr<jd::GroupCsvWriter> writer;
  if (argc > 4) {
    std::filesystem::create_directories(argv[4]);
    writer = std::make_unique<jd::GroupCsvWriter>(argv[4], **index);
  }
  auto summary = writer ? jd::Attribute(**source, **index, options, *writer)
                        : jd::Attribute(**source, **index, options);
  if (!summary.has_value()) {
    std::fprintf(stderr, "%s\n", summary.error().message.c_str());
    return 1;
  }
  double cpu_csv = ProcessCpuSeconds() - cpu_loaded;
  if (writer) {
    if (!writer->Close().has_value()) return 1;
    cpu_csv = ProcessCpuSeconds() - cpu_loaded;
    if (!jd::WriteStixBundles(argv[4], *summary, liaison::TimePoint{}, options.threads)
             .has_value()) {
      return 1;
    }
  }
  auto done = std::chrono::steady_clock::now();
  double cpu = ProcessCpuSeconds() - cpu_loaded;
  struct stat st {};
  ::stat(argv[2], &st);
  double seconds = std::chrono::duration<double>(done - loaded).count();
  std::printf(
      "attribute (%s, %s threads): %lld rows in %.2f s (+%.2f s data load): "
      "%.0f rows/s, %.1f MB/s; %zu groups, %lld malformed\n",
      argc > 4 ? "per-state CSV + STIX files" : "summary only", argv[3],
      static_cast<long long>(summary->lines), seconds,
      std::chrono::duration<double>(loaded - started).count(), summary->lines / seconds,
      st.st_size / seconds / 1e6, summary->groups.size(),
      static_cast<long long>(summary->malformed));
  std::printf(
      "  CPU time %.2f s (all threads): %.0f rows and %.1f MB per CPU-second; on 2 "
      "otherwise idle cores at most %.1f MB/s\n",
      cpu, summary->lines / cpu, st.st_size / cpu / 1e6, 2 * st.st_size / cpu / 1e6);
  std::printf("  summary digest %016llx\n", static_cast<unsigned long long>(Digest(*summary)));
  if (writer) {
    std::printf(
        "  of which attribution and per-state CSV %.2f s (%.1f MB per CPU-second), STIX "
        "bundles %.2f s\n",
        cpu_csv, st.st_size / cpu_csv / 1e6, cpu - cpu_csv);
  }
  return 0;
}
