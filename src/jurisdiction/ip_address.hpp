// IPv4 and IPv6 addresses and prefixes as plain integers, with strict parsing and canonical
// formatting. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are IPv4. Value types; thread-safe.
#pragma once

#include <sys/socket.h>

#include <cstdint>
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
