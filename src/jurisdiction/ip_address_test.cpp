#include "jurisdiction/ip_address.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <iterator>
#include <random>

namespace liaison::jurisdiction {
namespace {

TEST(IpAddress, ParsesIpv4AndFormatsCanonically) {
  auto a = ParseIpAddress("192.0.2.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, IpFamily::kIpv4);
  EXPECT_EQ(a->v4(), 0xC0000201u);
  EXPECT_EQ(FormatIpAddress(*a), "192.0.2.1");
  EXPECT_EQ(ParseIpAddress("0.0.0.0")->v4(), 0u);
  EXPECT_EQ(ParseIpAddress("255.255.255.255")->v4(), 0xFFFFFFFFu);
}

TEST(IpAddress, ReadsDottedQuadsExactlyAsInetPton) {
  // Every combination of tricky parts and separators, checked against the C library.
  const char* parts[] = {"0", "00", "01", "1", "9", "10", "099", "255", "256", "999", "1000", "",
                         " 1", "+1", "-1", "1a"};
  std::mt19937 rng(11);
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    int count = 3 + static_cast<int>(rng() % 3);
    for (int k = 0; k < count; ++k) {
      if (k > 0) text += rng() % 20 == 0 ? ":" : ".";
      text += parts[rng() % std::size(parts)];
    }
    if (rng() % 10 == 0) text += rng() % 2 ? " " : ".";
    in_addr expected;
    bool valid = inet_pton(AF_INET, text.c_str(), &expected) == 1;
    auto parsed = ParseIpAddress(text);
    ASSERT_EQ(parsed.has_value() && parsed->family == IpFamily::kIpv4, valid) << text;
    if (valid) EXPECT_EQ(parsed->v4(), ntohl(expected.s_addr)) << text;
  }
}

TEST(IpAddress, ParsesIpv6AndFormatsPerRfc5952) {
  auto a = ParseIpAddress("2001:DB8:0:0:0:0:0:1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, IpFamily::kIpv6);
  EXPECT_EQ(FormatIpAddress(*a), "2001:db8::1");
  EXPECT_EQ(FormatIpAddress(*ParseIpAddress("::")), "::");
  EXPECT_EQ(FormatIpAddress(*ParseIpAddress("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
}

TEST(IpAddress, TreatsIpv4MappedIpv6AsIpv4) {
  auto a = ParseIpAddress("::ffff:192.0.2.1");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->family, IpFamily::kIpv4);
  EXPECT_EQ(FormatIpAddress(*a), "192.0.2.1");
  EXPECT_EQ(ParseIpAddress("::ffff:c000:201")->family, IpFamily::kIpv4);
  // Not mapped: the IPv4-compatible form and NAT64 stay IPv6.
  EXPECT_EQ(ParseIpAddress("64:ff9b::c000:201")->family, IpFamily::kIpv6);
}

TEST(IpAddress, RejectsMalformedText) {
  for (const char* bad : {"", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                          "01.2.3.4", "1.2.3.-1", "2001:db8::1%eth0", "2001:db8:::1",
                          "12345::", "::g", "1.2.3.4/24", "example.org",
                          "1111:2222:3333:4444:5555:6666:7777:8888:9999"}) {
    auto a = ParseIpAddress(bad);
    ASSERT_FALSE(a.has_value()) << bad;
    EXPECT_EQ(a.error().reason, "invalid_address") << bad;
    EXPECT_EQ(a.error().field, "address");
  }
  std::string long_text(1 << 20, '1');
  EXPECT_FALSE(ParseIpAddress(long_text).has_value());
}

TEST(IpPrefix, ClearsHostBitsAndComputesTheLastAddress) {
  auto p = ParseIpPrefix("10.1.2.3/8");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(FormatIpPrefix(*p), "10.0.0.0/8");
  EXPECT_EQ(FormatIpAddress(p->Last()), "10.255.255.255");
  auto all = ParseIpPrefix("::/0");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(FormatIpAddress(all->Last()), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(FormatIpPrefix(*ParseIpPrefix("0.0.0.0/0")), "0.0.0.0/0");
  EXPECT_EQ(FormatIpPrefix(*ParseIpPrefix("192.0.2.7")), "192.0.2.7/32");
  EXPECT_EQ(FormatIpPrefix(*ParseIpPrefix("2001:db8::1")), "2001:db8::1/128");
}

TEST(IpPrefix, MapsIpv4MappedPrefixesToIpv4) {
  auto p = ParseIpPrefix("::ffff:192.0.2.0/120");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(FormatIpPrefix(*p), "192.0.2.0/24");
  auto bad = ParseIpPrefix("::ffff:192.0.2.0/90");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason, "invalid_prefix_length");
}

TEST(IpPrefix, RejectsOutOfRangeAndMalformedLengths) {
  for (const char* bad : {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/", "10.0.0.0/8x",
                          "2001:db8::/129", "10.0.0.0/0008", "10.0.0.0/99999999999"}) {
    auto p = ParseIpPrefix(bad);
    ASSERT_FALSE(p.has_value()) << bad;
    EXPECT_EQ(p.error().reason, "invalid_prefix_length") << bad;
  }
  EXPECT_EQ(ParseIpPrefix("10.0.0/8").error().reason, "invalid_address");
}

TEST(IpAddress, FormatsLargeCounts) {
  EXPECT_EQ(FormatUint128(0), "0");
  EXPECT_EQ(FormatUint128(~static_cast<Uint128>(0)), "340282366920938463463374607431768211455");
}

}  // namespace
}  // namespace liaison::jurisdiction
