// Agreement with an independent implementation: the same fixture ranges are written as an MMDB
// by MaxMind's Perl writer (tests/support/write_mmdb.pl) and read with libmaxminddb; liaison's
// JurisdictionIndex must give the same country for 100,000 random IPv4 and 100,000 random IPv6
// addresses, a share of them at range boundaries.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <maxminddb.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "jurisdiction/jurisdiction_index.hpp"
#include "jurisdiction/jurisdiction_test_support.hpp"

namespace liaison::jurisdiction {
namespace {

using testing::TempDir;
using testing::WriteFixtureDataSet;

std::string SourceDir() {
  const char* dir = std::getenv("LIAISON_SOURCE_DIR");
  return dir != nullptr ? dir : LIAISON_TEST_SOURCE_DIR;
}

std::string MmdbCountry(MMDB_s& mmdb, const IpAddress& address) {
  sockaddr_storage storage = ToSockaddr(address);
  int error = 0;
  auto result = MMDB_lookup_sockaddr(&mmdb, reinterpret_cast<sockaddr*>(&storage), &error);
  if (error != MMDB_SUCCESS || !result.found_entry) return "";
  MMDB_entry_data_s data;
  if (MMDB_get_value(&result.entry, &data, "country_code", nullptr) != MMDB_SUCCESS ||
      !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING) {
    return "?";
  }
  return std::string(data.utf8_string, data.data_size);
}

// Every first and last address of the file's rows, and the addresses just outside them.
template <typename F>
void ForEachBoundary(const std::filesystem::path& file, F&& f) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    for (auto text : {line.substr(0, c1), line.substr(c1 + 1, c2 - c1 - 1)}) {
      auto a = *ParseIpAddress(text);
      f(a);
      f(IpAddress{a.family, a.value - 1});
      f(IpAddress{a.family, a.value + 1});
    }
  }
}

TEST(MmdbAgreement, SameCountryAsLibmaxminddbFor100000AddressesPerFamily) {
  TempDir dir;
  WriteFixtureDataSet(dir.path(), 3000, 7);
  std::string mmdb_path = (dir.path() / "fixture.mmdb").string();
  std::string command = "perl " + SourceDir() + "/tests/support/write_mmdb.pl " +
                        dir.path().string() + " " + mmdb_path;
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  auto index = JurisdictionIndex::Load(dir.path().string(), TimePoint{});
  ASSERT_TRUE(index.has_value()) << index.error().message;
  MMDB_s mmdb;
  ASSERT_EQ(MMDB_open(mmdb_path.c_str(), MMDB_MODE_MMAP, &mmdb), MMDB_SUCCESS);

  std::vector<IpAddress> v4, v6;
  std::mt19937_64 rng(20261129);
  auto keep = [&](const IpAddress& a) {
    // Only IPv4 and the IPv6 space outside ::/96 and ::ffff:0:0/96, which MMDB trees alias.
    if (a.family == IpFamily::kIpv4) {
      v4.push_back(IpAddress{IpFamily::kIpv4, a.value & 0xffffffffu});
    } else if ((a.value >> 32) != 0 && (a.value >> 32) != 0xffff) {
      v6.push_back(a);
    }
  };
  ForEachBoundary(dir.path() / kCountryIpv4File, keep);
  ForEachBoundary(dir.path() / kCountryIpv6File, keep);
  while (v4.size() < 100'000) {
    // Half uniform over all of IPv4, half in the generated block 100.0.0.0-199.255.255.255.
    std::uint32_t r = static_cast<std::uint32_t>(rng());
    if (v4.size() % 2 == 0) r = (100u << 24) + r % (100u << 24);
    v4.push_back(IpAddress{IpFamily::kIpv4, r});
  }
  while (v6.size() < 100'000) {
    Uint128 r = (static_cast<Uint128>(rng()) << 64) | rng();
    // Most in the generated block 2400::/6, some anywhere in 2000::/3.
    r = v6.size() % 4 == 0 ? (static_cast<Uint128>(0x2) << 124) | (r >> 3)
                           : (static_cast<Uint128>(0x24) << 120) | (r >> 6);
    v6.push_back(IpAddress{IpFamily::kIpv6, r});
  }
  int mismatches = 0;
  std::size_t with_country = 0;
  for (const auto* set : {&v4, &v6}) {
    // Every search path of the index: Lookup, the single-address fast path and the batch one.
    std::vector<std::uint16_t> batch(set->size());
    (*index)->CountryCodesAt(*set, batch);
    for (std::size_t i = 0; i < set->size(); ++i) {
      const IpAddress& a = (*set)[i];
      std::string ours = (*index)->Lookup(a).country;
      std::string fast = JurisdictionIndex::UnpackCountry((*index)->CountryCodeAt(a));
      std::string batched = JurisdictionIndex::UnpackCountry(batch[i]);
      std::string theirs = MmdbCountry(mmdb, a);
      with_country += !ours.empty();
      if ((ours != theirs || fast != theirs || batched != theirs) && ++mismatches <= 10) {
        ADD_FAILURE() << FormatIpAddress(a) << ": liaison \"" << ours << "\" (fast \"" << fast
                      << "\", batch \"" << batched << "\"), libmaxminddb \"" << theirs << "\"";
      }
    }
  }
  MMDB_close(&mmdb);
  EXPECT_EQ(mismatches, 0);
  EXPECT_GE(v4.size(), 100'000u);
  EXPECT_GE(v6.size(), 100'000u);
  // The sample must exercise the data, not only the gaps.
  EXPECT_GT(with_country, v4.size() / 4);
}

}  // namespace
}  // namespace liaison::jurisdiction
