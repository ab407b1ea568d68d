// Password hashing with Argon2id (libsodium crypto_pwhash_str). Thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::security {

// How expensive new password hashes are. kInteractive (libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE:
// 2 passes over 64 MiB) is for production; kMinimum (1 pass over 8 KiB) only for tests, so that
// sanitizer builds stay fast. Existing hashes verify whatever the current cost.
enum class PasswordHashCost { kInteractive, kMinimum };

// Sets the process-wide cost of new hashes. Call before any hashing (e.g. in a test's SetUp).
void SetPasswordHashCost(PasswordHashCost cost);
PasswordHashCost GetPasswordHashCost();

// The minimum and maximum password lengths, in Unicode code points and bytes respectively.
inline constexpr std::size_t kMinPasswordLength = 12;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

// OK for a password of at least kMinPasswordLength code points and at most kMaxPasswordBytes
// bytes of valid UTF-8; invalid_argument with field "password" (reason "weak_password" or
// "password_too_long") otherwise.
Status CheckPasswordStrength(std::string_view password);

// Returns the Argon2id hash string of `password` at the current cost; internal when libsodium
// runs out of memory.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash` (a HashPassword() result). Takes the time of one Argon2id
// verification at the hash's cost.
bool VerifyPassword(const std::string& hash, std::string_view password);

// Verifies `password` against a fixed dummy hash at the current cost and discards the answer, so
// that a login for an unknown account takes as long as one with a wrong password.
void VerifyAgainstDummy(std::string_view password);

}  // namespace liaison::security
