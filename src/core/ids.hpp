// Random identifiers and secrets.
#pragma once

#include <cstddef>
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

// Lowercase hex of `data`.
std::string ToHex(std::string_view data);

// Compares two strings in time independent of where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace liaison
