// Benchmark: single-thread random-address look-ups per second, liaison's JurisdictionIndex
// against libmaxminddb on the same country data (the ip-location-db CSV and MMDB packages of
// one version), checking that both give the same country for every sampled address; liaison
// both one address per call (CountryCodeAt) and through the batch API (CountryCodesAt); and the
// resident memory of the loaded index. See bench/README.md. Not a test: it prints figures.
//
// Usage: jurisdiction_lookup_bench DATA_DIR MMDB_FILE [SAMPLES]
#include <arpa/inet.h>
#include <maxminddb.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "jurisdiction/jurisdiction_index.hpp"

namespace {

using liaison::jurisdiction::IpAddress;
using liaison::jurisdiction::IpFamily;
using liaison::jurisdiction::JurisdictionIndex;
using liaison::jurisdiction::Uint128;

// A figure of /proc/self/<file> in KiB ("VmRSS:" of status, "AnonHugePages:" of smaps_rollup).
long ProcKib(const char* file, const std::string& field) {
  std::ifstream status(std::string("/proc/self/") + file);
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(field.size()));
  }
  return -1;
}
long RssKib() { return ProcKib("status", "VmRSS:"); }

// IPv6 samples: uniform within the ranges of the country file (uniform over the whole space
// would almost only hit unallocated space).
std::vector<IpAddress> SampleIpv6(const std::string& dir, std::size_t n, std::mt19937_64& rng) {
  std::ifstream in(dir + "/" + std::string(liaison::jurisdiction::kCountryIpv6File));
  std::vector<std::pair<Uint128, Uint128>> ranges;
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    auto a = liaison::jurisdiction::ParseIpAddress(line.substr(0, c1));
    auto b = liaison::jurisdiction::ParseIpAddress(line.substr(c1 + 1, c2 - c1 - 1));
    if (a.has_value() && b.has_value()) ranges.emplace_back(a->value, b->value);
  }
  std::vector<IpAddress> out;
  for (std::size_t i = 0; i < n; ++i) {
    auto [first, last] = ranges[rng() % ranges.size()];
    Uint128 span = last - first;
    Uint128 r = (static_cast<Uint128>(rng()) << 64) | rng();
    out.push_back({IpFamily::kIpv6, first + (span == ~Uint128{0} ? r : r % (span + 1))});
  }
  return out;
}

// Thread CPU time in seconds: the machines these run on are shared, and CPU time is less
// disturbed by other processes than wall time (both sides are timed alike).
double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// Keeps the compiler from moving the timed work across the clock reads.
template <typename T>
void Consume(const T& value) {
  asm volatile("" : : "r"(&value) : "memory");
}

// Reads a country CSV into source ranges (value: the packed country code).
template <typename Key>
std::vector<liaison::jurisdiction::SourceRange<Key>> ReadCountryRanges(const std::string& path) {
  std::ifstream in(path);
  std::vector<liaison::jurisdiction::SourceRange<Key>> out;
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    auto a = liaison::jurisdiction::ParseIpAddress(line.substr(0, c1));
    auto b = liaison::jurisdiction::ParseIpAddress(line.substr(c1 + 1, c2 - c1 - 1));
    std::uint32_t code =
        (static_cast<unsigned char>(line[c2 + 1]) << 8) | static_cast<unsigned char>(line[c2 + 2]);
    out.push_back({static_cast<Key>(a->value), static_cast<Key>(b->value), code});
  }
  return out;
}

// Look-ups per second of one RangeTable layout over `keys`; its answers go to `answers`.
template <typename Table, typename Key>
double LayoutRate(const Table& table, const std::vector<Key>& keys,
                  std::vector<std::uint32_t>& answers) {
  answers.resize(keys.size());
  auto t0 = CpuSeconds();
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (std::size_t i = 0; i < keys.size(); ++i) answers[i] = table.ValueAt(keys[i]);
    Consume(answers[0]);
  }
  auto t1 = CpuSeconds();
  return 3.0 * keys.size() / (t1 - t0);
}

// Prints one layout's rate and size, and how many of its answers differ from `reference` (the
// first layout of the family; empty: this one is it).
template <typename Table, typename Key>
void PrintLayout(const char* name, const Table& table, const std::vector<Key>& keys,
                 std::vector<std::uint32_t>& reference) {
  std::vector<std::uint32_t> answers;
  const double rate = LayoutRate(table, keys, answers);
  std::size_t differ = 0;
  if (reference.empty()) {
    reference = answers;
  } else {
    for (std::size_t i = 0; i < keys.size(); ++i) differ += answers[i] != reference[i];
  }
  std::printf("  %-46s %5.1f (%4.1f MiB)%s\n", name, rate / 1e6, table.MemoryBytes() / 1048576.0,
              differ == 0 ? "" : " ANSWERS DIFFER");
}

// The layouts RangeTable offers, on the real country data: the measurement behind the choice in
// jurisdiction_index.hpp. Every layout's answers are checked against the first of its family.
void CompareLayouts(const std::string& dir, const std::vector<IpAddress>& v4,
                    const std::vector<IpAddress>& v6) {
  using liaison::jurisdiction::RangeSearch;
  using liaison::jurisdiction::RangeTable;
  auto r4 = ReadCountryRanges<std::uint32_t>(dir + "/" +
                                             std::string(liaison::jurisdiction::kCountryIpv4File));
  auto r6 =
      ReadCountryRanges<Uint128>(dir + "/" + std::string(liaison::jurisdiction::kCountryIpv6File));
  std::vector<std::uint32_t> k4;
  for (const auto& a : v4) k4.push_back(a.v4());
  std::vector<Uint128> k6;
  for (const auto& a : v6) k6.push_back(a.value);
  std::printf("layouts (country table, M look-ups/s, MiB):\n");
  std::vector<std::uint32_t> reference;
  auto layout = [&](const char* name, auto table, const auto& ranges, const auto& keys) {
    table->Build(ranges);
    PrintLayout(name, *table, keys, reference);
  };
  using V4 = std::uint32_t;
  layout("IPv4 first level 16 bits + second level:", std::make_unique<RangeTable<V4, 16>>(), r4,
         k4);
  layout("IPv4 /16 + 256-byte chunks of /24 slots:",
         std::make_unique<RangeTable<V4, 16, RangeSearch::kSlots>>(), r4, k4);
  layout("IPv4 B+-tree, 16 keys a node:", std::make_unique<RangeTable<V4, 0>>(), r4, k4);
  reference.clear();
  layout("IPv6 first level 16 bits + 6-bit trie (scan 4):",
         std::make_unique<RangeTable<Uint128, 16, RangeSearch::kTrie>>(), r6, k6);
  layout("IPv6 ... trie, leaves resolve (scan 0 starts):",
         std::make_unique<RangeTable<Uint128, 16, RangeSearch::kTrie, 0>>(), r6, k6);
  layout("IPv6 ... trie, scan at most 1 start:",
         std::make_unique<RangeTable<Uint128, 16, RangeSearch::kTrie, 1>>(), r6, k6);
  layout("IPv6 first level 20 bits + 6-bit trie:",
         std::make_unique<RangeTable<Uint128, 20, RangeSearch::kTrie>>(), r6, k6);
  layout("IPv6 B+-tree on the top 64 bits:", std::make_unique<RangeTable<Uint128, 0>>(), r6, k6);
}

struct Run {
  double liaison_per_s = 0, address_per_s = 0, batch_per_s = 0, mmdb_per_s = 0;
  std::size_t mismatches = 0, compared = 0;
};

Run Compare(const JurisdictionIndex& index, MMDB_s& mmdb, const std::vector<IpAddress>& samples) {
  Run run;
  // One call per address through IpAddress (CountryCodeAt), and for IPv4 also through the
  // 32-bit entry point (CountryCodeAtV4) on the same addresses as integers: the single-address
  // figure is the faster of the two that the family has, each checked against libmaxminddb.
  std::vector<std::uint16_t> ours(samples.size());
  auto t0 = CpuSeconds();
  for (int repeat = 0; repeat < 5; ++repeat) {
    for (std::size_t i = 0; i < samples.size(); ++i) ours[i] = index.CountryCodeAt(samples[i]);
    Consume(ours[0]);
  }
  auto t1 = CpuSeconds();
  run.address_per_s = run.liaison_per_s = 5.0 * samples.size() / (t1 - t0);
  const bool v4 = !samples.empty() && samples[0].family == IpFamily::kIpv4;
  std::vector<std::uint16_t> ours_v4(samples.size());
  if (v4) {
    std::vector<std::uint32_t> keys;
    keys.reserve(samples.size());
    for (const auto& a : samples) keys.push_back(a.v4());
    t0 = CpuSeconds();
    for (int repeat = 0; repeat < 5; ++repeat) {
      for (std::size_t i = 0; i < keys.size(); ++i) ours_v4[i] = index.CountryCodeAtV4(keys[i]);
      Consume(ours_v4[0]);
    }
    t1 = CpuSeconds();
    run.liaison_per_s = 5.0 * samples.size() / (t1 - t0);
  }
  // The batch API (JurisdictionIndex::CountryCodesAt), as the batch endpoint and attribution
  // call it: the same addresses, answers checked against the single-address ones below.
  std::vector<std::uint16_t> batch(samples.size());
  t0 = CpuSeconds();
  for (int repeat = 0; repeat < 5; ++repeat) {
    index.CountryCodesAt(samples, batch);
    Consume(batch[0]);
  }
  t1 = CpuSeconds();
  run.batch_per_s = 5.0 * samples.size() / (t1 - t0);

  std::vector<sockaddr_storage> addrs;
  addrs.reserve(samples.size());
  for (const auto& a : samples) addrs.push_back(liaison::jurisdiction::ToSockaddr(a));
  std::vector<std::uint16_t> theirs(samples.size());
  t0 = CpuSeconds();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    int error = 0;
    MMDB_lookup_result_s result =
        MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<sockaddr*>(&addrs[i]), &error);
    std::uint16_t code = 0;
    if (error == MMDB_SUCCESS && result.found_entry) {
      MMDB_entry_data_s data;
      if (MMDB_get_value(&result.entry, &data, "country_code", nullptr) == MMDB_SUCCESS &&
          data.has_data && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size == 2) {
        code = static_cast<std::uint16_t>((data.utf8_string[0] << 8) | data.utf8_string[1]);
      }
    }
    theirs[i] = code;
  }
  Consume(theirs[0]);
  t1 = CpuSeconds();
  run.mmdb_per_s = samples.size() / (t1 - t0);
  for (std::size_t i = 0; i < samples.size(); ++i) {
    ++run.compared;
    if (ours[i] != theirs[i] || batch[i] != theirs[i] || (v4 && ours_v4[i] != theirs[i])) {
      if (++run.mismatches <= 5) {
        std::printf("  mismatch %s: liaison %s (batch %s), libmaxminddb %s\n",
                    liaison::jurisdiction::FormatIpAddress(samples[i]).c_str(),
                    JurisdictionIndex::UnpackCountry(ours[i]).c_str(),
                    JurisdictionIndex::UnpackCountry(batch[i]).c_str(),
                    JurisdictionIndex::UnpackCountry(theirs[i]).c_str());
      }
    }
  }
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DATA_DIR MMDB_FILE [SAMPLES]\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  std::size_t samples = argc > 3 ? std::stoul(argv[3]) : 2'000'000;
  long rss_before = RssKib();
  auto loaded = JurisdictionIndex::Load(dir, liaison::TimePoint{});
  if (!loaded.has_value()) {
    std::fprintf(stderr, "load: %s\n", loaded.error().message.c_str());
    return 1;
  }
  long rss_after = RssKib();
  const auto& stats = (*loaded)->stats();
  std::printf(
      "data %s: %lld+%lld country rows, %lld+%lld AS rows, %lld segments, %lld AS entries\n",
      stats.version.c_str(), static_cast<long long>(stats.country_rows_v4),
      static_cast<long long>(stats.country_rows_v6), static_cast<long long>(stats.as_rows_v4),
      static_cast<long long>(stats.as_rows_v6), static_cast<long long>(stats.segments),
      static_cast<long long>(stats.as_entries));
  std::printf(
      "load %.2f s; index arrays %.1f MiB; process RSS %.1f MiB (before load %.1f MiB), "
      "of which on huge pages %.1f MiB\n",
      stats.load_seconds, stats.memory_bytes / 1048576.0, rss_after / 1024.0, rss_before / 1024.0,
      ProcKib("smaps_rollup", "AnonHugePages:") / 1024.0);

  MMDB_s mmdb;
  if (MMDB_open(argv[2], MMDB_MODE_MMAP, &mmdb) != MMDB_SUCCESS) {
    std::fprintf(stderr, "cannot open %s\n", argv[2]);
    return 1;
  }
  std::mt19937_64 rng(42);
  std::vector<IpAddress> v4;
  for (std::size_t i = 0; i < samples; ++i) {
    v4.push_back({IpFamily::kIpv4, static_cast<std::uint32_t>(rng())});
  }
  auto v6 = SampleIpv6(dir, samples, rng);
  CompareLayouts(dir, v4, v6);
  int failures = 0;
  for (auto& [name, set, target] :
       std::vector<std::tuple<const char*, std::vector<IpAddress>*, double>>{{"IPv4", &v4, 15.0},
                                                                             {"IPv6", &v6, 8.0}}) {
    Run run = Compare(**loaded, mmdb, *set);
    std::printf(
        "%s: liaison single %.1f M look-ups/s (through IpAddress %.1f), batch %.1f M "
        "look-ups/s; libmaxminddb %.2f M look-ups/s; ratio single %.1fx, batch %.1fx (target "
        "%.0fx); %zu/%zu addresses agree\n",
        name, run.liaison_per_s / 1e6, run.address_per_s / 1e6, run.batch_per_s / 1e6,
        run.mmdb_per_s / 1e6, run.liaison_per_s / run.mmdb_per_s, run.batch_per_s / run.mmdb_per_s,
        target, run.compared - run.mismatches, run.compared);
    if (run.mismatches != 0) ++failures;
  }
  MMDB_close(&mmdb);
  return failures == 0 ? 0 : 1;
}
