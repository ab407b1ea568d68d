#include "jurisdiction/ip_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <optional>

namespace liaison::jurisdiction {
namespace {

constexpr Uint128 kMappedPrefix = static_cast<Uint128>(0xffff) << 32;
constexpr Uint128 kMappedMask = ~static_cast<Uint128>(0xffffffffu);
constexpr std::size_t kMaxAddressText = 45;  // INET6_ADDRSTRLEN - 1.

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

// A dotted quad as inet_pton(AF_INET) reads it (four decimal parts of 0-255, no leading zeros),
// without the copy and the library call: the hot path of bulk attribution. nullopt for anything
// else, which the caller then hands to inet_pton.
std::optional<std::uint32_t> DottedQuad(std::string_view text) {
  std::uint32_t value = 0;
  std::size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= text.size() || text[i] != '.') return std::nullopt;
      ++i;
    }
    std::size_t start = i;
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

}  // namespace

Result<IpAddress> ParseIpAddress(std::string_view text) {
  if (auto v4 = DottedQuad(text)) return IpAddress{IpFamily::kIpv4, *v4};
  if (text.empty() || text.size() > kMaxAddressText) return InvalidAddress(text);
  char buffer[kMaxAddressText + 1];
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  if (text.find(':') == std::string_view::npos) {
    in_addr v4;
    if (inet_pton(AF_INET, buffer, &v4) != 1) return InvalidAddress(text);
    return IpAddress{IpFamily::kIpv4, ntohl(v4.s_addr)};
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, buffer, &v6) != 1) return InvalidAddress(text);
  Uint128 value = 0;
  for (unsigned char byte : v6.s6_addr) value = (value << 8) | byte;
  if ((value & kMappedMask) == kMappedPrefix) {
    return IpAddress{IpFamily::kIpv4, value & 0xffffffffu};
  }
  return IpAddress{IpFamily::kIpv6, value};
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
  char buffer[INET6_ADDRSTRLEN];
  if (address.family == IpFamily::kIpv4) {
    in_addr v4;
    v4.s_addr = htonl(address.v4());
    inet_ntop(AF_INET, &v4, buffer, sizeof buffer);
  } else {
    in6_addr v6;
    Uint128 value = address.value;
    for (int i = 15; i >= 0; --i) {
      v6.s6_addr[i] = static_cast<unsigned char>(value & 0xff);
      value >>= 8;
    }
    inet_ntop(AF_INET6, &v6, buffer, sizeof buffer);
  }
  return buffer;
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
