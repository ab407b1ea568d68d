// Random identifiers and secrets.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace liaison {

// Returns a new record id: `prefix` + "_" + 26 lowercase base32 characters of 128 random bits,
// e.g. "ctc_k3...". Thread-safe.
std::string NewId(std::string_view prefix);

// Returns `bytes` random bytes from the system CSPRNG, as lowercase hex. Thread-safe.
std::string RandomHex(std::size_t bytes);

// Returns `bytes` random bytes from the system CSPRNG, as unpadded base64url. Thread-safe.
std::string RandomToken(std::size_t bytes);

// `data` as unpadded base64url (RFC 4648 section 5), as JOSE writes binary values.
std::string Base64UrlEncode(std::string_view data);

// The bytes of unpadded base64url `text`, or nullopt when it has padding, characters outside
// the URL-safe alphabet, or is not the canonical encoding of any bytes (non-zero spare bits).
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Lowercase hex of `data`.
std::string ToHex(std::string_view data);

// Compares two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace liaison
