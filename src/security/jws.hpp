// Module-private: the JWS signing primitive under Signer, apart so that tests can check it
// against the RFC 8037 example with a header of their own. Not part of the module's public API.
#pragma once

#include <string>
#include <string_view>

namespace liaison::security::internal {

// The compact JWS (RFC 7515 section 7.1) of `payload` with the protected header `header_json`
// (JSON text, encoded as given) and an Ed25519 signature by `secret_key` (libsodium's 64-byte
// form). Thread-safe.
std::string SignJws(std::string_view secret_key, std::string_view header_json,
                    std::string_view payload);

}  // namespace liaison::security::internal
