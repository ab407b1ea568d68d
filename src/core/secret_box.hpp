// Secrets at rest: libsodium crypto_secretbox under the node's 32-byte key (security.secret_key),
// and keys derived from it for separate purposes. Used by notify (webhook secrets) and security
// (signing keys). Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison {

// The 32-byte node key from its 64-character hex form (security.secret_key). Returns
// failed_precondition with reason "no_secret_key" when `key_hex` is empty or malformed.
Result<std::string> ParseNodeKey(std::string_view key_hex);

// Encrypts `plaintext` under `key` (32 bytes) with a random nonce; returns hex(nonce || box).
std::string SealSecret(std::string_view key, std::string_view plaintext);

// A 32-byte key for one purpose derived from the node key `key` (32 bytes) with libsodium's
// crypto_kdf (BLAKE2b): `context` is exactly 8 characters naming the purpose, `subkey_id` tells
// keys of one purpose apart. Distinct purposes get independent keys, so a secret sealed for one
// cannot be opened as another's.
std::string DeriveKey(std::string_view key, std::string_view context, std::uint64_t subkey_id);

// Decrypts what SealSecret returned. Returns internal when it does not authenticate.
Result<std::string> OpenSecret(std::string_view key, std::string_view sealed_hex);

}  // namespace liaison
