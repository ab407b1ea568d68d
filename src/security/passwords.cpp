#include "security/passwords.hpp"

#include <sodium.h>

#include <atomic>
#include <mutex>

namespace liaison::security {
namespace {

std::atomic<PasswordHashCost> g_cost{PasswordHashCost::kInteractive};

void EnsureSodium() {
  static const int init = sodium_init();
  LIAISON_CHECK(init >= 0);
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xc0) != 0x80) ++n;
  }
  return n;
}

}  // namespace

void SetPasswordHashCost(PasswordHashCost cost) { g_cost = cost; }
PasswordHashCost GetPasswordHashCost() { return g_cost; }

Status CheckPasswordStrength(std::string_view password) {
  if (password.size() > kMaxPasswordBytes) {
    return Error::InvalidArgument(
        "the password is longer than " + std::to_string(kMaxPasswordBytes) + " bytes", "password",
        "password_too_long");
  }
  if (CodePoints(password) < kMinPasswordLength) {
    return Error::InvalidArgument(
        "the password needs at least " + std::to_string(kMinPasswordLength) + " characters",
        "password", "weak_password");
  }
  return OkStatus();
}

Result<std::string> HashPassword(std::string_view password) {
  EnsureSodium();
  const bool minimum = g_cost == PasswordHashCost::kMinimum;
  const unsigned long long ops =
      minimum ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
  const std::size_t mem = minimum ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops, mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Error::Internal("out of memory while hashing a password");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, std::string_view password) {
  EnsureSodium();
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void VerifyAgainstDummy(std::string_view password) {
  // One dummy hash per cost, made on first use.
  static std::mutex mutex;
  static std::string dummies[2];
  std::string dummy;
  {
    std::lock_guard lock(mutex);
    std::string& slot = dummies[g_cost == PasswordHashCost::kMinimum ? 1 : 0];
    if (slot.empty()) {
      auto hash = HashPassword("liaison dummy password for timing");
      if (hash.has_value()) slot = *hash;
    }
    dummy = slot;
  }
  if (!dummy.empty()) (void)VerifyPassword(dummy, password);
}

}  // namespace liaison::security
