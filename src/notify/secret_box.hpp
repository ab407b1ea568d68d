// Secrets at rest: libsodium crypto_secretbox under the node's 32-byte key, and the HMAC that
// signs webhook deliveries. Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::notify {

// The 32-byte node key from its 64-character hex form (security.secret_key). Returns
// failed_precondition with reason "no_secret_key" when `key_hex` is empty or malformed.
Result<std::string> ParseNodeKey(std::string_view key_hex);

// Encrypts `plaintext` under `key` (32 bytes) with a random nonce; returns hex(nonce || box).
std::string SealSecret(std::string_view key, std::string_view plaintext);

// Decrypts what SealSecret returned. Returns internal when it does not authenticate.
Result<std::string> OpenSecret(std::string_view key, std::string_view sealed_hex);

// The X-Liaison-Signature value: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

}  // namespace liaison::notify
