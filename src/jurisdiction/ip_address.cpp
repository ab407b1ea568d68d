#include "jurisdiction/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <optional>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace liaison::jurisdiction {
namespace {

constexpr Uint128 kMappedPrefix = static_cast<Uint128>(0xffff) << 32;
constexpr Uint128 kMappedMask = ~static_cast<Uint128>(0xffffffffu);

Error InvalidAddress(std::string_view text) {
  std::string shown(text.substr(0, 64));
  return Error::InvalidArgument("not an IPv4 or IPv6 address: \"" + shown + "\"", "address",
                                "invalid_address");
}

Uint128 HostMask(IpFamily family, int length) {
  int bits = family == IpFamily::kIpv4 ? 32 : 128;
  int host = bits - length;
  if (host <= 0) return 0;
  if (host >= 128) return ~static_cast<Uint128>(0);
  return (static_cast<Uint128>(1) << host) - 1;
}

// The value of each byte as a hexadecimal digit, -1 for the others.
constexpr auto kHexDigits = [] {
  std::array<std::int8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[c] = c >= '0' && c <= '9'   ? static_cast<std::int8_t>(c - '0')
               : c >= 'a' && c <= 'f' ? static_cast<std::int8_t>(c - 'a' + 10)
               : c >= 'A' && c <= 'F' ? static_cast<std::int8_t>(c - 'A' + 10)
                                      : static_cast<std::int8_t>(-1);
  }
  return table;
}();

int HexDigit(char c) { return kHexDigits[static_cast<unsigned char>(c)]; }

// An IPv6 address as inet_pton(AF_INET6) reads it (groups of one to four hex digits, one "::",
// an optional dotted quad in the last 32 bits), without the copy and the library call. nullopt
// for anything else.
std::optional<Uint128> Ipv6Text(std::string_view text) {
  std::uint16_t groups[8] = {};
  int count = 0;  // Groups written.
  int gap = -1;   // Where "::" stands, as a group index.
  std::size_t i = 0;
  if (text.empty()) return std::nullopt;
  if (text[0] == ':') {
    if (text.size() < 2 || text[1] != ':') return std::nullopt;
    i = 1;
  }
  std::size_t token = i;  // Where the current group starts.
  unsigned value = 0;
  int digits = 0;
  while (i < text.size()) {
    const char c = text[i++];
    if (int digit = HexDigit(c); digit >= 0) {
      if (digits == 4) return std::nullopt;
      value = (value << 4) | static_cast<unsigned>(digit);
      ++digits;
      continue;
    }
    if (c == ':') {
      token = i;
      if (digits == 0) {
        if (gap >= 0) return std::nullopt;
        gap = count;
        continue;
      }
      if (i == text.size() || count == 8) return std::nullopt;
      groups[count++] = static_cast<std::uint16_t>(value);
      value = 0;
      digits = 0;
      continue;
    }
    if (c == '.' && count <= 6) {
      auto v4 = ParseDottedQuad(text.substr(token));
      if (!v4) return std::nullopt;
      groups[count++] = static_cast<std::uint16_t>(*v4 >> 16);
      groups[count++] = static_cast<std::uint16_t>(*v4);
      digits = 0;
      break;
    }
    return std::nullopt;
  }
  if (digits > 0) {
    if (count == 8) return std::nullopt;
    groups[count++] = static_cast<std::uint16_t>(value);
  }
  if (gap >= 0) {
    if (count == 8) return std::nullopt;  // "::" must stand for at least one group.
    const int moved = count - gap;
    for (int k = 0; k < moved; ++k) groups[7 - k] = groups[count - 1 - k];
    for (int k = gap; k < 8 - moved; ++k) groups[k] = 0;
    count = 8;
  }
  if (count != 8) return std::nullopt;
  Uint128 result = 0;
  for (std::uint16_t group : groups) result = (result << 16) | group;
  return result;
}

}  // namespace

std::uint64_t ParseDottedQuadPadded(std::string_view text) {
#if defined(__SSE2__)
  const std::size_t n = text.size();
  if (n >= 7 && n <= 15) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data()));
    const __m128i values = _mm_sub_epi8(bytes, _mm_set1_epi8('0'));
    const __m128i digits = _mm_cmpeq_epi8(_mm_min_epu8(values, _mm_set1_epi8(9)), values);
    const __m128i dots = _mm_cmpeq_epi8(bytes, _mm_set1_epi8('.'));
    const unsigned within = (1u << n) - 1;
    const unsigned dot_bits = static_cast<unsigned>(_mm_movemask_epi8(dots)) & within;
    const unsigned digit_bits = static_cast<unsigned>(_mm_movemask_epi8(digits)) & within;
    // Exactly three dots, and digits everywhere else.
    const unsigned second = dot_bits & (dot_bits - 1), third = second & (second - 1);
    if ((dot_bits | digit_bits) == within && third != 0 && (third & (third - 1)) == 0) {
      // Each byte's digit value at d[16 + i], after zeros so that an octet's tens and hundreds
      // may be read before the first byte (they are masked off by its length). Two aligned
      // stores that do not overlap, so that the byte loads below are forwarded from them.
      alignas(16) std::uint8_t d[32];
      _mm_store_si128(reinterpret_cast<__m128i*>(d), _mm_setzero_si128());
      _mm_store_si128(reinterpret_cast<__m128i*>(d + 16), values);
      const unsigned ends[4] = {static_cast<unsigned>(std::countr_zero(dot_bits)),
                                static_cast<unsigned>(std::countr_zero(second)),
                                static_cast<unsigned>(std::countr_zero(third)),
                                static_cast<unsigned>(n)};
      std::uint32_t value = 0;
      unsigned start = 0;
      bool ok = true;
      for (unsigned end : ends) {
        // Octets of one to three digits; none but "0" starts with a zero. Masks rather than
        // conditions, which would be branches on the digit counts.
        const unsigned length = end - start;
        const unsigned ones = d[16 + end - 1], tens = d[16 + end - 2] & (0u - (length >= 2)),
                       hundreds = d[16 + end - 3] & (0u - (length >= 3));
        const unsigned octet = hundreds * 100 + tens * 10 + ones;
        ok &= (length - 1 < 3) & (octet <= 255) & ((length == 1) | (d[16 + start] != 0));
        value = value << 8 | (octet & 0xff);
        start = end + 1;
      }
      if (ok) return value;
    }
  }
#endif
  const auto slow = ParseDottedQuad(text);
  return slow ? *slow : kNotDottedQuad;
}

namespace {

#if defined(__SSE2__)
// Ipv6Text for hexadecimal groups and colons only (no dotted quad), reading 48 bytes from
// text.data(): nullopt both for what is not an address and for what it leaves to Ipv6Text.
std::optional<Uint128> Ipv6TextPadded(std::string_view text) {
  const std::size_t n = text.size();
  if (n < 2 || n > 39) return std::nullopt;
  // Each byte's hexadecimal value at values[16 + i], after zeros so that a group's leading
  // digits may be read before the first byte (they are masked off by its length). Aligned
  // stores that do not overlap, so that the byte loads below are forwarded from them.
  alignas(16) std::uint8_t values[16 + 48];
  _mm_store_si128(reinterpret_cast<__m128i*>(values), _mm_setzero_si128());
  std::uint64_t colons = 0, hex = 0;
  for (int block = 0; block < 3; ++block) {
    const __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + 16 * block));
    const __m128i digit = _mm_sub_epi8(c, _mm_set1_epi8('0'));
    const __m128i is_digit = _mm_cmpeq_epi8(_mm_min_epu8(digit, _mm_set1_epi8(9)), digit);
    const __m128i letter = _mm_sub_epi8(_mm_or_si128(c, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    const __m128i is_letter = _mm_cmpeq_epi8(_mm_min_epu8(letter, _mm_set1_epi8(5)), letter);
    const __m128i value =
        _mm_or_si128(_mm_and_si128(digit, is_digit),
                     _mm_and_si128(_mm_add_epi8(letter, _mm_set1_epi8(10)), is_letter));
    _mm_store_si128(reinterpret_cast<__m128i*>(values + 16 + 16 * block), value);
    const auto bits = [](__m128i m) {
      return static_cast<std::uint64_t>(static_cast<unsigned>(_mm_movemask_epi8(m)));
    };
    colons |= bits(_mm_cmpeq_epi8(c, _mm_set1_epi8(':'))) << (16 * block);
    hex |= bits(_mm_or_si128(is_digit, is_letter)) << (16 * block);
  }
  const std::uint64_t within = (std::uint64_t{1} << n) - 1;
  colons &= within;
  // Only digits and colons; a leading colon only as "::".
  if ((colons | (hex & within)) != within || (colons & 3) == 1) return std::nullopt;
  Uint128 head = 0, tail = 0;  // The groups before "::" (or all of them) and after it.
  int groups = 0, gap = -1;
  unsigned start = 0;      // Where the current group starts.
  unsigned gap_end = ~0u;  // Just after the "::".
  bool ok = true;
  auto group = [&](unsigned end) {
    const unsigned length = end - start;
    const unsigned v = values[16 + end - 1] | ((values[16 + end - 2] << 4) & (0u - (length >= 2))) |
                       ((values[16 + end - 3] << 8) & (0u - (length >= 3))) |
                       ((values[16 + end - 4] << 12) & (0u - (length >= 4)));
    ok &= length <= 4;
    if (gap < 0) {
      head = head << 16 | v;
    } else {
      tail = tail << 16 | v;
    }
    ++groups;
  };
  for (std::uint64_t rest = colons; rest != 0; rest &= rest - 1) {
    const auto at = static_cast<unsigned>(std::countr_zero(rest));
    if (at == start) {
      // An empty group: the second colon of "::" (the first, at the start, is passed over).
      if (at > 0) {
        ok &= gap < 0;
        gap = groups;
        gap_end = at + 1;
      }
    } else {
      group(at);
    }
    start = at + 1;
  }
  if (start < n) {
    group(static_cast<unsigned>(n));
  } else {
    ok &= gap_end == n;  // Text may end with a colon only as "::".
  }
  if (!ok || groups > 8 || (gap < 0 ? groups != 8 : groups == 8)) return std::nullopt;
  if (gap < 0) return head;
  return (gap == 0 ? Uint128{0} : head << (16 * (8 - gap))) | tail;
}
#endif

// An IPv6 address from its 128 bits: IPv4-mapped addresses are IPv4.
IpAddress FromIpv6(Uint128 value) {
  if ((value & kMappedMask) == kMappedPrefix) {
    return IpAddress{IpFamily::kIpv4, value & 0xffffffffu};
  }
  return IpAddress{IpFamily::kIpv6, value};
}

}  // namespace

Result<IpAddress> ParseIpAddressPadded(std::string_view text) {
  if (const std::uint64_t v4 = ParseDottedQuadPadded(text); v4 != kNotDottedQuad) {
    return IpAddress{IpFamily::kIpv4, v4};
  }
#if defined(__SSE2__)
  if (auto v6 = Ipv6TextPadded(text)) return FromIpv6(*v6);
#endif
  return ParseIpAddress(text);
}

Result<IpAddress> ParseIpAddress(std::string_view text) {
  if (auto v4 = ParseDottedQuad(text)) return IpAddress{IpFamily::kIpv4, *v4};
  if (text.empty() || text.size() > kMaxIpAddressText) return InvalidAddress(text);
  // Text without a colon is never IPv6, so Ipv6Text is tried first and the colon looked for
  // only when it fails.
  if (auto parsed = Ipv6Text(text)) return FromIpv6(*parsed);
  if (text.find(':') != std::string_view::npos) return InvalidAddress(text);
  char buffer[kMaxIpAddressText + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  in_addr v4;
  if (inet_pton(AF_INET, buffer, &v4) != 1) return InvalidAddress(text);
  return IpAddress{IpFamily::kIpv4, ntohl(v4.s_addr)};
}

IpAddress IpPrefix::Last() const {
  return IpAddress{first.family, first.value | HostMask(first.family, length)};
}

Result<IpPrefix> ParseIpPrefix(std::string_view text) {
  auto slash = text.find('/');
  std::string_view address_text = text.substr(0, slash);
  ASSIGN_OR_RETURN(IpAddress address, ParseIpAddress(address_text));
  bool mapped = address.family == IpFamily::kIpv4 && address_text.find(':') != std::string::npos;
  int bits = address.family == IpFamily::kIpv4 ? 32 : 128;
  int length = bits;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    int written_bits = mapped ? 128 : bits;
    if (digits.empty() || digits.size() > 3 || ec != std::errc() ||
        end != digits.data() + digits.size() || length < 0 || length > written_bits ||
        (mapped && length < 96)) {
      return Error::InvalidArgument(
          "the prefix length must be a number from " + std::to_string(mapped ? 96 : 0) + " to " +
              std::to_string(written_bits) + ": \"" + std::string(text.substr(0, 64)) + "\"",
          "address", "invalid_prefix_length");
    }
    if (mapped) length -= 96;
  }
  address.value &= ~HostMask(address.family, length);
  return IpPrefix{address, length};
}

std::string FormatIpAddress(const IpAddress& address) {
  char buffer[kMaxIpAddressText];
  return std::string(buffer, FormatIpAddressTo(address, buffer));
}

std::size_t FormatIpAddressTo(const IpAddress& address, char* out) {
  if (address.family == IpFamily::kIpv4) {
    // Dotted quad by hand: inet_ntop's formatting machinery is most of a row's output cost.
    char* p = out;
    for (int shift = 24; shift >= 0; shift -= 8) {
      unsigned octet = (address.v4() >> shift) & 0xff;
      if (octet >= 100) *p++ = static_cast<char>('0' + octet / 100);
      if (octet >= 10) *p++ = static_cast<char>('0' + octet / 10 % 10);
      *p++ = static_cast<char>('0' + octet % 10);
      if (shift > 0) *p++ = '.';
    }
    return static_cast<std::size_t>(p - out);
  }
  // RFC 5952 as glibc's inet_ntop writes it: the longest run of two or more zero groups (the
  // first of equal runs) as "::", lower-case hex without leading zeros, and the last 32 bits as
  // a dotted quad after ::ffff: and after 96 zero bits.
  std::uint16_t words[8];
  for (int i = 0; i < 8; ++i) {
    words[i] = static_cast<std::uint16_t>(address.value >> (16 * (7 - i)));
  }
  int best = -1, best_length = 0;
  for (int i = 0; i < 8;) {
    if (words[i] != 0) {
      ++i;
      continue;
    }
    int j = i;
    while (j < 8 && words[j] == 0) ++j;
    if (j - i > best_length) {
      best = i;
      best_length = j - i;
    }
    i = j;
  }
  if (best_length < 2) best = -1;
  static constexpr char kHex[] = "0123456789abcdef";
  char* p = out;
  for (int i = 0; i < 8; ++i) {
    if (best >= 0 && i >= best && i < best + best_length) {
      if (i == best) *p++ = ':';
      continue;
    }
    if (i != 0) *p++ = ':';
    if (i == 6 && best == 0 && (best_length == 6 || (best_length == 5 && words[5] == 0xffff))) {
      return static_cast<std::size_t>(p - out) +
             FormatIpAddressTo(IpAddress{IpFamily::kIpv4, address.value & 0xffffffffu}, p);
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      unsigned digit = (words[i] >> shift) & 0xf;
      if (digit != 0 || started || shift == 0) {
        *p++ = kHex[digit];
        started = true;
      }
    }
  }
  if (best >= 0 && best + best_length == 8) *p++ = ':';
  return static_cast<std::size_t>(p - out);
}

sockaddr_storage ToSockaddr(const IpAddress& address) {
  sockaddr_storage storage{};
  if (address.family == IpFamily::kIpv4) {
    auto* in = reinterpret_cast<sockaddr_in*>(&storage);
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(address.v4());
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    Uint128 value = address.value;
    for (int i = 15; i >= 0; --i) {
      in6->sin6_addr.s6_addr[i] = static_cast<unsigned char>(value & 0xff);
      value >>= 8;
    }
  }
  return storage;
}

std::string FormatIpPrefix(const IpPrefix& prefix) {
  return FormatIpAddress(prefix.first) + "/" + std::to_string(prefix.length);
}

std::string FormatUint128(Uint128 value) {
  if (value == 0) return "0";
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

}  // namespace liaison::jurisdiction
