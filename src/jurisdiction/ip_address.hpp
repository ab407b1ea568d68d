// IPv4 and IPv6 addresses and prefixes as plain integers, with strict parsing and canonical
// formatting. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4. Value types; thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::jurisdiction {

using Uint128 = unsigned __int128;

enum class IpFamily : std::uint8_t { kIpv4, kIpv6 };

// An address: IPv4 in the low 32 bits of `value`, IPv6 in all 128.
struct IpAddress {
  IpFamily family = IpFamily::kIpv4;
  Uint128 value = 0;

  std::uint32_t v4() const { return static_cast<std::uint32_t>(value); }
  friend bool operator==(const IpAddress&, const IpAddress&) = default;
};

// A network: `first` with the host bits cleared, and its length (0..32 or 0..128).
struct IpPrefix {
  IpAddress first;
  int length = 0;

  // The last address of the network.
  IpAddress Last() const;
  friend bool operator==(const IpPrefix&, const IpPrefix&) = default;
};

// Parses a dotted-quad IPv4 or an RFC 4291/5952 IPv6 address (no zone, no surrounding space).
// An IPv4-mapped IPv6 address becomes IPv4. invalid_argument (reason "invalid_address") when
// `text` is not an address.
Result<IpAddress> ParseIpAddress(std::string_view text);

// A dotted quad as inet_pton(AF_INET) reads it (four decimal parts of 0-255, no leading zeros),
// without the copy and the library call; nullopt for anything else (which ParseIpAddress then
// hands to inet_pton). Inline: the hot path of bulk attribution, which tries it first.
inline std::optional<std::uint32_t> ParseDottedQuad(std::string_view text) {
  std::uint32_t value = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    const std::size_t start = i;
    std::uint32_t octet = 0;
    while (i < text.size() && i - start < 3 && text[i] >= '0' && text[i] <= '9') {
      octet = octet * 10 + static_cast<std::uint32_t>(text[i] - '0');
      ++i;
    }
    if (i == start || octet > 255 || (text[start] == '0' && i - start > 1)) return std::nullopt;
    value = (value << 8) | octet;
  }
  if (i != text.size()) return std::nullopt;
  return value;
}

// ParseDottedQuad for text whose first 16 bytes may be read even past its end (`text` lies in a
// buffer with at least 16 bytes after its start): the same answer, found with a few vector and
// word operations instead of a branch per byte (bulk attribution's rows), as the address or
// kNotDottedQuad (a plain integer, which the caller gets in a register, where an optional
// would go through memory and stall the load that reads it back). Falls back to
// ParseDottedQuad for anything it does not read as a well-formed dotted quad.
inline constexpr std::uint64_t kNotDottedQuad = std::uint64_t{1} << 32;
std::uint64_t ParseDottedQuadPadded(std::string_view text);

// ParseIpAddress for text whose first 64 bytes may be read even past its end: the same answer,
// with dotted quads read by ParseDottedQuadPadded and IPv6 text without a dotted quad read with
// vector and word operations, a step per group rather than per byte.
inline constexpr std::size_t kIpAddressReadAhead = 64;
Result<IpAddress> ParseIpAddressPadded(std::string_view text);

// Parses "address/length", or a bare address as a host prefix (/32, /128). Host bits are cleared
// ("10.1.2.3/8" is 10.0.0.0/8). An IPv4-mapped IPv6 prefix of length >= 96 becomes IPv4.
// invalid_argument (reason "invalid_address" or "invalid_prefix_length") otherwise.
Result<IpPrefix> ParseIpPrefix(std::string_view text);

// The canonical text: dotted quad, or RFC 5952 IPv6.
std::string FormatIpAddress(const IpAddress& address);
// Writes the canonical text of `address` to `out`, which has room for at least
// kMaxIpAddressText bytes, and returns its length; no terminating NUL, no allocation (the bulk
// attribution's per-row output).
inline constexpr std::size_t kMaxIpAddressText = 45;  // INET6_ADDRSTRLEN - 1.
std::size_t FormatIpAddressTo(const IpAddress& address, char* out);
// "first/length".
std::string FormatIpPrefix(const IpPrefix& prefix);

// The address as a socket address (AF_INET or AF_INET6, port 0), for libraries that take one.
sockaddr_storage ToSockaddr(const IpAddress& address);

// The number of addresses in [first, last] as decimal text (IPv6 counts exceed 2^64).
std::string FormatUint128(Uint128 value);

}  // namespace liaison::jurisdiction
