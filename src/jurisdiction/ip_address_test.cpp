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

// `count` parts drawn at random, joined by what `separator` returns each time (fuzz input).
template <std::size_t N, typename Separator>
std::string RandomParts(std::mt19937& rng, const char* const (&parts)[N], int count,
                        const Separator& separator) {
  std::string text;
  for (int k = 0; k < count; ++k) {
    if (k > 0) text += separator();
    text += parts[rng() % N];
  }
  return text;
}

TEST(IpAddress, ReadsPaddedDottedQuadsAsTheBytewiseParser) {
  // The same parts, and random bytes, in a buffer padded behind the text with bytes that would
  // change the answer if they were read as part of it.
  const char* parts[] = {"0", "00", "01", "1", "9", "10", "099", "255", "256", "999", "1000", "",
                         "199", "200", "250", "/", ":", "a"};
  const char alphabet[] = "0123456789.....:/ a\xff";
  std::mt19937 rng(12);
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      text = RandomParts(rng, parts, 3 + static_cast<int>(rng() % 3),
                         [&] { return rng() % 30 == 0 ? "" : "."; });
    } else {
      for (std::size_t k = rng() % 18; k > 0; --k) text += alphabet[rng() % (sizeof alphabet - 1)];
    }
    std::string buffer = text + std::string(16, rng() % 2 ? '7' : '.');
    const std::uint64_t padded =
        ParseDottedQuadPadded(std::string_view(buffer.data(), text.size()));
    auto expected = ParseDottedQuad(text);
    EXPECT_EQ(padded, expected ? *expected : kNotDottedQuad) << text;
  }
  std::string buffer = "192.0.2.1" + std::string(16, '9');
  EXPECT_EQ(ParseDottedQuadPadded(std::string_view(buffer.data(), 9)), 0xC0000201u);
}

TEST(IpAddress, ReadsIpv6ExactlyAsInetPton) {
  // Every combination of tricky parts, checked against the C library.
  const char* parts[] = {"0", "1", "ffff", "FfFf", "0000", "00000", "12345", "g", "", ":", "::",
                         "1.2.3.4", "01.2.3.4", "255.255.255.255", "256.1.1.1", "1.2.3", ".",
                         "abcd", " ", "0.0.0.0"};
  std::mt19937 rng(14);
  for (int i = 0; i < 100000; ++i) {
    std::string text;
    int count = 1 + static_cast<int>(rng() % 10);
    for (int k = 0; k < count; ++k) {
      if (k > 0) text += rng() % 8 == 0 ? "::" : ":";
      text += parts[rng() % std::size(parts)];
    }
    if (text.find(':') == std::string::npos) continue;  // Not IPv6 text.
    in6_addr expected;
    bool valid = inet_pton(AF_INET6, text.c_str(), &expected) == 1;
    auto parsed = ParseIpAddress(text);
    ASSERT_EQ(parsed.has_value(), valid) << text;
    if (!valid) continue;
    Uint128 value = 0;
    for (unsigned char byte : expected.s6_addr) value = (value << 8) | byte;
    if (parsed->family == IpFamily::kIpv4) value &= 0xffffffffu;  // IPv4-mapped.
    EXPECT_EQ(parsed->value, value) << text;
  }
}

TEST(IpAddress, ReadsPaddedIpv6AsTheBytewiseParser) {
  // The inet_pton test's parts, padded behind the text with bytes that would change the answer
  // if they were read as part of it, and addresses as formatted (with "::" anywhere).
  const char* parts[] = {"0", "1", "ffff", "FfFf", "0000", "00000", "12345", "g", "", ":", "::",
                         "1.2.3.4", "abcd", " ", "G", "@", "`", "/", "\xe1", "0a0"};
  std::mt19937 rng(15);
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    if (i % 2 == 0) {
      text = RandomParts(rng, parts, 1 + static_cast<int>(rng() % 10),
                         [&] { return rng() % 8 == 0 ? "::" : ":"; });
    } else {
      Uint128 value = 0;
      for (int k = 0; k < 8; ++k) {
        value = value << 16 | (rng() % 3 == 0 ? 0u : rng() % 0x10000 >> (rng() % 16));
      }
      text = FormatIpAddress(IpAddress{IpFamily::kIpv6, value});
    }
    std::string buffer = text + std::string(kIpAddressReadAhead, rng() % 2 ? 'a' : ':');
    auto padded = ParseIpAddressPadded(std::string_view(buffer.data(), text.size()));
    auto expected = ParseIpAddress(text);
    ASSERT_EQ(padded.has_value(), expected.has_value()) << text;
    if (expected) {
      EXPECT_EQ(padded->family, expected->family) << text;
      EXPECT_EQ(padded->value, expected->value) << text;
    } else {
      EXPECT_EQ(padded.error().message, expected.error().message) << text;
    }
  }
}

// The text of `address` as the C library writes it, and as FormatIpAddressTo does.
std::string InetNtop(const IpAddress& address) {
  sockaddr_storage storage = ToSockaddr(address);
  char text[INET6_ADDRSTRLEN];
  if (address.family == IpFamily::kIpv4) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&storage)->sin_addr, text, sizeof text);
  } else {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&storage)->sin6_addr, text, sizeof text);
  }
  return text;
}
std::string FormatTo(const IpAddress& address) {
  char out[kMaxIpAddressText];
  return std::string(out, FormatIpAddressTo(address, out));
}

TEST(IpAddress, FormatsDottedQuadsExactlyAsInetNtop) {
  // The hand-written IPv4 formatter against the C library, edge octets included.
  std::mt19937 rng(12);
  const std::uint32_t octets[] = {0, 1, 9, 10, 99, 100, 199, 200, 255};
  for (int i = 0; i < 20000; ++i) {
    std::uint32_t value = rng();
    if (i % 2 == 0) {
      value = 0;
      for (int k = 0; k < 4; ++k) value = (value << 8) | octets[rng() % std::size(octets)];
    }
    IpAddress address{IpFamily::kIpv4, value};
    ASSERT_EQ(FormatTo(address), InetNtop(address));
  }
}

TEST(IpAddress, FormatsIpv6ExactlyAsInetNtop) {
  // Random groups, many of them zero (runs of every length and position), and the forms glibc
  // writes with a dotted quad (::a.b.c.d, ::ffff:a.b.c.d).
  std::mt19937_64 rng(13);
  for (int i = 0; i < 50000; ++i) {
    Uint128 value = 0;
    for (int w = 0; w < 8; ++w) {
      std::uint16_t word = rng() % 3 == 0 ? static_cast<std::uint16_t>(rng()) : 0;
      if (rng() % 7 == 0) word = static_cast<std::uint16_t>(rng() % 16);
      value = (value << 16) | word;
    }
    if (i % 10 == 0) value &= 0xffffffffu;
    if (i % 20 == 0) value |= static_cast<Uint128>(0xffff) << 32;
    IpAddress address{IpFamily::kIpv6, value};
    ASSERT_EQ(FormatTo(address), InetNtop(address));
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
