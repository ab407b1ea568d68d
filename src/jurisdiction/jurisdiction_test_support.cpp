#include "jurisdiction/jurisdiction_test_support.hpp"

#include <zlib.h>

#include <cstdlib>
#include <fstream>
#include <random>
#include <vector>

#include "jurisdiction/ip_address.hpp"
#include "jurisdiction/jurisdiction_index.hpp"

namespace liaison::jurisdiction::testing {
namespace {

// Hand-written ranges: nested blocks, adjacent blocks, single addresses, the first and last
// addresses of each family. The tests in jurisdiction_index_test.cpp rely on these rows.
constexpr const char* kCountryV4 =
    "0.0.0.0,0.0.0.255,AQ\n"
    "1.0.0.0,1.0.0.255,AU\n"
    "1.0.1.0,1.0.3.255,CN\n"
    "2.58.196.0,2.58.197.255,DE\n"
    "2.58.197.15,2.58.197.15,BE\n"
    "2.58.197.16,2.58.197.255,DE\n"
    "10.0.0.0,10.255.255.255,FR\n"
    "10.1.0.0,10.1.255.255,GP\n"
    "81.0.0.0,81.0.0.127,GB\n"
    "81.0.0.128,81.0.0.255,TW\n"
    "203.0.113.0,203.0.113.255,XK\n"
    "255.255.255.0,255.255.255.255,US\n";
constexpr const char* kCountryV6 =
    "2001:420:4000::,2001:420:7fff:ffff:ffff:ffff:ffff:ffff,JP\n"
    "2001:420:4000::,2001:420:4fff:ffff:ffff:ffff:ffff:ffff,NL\n"
    "2001:420:4000::,2001:420:40ff:ffff:ffff:ffff:ffff:ffff,GB\n"
    "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,FR\n"
    "2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,DE\n"
    "2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,IE\n"
    "ffff:ffff::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,AQ\n";
constexpr const char* kAsV4 =
    "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
    "10.0.0.0,10.0.255.255,3215,Orange S.A.\n"
    "10.1.0.0,10.1.255.255,3215,Orange S.A.\n"
    "81.0.0.0,81.0.0.255,64500,\"Example \"\"Quoted\"\" Networks\"\n"
    "214.95.0.0,215.0.255.255,749,United States Department of Defense (DoD)\n"
    "215.0.0.0,215.1.3.255,721,DoD Network Information Center\n"
    "255.255.255.255,255.255.255.255,64511,Last Address AS\n";
constexpr const char* kAsV6 =
    "2001:db8::,2001:db8:0:ffff:ffff:ffff:ffff:ffff,3215,Orange S.A.\n"
    "2001:db8:1::,2001:db8:1:ffff:ffff:ffff:ffff:ffff,3320,Deutsche Telekom AG\n"
    "2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n";

constexpr const char* kCountries[] = {"FR", "DE", "CN", "US", "BR", "NG", "IN", "GP",
                                      "TW", "EH", "GB", "JP", "RU", "ZA", "KE", "AR"};

template <typename Key>
struct Row {
  Key first, last;
  std::uint32_t pick;
};

// Sorted ranges over [lo, hi): mostly disjoint with gaps, some nested in the previous range,
// some overlapping its end.
template <typename Key>
std::vector<Row<Key>> Generate(std::mt19937_64& rng, Key lo, Key hi, int count, int max_bits) {
  std::vector<Row<Key>> rows;
  Key step = static_cast<Key>((hi - lo) / static_cast<Key>(count));
  for (int i = 0; i < count; ++i) {
    Key base = lo + step * static_cast<Key>(i);
    Key size = static_cast<Key>(1) << (rng() % max_bits);
    if (size >= step) size = step / 2;
    Key first = base + static_cast<Key>(rng() % 16);
    Key last = first + size - 1;
    rows.push_back({first, last, static_cast<std::uint32_t>(rng())});
    switch (rng() % 4) {
      case 0: {  // Nested.
        Key inner = first + size / 4;
        rows.push_back({inner, inner + size / 4, static_cast<std::uint32_t>(rng())});
        break;
      }
      case 1:  // Overlapping the end.
        rows.push_back({last - size / 8, last + size / 4, static_cast<std::uint32_t>(rng())});
        break;
      default:
        break;
    }
  }
  return rows;
}

template <typename Key>
std::string Format(Key v, IpFamily family) {
  return FormatIpAddress(IpAddress{family, static_cast<Uint128>(v)});
}

}  // namespace

void WriteFile(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

void WriteFixtureDataSet(const std::filesystem::path& dir, int generated, std::uint32_t seed) {
  std::filesystem::create_directories(dir);
  std::string country_v4 = kCountryV4, country_v6 = kCountryV6, as_v4 = kAsV4, as_v6 = kAsV6;
  if (generated > 0) {
    std::mt19937_64 rng(seed);
    // IPv4 generated ranges live in 100.0.0.0-199.255.255.255, IPv6 in 2400::/6, away from the
    // hand-written rows so that the file stays sorted.
    auto v4 = Generate<std::uint32_t>(rng, 100u << 24, 200u << 24, generated, 20);
    auto v6 = Generate<Uint128>(rng, static_cast<Uint128>(0x24) << 120,
                                static_cast<Uint128>(0x28) << 120, generated, 100);
    auto as_rows_v4 = Generate<std::uint32_t>(rng, 100u << 24, 200u << 24, generated, 20);
    auto as_rows_v6 = Generate<Uint128>(rng, static_cast<Uint128>(0x24) << 120,
                                        static_cast<Uint128>(0x28) << 120, generated, 100);
    auto insert_sorted = [](std::string& text, const std::string& rows, std::string_view after) {
      // Generated rows go right after the last hand-written row starting below them.
      auto at = text.find(after);
      text.insert(at == std::string::npos ? text.size() : at, rows);
    };
    // CSV rows "first,last,<tail>" for generated ranges.
    auto lines = [](const auto& generated_rows, IpFamily family, auto tail) {
      std::string text;
      for (const auto& r : generated_rows) {
        text += Format(r.first, family) + "," + Format(r.last, family) + "," + tail(r.pick) + "\n";
      }
      return text;
    };
    auto country = [](std::uint32_t pick) { return std::string(kCountries[pick % 16]); };
    auto as_quoted = [](std::uint32_t pick) {
      std::string asn = std::to_string(1 + pick % 400000);
      return asn + ",\"AS " + asn + ", generated\"";
    };
    auto as_plain = [](std::uint32_t pick) {
      std::string asn = std::to_string(1 + pick % 400000);
      return asn + ",AS" + asn;
    };
    insert_sorted(country_v4, lines(v4, IpFamily::kIpv4, country), "203.0.113.0");
    insert_sorted(country_v6, lines(v6, IpFamily::kIpv6, country), "2a00:1450::");
    insert_sorted(as_v4, lines(as_rows_v4, IpFamily::kIpv4, as_quoted), "214.95.0.0");
    insert_sorted(as_v6, lines(as_rows_v6, IpFamily::kIpv6, as_plain), "2a00:1450::");
  }
  WriteFile(dir / kCountryIpv4File, country_v4);
  WriteFile(dir / kCountryIpv6File, country_v6);
  WriteFile(dir / kAsIpv4File, as_v4);
  WriteFile(dir / kAsIpv6File, as_v6);
  WriteFile(dir / kVersionFile, "fixture-" + std::to_string(seed) + "\n");
}

TempDir::TempDir() {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "liaison-jurisdiction-XXXXXX").string();
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(compressBound(text.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace liaison::jurisdiction::testing
