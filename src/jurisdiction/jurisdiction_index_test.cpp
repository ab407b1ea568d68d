#include "jurisdiction/jurisdiction_index.hpp"

#include <gtest/gtest.h>

#include "jurisdiction/jurisdiction_test_support.hpp"

namespace liaison::jurisdiction {
namespace {

using testing::TempDir;
using testing::WriteFile;
using testing::WriteFixtureDataSet;

class JurisdictionIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteFixtureDataSet(dir_.path());
    auto loaded = JurisdictionIndex::Load(dir_.path().string(), FromUnixMillis(1'700'000'000'000));
    ASSERT_TRUE(loaded.has_value()) << loaded.error().message;
    index_ = *loaded;
  }
  // The country by Lookup, checked against the fast single-address and batch paths, which
  // search the tables differently (IPv6: a trie for those, a binary search for Lookup).
  std::string CountryOf(const char* address) {
    auto a = ParseIpAddress(address);
    EXPECT_TRUE(a.has_value()) << address;
    std::string country = index_->Lookup(*a).country;
    EXPECT_EQ(JurisdictionIndex::UnpackCountry(index_->CountryCodeAt(*a)), country) << address;
    if (a->family == IpFamily::kIpv4) {
      EXPECT_EQ(JurisdictionIndex::UnpackCountry(index_->CountryCodeAtV4(a->v4())), country)
          << address;
      EXPECT_EQ(index_->AsNumberAtV4(a->v4()), index_->AsNumberAt(*a)) << address;
    }
    std::uint16_t batch[1] = {0};
    index_->CountryCodesAt(std::span<const IpAddress>(&*a, 1), batch);
    EXPECT_EQ(JurisdictionIndex::UnpackCountry(batch[0]), country) << address;
    return country;
  }
  std::string RangeOf(const char* address) {
    auto answer = index_->Lookup(*ParseIpAddress(address));
    return FormatIpAddress(answer.country_first) + "-" + FormatIpAddress(answer.country_last);
  }
  TempDir dir_;
  std::shared_ptr<const JurisdictionIndex> index_;
};

TEST_F(JurisdictionIndexTest, AnswersExactlyAtIpv4RangeBoundaries) {
  EXPECT_EQ(CountryOf("0.255.255.255"), "");
  EXPECT_EQ(CountryOf("1.0.0.0"), "AU");
  EXPECT_EQ(CountryOf("1.0.0.255"), "AU");
  EXPECT_EQ(CountryOf("1.0.1.0"), "CN");
  EXPECT_EQ(CountryOf("1.0.3.255"), "CN");
  EXPECT_EQ(CountryOf("1.0.4.0"), "");
  EXPECT_EQ(CountryOf("0.0.0.0"), "AQ");
  EXPECT_EQ(CountryOf("0.0.0.255"), "AQ");
  EXPECT_EQ(CountryOf("255.255.255.255"), "US");
  EXPECT_EQ(CountryOf("255.255.255.0"), "US");
  EXPECT_EQ(CountryOf("255.255.254.255"), "");
  EXPECT_EQ(CountryOf("81.0.0.127"), "GB");
  EXPECT_EQ(CountryOf("81.0.0.128"), "TW");
  EXPECT_EQ(RangeOf("1.0.2.7"), "1.0.1.0-1.0.3.255");
  EXPECT_EQ(RangeOf("1.0.4.0"), "1.0.4.0-2.58.195.255");
}

TEST_F(JurisdictionIndexTest, TheMoreSpecificNestedRangeWins) {
  EXPECT_EQ(CountryOf("2.58.197.14"), "DE");
  EXPECT_EQ(CountryOf("2.58.197.15"), "BE");
  EXPECT_EQ(CountryOf("2.58.197.16"), "DE");
  EXPECT_EQ(RangeOf("2.58.197.15"), "2.58.197.15-2.58.197.15");
  EXPECT_EQ(RangeOf("2.58.196.0"), "2.58.196.0-2.58.197.14");
  EXPECT_EQ(CountryOf("10.0.255.255"), "FR");
  EXPECT_EQ(CountryOf("10.1.0.0"), "GP");
  EXPECT_EQ(CountryOf("10.1.255.255"), "GP");
  EXPECT_EQ(CountryOf("10.2.0.0"), "FR");
  EXPECT_EQ(RangeOf("10.200.0.0"), "10.2.0.0-10.255.255.255");
}

TEST_F(JurisdictionIndexTest, AnswersExactlyAtIpv6RangeBoundaries) {
  EXPECT_EQ(CountryOf("2001:420:3fff:ffff:ffff:ffff:ffff:ffff"), "");
  EXPECT_EQ(CountryOf("2001:420:4000::"), "GB");
  EXPECT_EQ(CountryOf("2001:420:40ff:ffff:ffff:ffff:ffff:ffff"), "GB");
  EXPECT_EQ(CountryOf("2001:420:4100::"), "NL");
  EXPECT_EQ(CountryOf("2001:420:4fff:ffff:ffff:ffff:ffff:ffff"), "NL");
  EXPECT_EQ(CountryOf("2001:420:5000::"), "JP");
  EXPECT_EQ(CountryOf("2001:420:7fff:ffff:ffff:ffff:ffff:ffff"), "JP");
  EXPECT_EQ(CountryOf("2001:420:8000::"), "");
  EXPECT_EQ(CountryOf("2001:db8::"), "FR");
  EXPECT_EQ(CountryOf("2001:db8:1::"), "DE");
  EXPECT_EQ(CountryOf("2001:db8:2::"), "FR");
  EXPECT_EQ(CountryOf("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "AQ");
  EXPECT_EQ(CountryOf("ffff:fffe:ffff:ffff:ffff:ffff:ffff:ffff"), "");
  EXPECT_EQ(CountryOf("::"), "");
  EXPECT_EQ(RangeOf("2001:db8:1:2::3"), "2001:db8:1::-2001:db8:1:ffff:ffff:ffff:ffff:ffff");
}

TEST_F(JurisdictionIndexTest, Ipv4MappedAddressesAnswerAsIpv4) {
  EXPECT_EQ(CountryOf("::ffff:1.0.0.1"), "AU");
  EXPECT_EQ(CountryOf("::ffff:255.255.255.255"), "US");
  // Inside a /24 that two countries share (a search, not a /24 slot, answers there).
  EXPECT_EQ(CountryOf("::ffff:81.0.0.127"), "GB");
  EXPECT_EQ(CountryOf("::ffff:81.0.0.128"), "TW");
}

TEST_F(JurisdictionIndexTest, AnswersExactlyInsideAndAroundSplitIpv4Slash24s) {
  // 81.0.0.0/24 is split between GB and TW; its neighbours are whole /24s.
  EXPECT_EQ(CountryOf("81.0.0.0"), "GB");
  EXPECT_EQ(CountryOf("81.0.0.255"), "TW");
  EXPECT_EQ(CountryOf("80.255.255.255"), "");
  EXPECT_EQ(CountryOf("81.0.1.0"), "");
  EXPECT_EQ(RangeOf("81.0.0.128"), "81.0.0.128-81.0.0.255");
  // 2.58.197.0/24 holds a single-address range; 2.58.196.0/24 is whole.
  EXPECT_EQ(CountryOf("2.58.196.0"), "DE");
  EXPECT_EQ(CountryOf("2.58.196.255"), "DE");
  EXPECT_EQ(CountryOf("2.58.197.0"), "DE");
  EXPECT_EQ(CountryOf("2.58.197.255"), "DE");
  EXPECT_EQ(CountryOf("2.58.198.0"), "");
  EXPECT_EQ(CountryOf("2.58.195.255"), "");
}

TEST_F(JurisdictionIndexTest, AnswersTheAsWithItsRangeAndQuotedName) {
  auto a = index_->Lookup(*ParseIpAddress("81.0.0.200"));
  ASSERT_TRUE(a.as.has_value());
  EXPECT_EQ(a.as->number, 64500u);
  EXPECT_EQ(a.as->name, "Example \"Quoted\" Networks");
  EXPECT_EQ(FormatIpAddress(a.as_first), "81.0.0.0");
  EXPECT_EQ(FormatIpAddress(a.as_last), "81.0.0.255");
  EXPECT_EQ(index_->Lookup(*ParseIpAddress("1.0.0.1")).as->name, "Cloudflare, Inc.");
  EXPECT_FALSE(index_->Lookup(*ParseIpAddress("1.0.1.1")).as.has_value());
  // Partly overlapping AS rows: the later-starting one wins while it lasts.
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("214.255.255.255")), 749u);
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("215.0.0.0")), 721u);
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("215.1.3.255")), 721u);
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("215.1.4.0")), 0u);
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("255.255.255.255")), 64511u);
  EXPECT_EQ(index_->AsNumberAt(*ParseIpAddress("2a00:1450::1")), 15169u);
}

TEST_F(JurisdictionIndexTest, BatchLookUpsAnswerEachAddressAsSingleLookUpsDo) {
  // Mixed families, more addresses than one internal chunk, near and at range boundaries.
  std::vector<IpAddress> addresses;
  for (const char* text :
       {"0.0.0.0", "1.0.0.255", "1.0.1.0", "2.58.197.15", "10.1.255.255", "81.0.0.128",
        "214.255.255.255", "215.0.0.0", "255.255.255.255",
        "::", "2001:420:4000::", "2001:420:40ff:ffff:ffff:ffff:ffff:ffff",
        "2001:db8:1::", "2a00:1450::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}) {
    addresses.push_back(*ParseIpAddress(text));
  }
  for (std::uint32_t i = 0; i < 700; ++i) {
    addresses.push_back(IpAddress{IpFamily::kIpv4, 0xD6FFFF00u + i * 3});
    addresses.push_back(IpAddress{IpFamily::kIpv6, (static_cast<Uint128>(0x20010db8u) << 96) +
                                                       (static_cast<Uint128>(i) << 76)});
  }
  std::vector<std::uint16_t> countries(addresses.size());
  std::vector<std::uint32_t> as_numbers(addresses.size());
  index_->CountryCodesAt(addresses, countries);
  index_->AsNumbersAt(addresses, as_numbers);
  std::size_t with_country = 0, with_as = 0;
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    ASSERT_EQ(countries[i], index_->CountryCodeAt(addresses[i])) << i;
    ASSERT_EQ(as_numbers[i], index_->AsNumberAt(addresses[i])) << i;
    with_country += countries[i] != 0;
    with_as += as_numbers[i] != 0;
  }
  // The sample is not all gaps.
  EXPECT_GT(with_country, 100u);
  EXPECT_GT(with_as, 100u);
  index_->CountryCodesAt({}, {});
}

TEST_F(JurisdictionIndexTest, APrefixAnswersEveryCountryItOverlaps) {
  auto p = index_->LookupPrefix(*ParseIpPrefix("2.58.197.0/24"));
  ASSERT_EQ(p.countries.size(), 2u);
  EXPECT_EQ(p.countries[0].country, "DE");
  EXPECT_EQ(p.countries[0].addresses, 255u);
  EXPECT_EQ(p.countries[1].country, "BE");
  EXPECT_EQ(p.countries[1].addresses, 1u);

  auto wide = index_->LookupPrefix(*ParseIpPrefix("1.0.0.0/8"));
  ASSERT_EQ(wide.countries.size(), 3u);
  EXPECT_EQ(wide.countries[0].country, "");  // Most of 1/8 has no data.
  EXPECT_EQ(wide.countries[1].country, "CN");
  EXPECT_EQ(wide.countries[1].addresses, 768u);
  EXPECT_EQ(wide.countries[2].country, "AU");
  EXPECT_EQ(wide.as_numbers, std::vector<std::uint32_t>{13335});

  auto v6 = index_->LookupPrefix(*ParseIpPrefix("2001:420:4000::/34"));
  ASSERT_EQ(v6.countries.size(), 3u);
  EXPECT_EQ(v6.countries[0].country, "JP");
  auto all = index_->LookupPrefix(*ParseIpPrefix("0.0.0.0/0"));
  Uint128 total = 0;
  for (const auto& share : all.countries) total += share.addresses;
  EXPECT_EQ(total, static_cast<Uint128>(1) << 32);
  auto everything6 = index_->LookupPrefix(*ParseIpPrefix("::/0"));
  Uint128 total6 = 0;
  for (const auto& share : everything6.countries) total6 += share.addresses;
  EXPECT_EQ(total6, static_cast<Uint128>(0));  // 2^128 wraps: every address counted once.
}

TEST_F(JurisdictionIndexTest, LooksUpAnAsWithItsRangesAndCountries) {
  auto as = index_->LookupAs(3215);
  ASSERT_TRUE(as.has_value());
  EXPECT_EQ(as->names, std::vector<std::string>{"Orange S.A."});
  EXPECT_EQ(as->range_count, 3);
  ASSERT_EQ(as->countries_v4.size(), 2u);
  EXPECT_EQ(as->countries_v4[0].country, "FR");
  EXPECT_EQ(as->countries_v4[0].addresses, 65536u);
  EXPECT_EQ(as->countries_v4[1].country, "GP");
  ASSERT_EQ(as->countries_v6.size(), 1u);
  EXPECT_EQ(as->countries_v6[0].country, "FR");
  auto missing = index_->LookupAs(1);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(JurisdictionIndexTest, ReportsItsVersionAndSize) {
  const auto& stats = index_->stats();
  EXPECT_EQ(stats.version, "fixture-1");
  EXPECT_EQ(stats.country_rows_v4, 12);
  EXPECT_EQ(stats.as_rows_v6, 3);
  EXPECT_GT(stats.memory_bytes, 0);
}

struct BadData {
  std::string file;
  std::string text;
  std::string expected;  // In the error message.
};

class JurisdictionIndexBadData : public ::testing::TestWithParam<BadData> {};

TEST_P(JurisdictionIndexBadData, RefusesTheDataSetNamingFileAndLine) {
  TempDir dir;
  WriteFixtureDataSet(dir.path());
  WriteFile(dir.path() / GetParam().file, GetParam().text);
  auto loaded = JurisdictionIndex::Load(dir.path().string(), TimePoint{});
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().message.find(GetParam().expected), std::string::npos)
      << loaded.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, JurisdictionIndexBadData,
    ::testing::Values(
        BadData{"geo-whois-asn-country-ipv4.csv", "1.0.0.0,1.0.0.255,AU\n1.0.1.0,1.0.300.1,CN\n",
                "geo-whois-asn-country-ipv4.csv:2: not an IPv4 or IPv6 address"},
        BadData{"geo-whois-asn-country-ipv4.csv", "1.0.0.9,1.0.0.1,AU\n", ":1: the range ends"},
        BadData{"geo-whois-asn-country-ipv4.csv", "2.0.0.0,2.0.0.1,AU\n1.0.0.0,1.0.0.1,AU\n",
                ":2: rows are not sorted"},
        BadData{"geo-whois-asn-country-ipv4.csv", "1.0.0.0,1.0.0.1,au\n", "two-letter"},
        BadData{"geo-whois-asn-country-ipv4.csv", "1.0.0.0,1.0.0.1\n", "expected 3 columns"},
        BadData{"geo-whois-asn-country-ipv6.csv", "1.0.0.0,1.0.0.1,AU\n",
                "IPv4 address in the IPv6"},
        BadData{"asn-ipv4.csv", "1.0.0.0,1.0.0.1,4294967296,X\n", "not an AS number"},
        BadData{"asn-ipv4.csv", "1.0.0.0,1.0.0.1,-5,X\n", "not an AS number"},
        BadData{"asn-ipv4.csv", "1.0.0.0,1.0.0.1,5,\"unterminated\n", "not closed"}));

TEST(JurisdictionIndexLoad, AMissingFileIsNotFound) {
  TempDir dir;
  auto loaded = JurisdictionIndex::Load(dir.path().string(), TimePoint{});
  ASSERT_FALSE(loaded.has_value());
  EXPECT_EQ(loaded.error().code, ErrorCode::kNotFound);
}

TEST(JurisdictionIndexLoad, EmptyFilesGiveAnIndexWithNoAnswers) {
  TempDir dir;
  for (auto f : {kCountryIpv4File, kCountryIpv6File, kAsIpv4File, kAsIpv6File}) {
    WriteFile(dir.path() / f, "");
  }
  auto loaded = JurisdictionIndex::Load(dir.path().string(), TimePoint{});
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ((*loaded)->Lookup(*ParseIpAddress("1.2.3.4")).country, "");
  EXPECT_EQ((*loaded)->CountryCodeAt(*ParseIpAddress("ffff::")), 0);
}

}  // namespace
}  // namespace liaison::jurisdiction
