// Encrypting to a recipient's OpenPGP public key with GPGME. Not thread-safe: one user at a time
// (the Dispatcher serialises its deliveries).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::notify {

// A keyring to import recipients' keys into and encrypt with.
class OpenPgpEncryptor {
 public:
  // Uses `gnupg_home` as the keyring directory, or, when empty, a fresh private temporary one
  // that is removed again by the destructor. Returns unavailable when GPGME or the gpg engine
  // cannot be used.
  static Result<std::unique_ptr<OpenPgpEncryptor>> Create(const std::string& gnupg_home);
  ~OpenPgpEncryptor();
  OpenPgpEncryptor(const OpenPgpEncryptor&) = delete;
  OpenPgpEncryptor& operator=(const OpenPgpEncryptor&) = delete;

  // Imports `armored_public_key` and returns `plaintext` encrypted to it, ASCII-armoured, with
  // the key trusted as given (GPGME_ENCRYPT_ALWAYS_TRUST). Returns invalid_argument when the key
  // does not import or cannot encrypt (expired, revoked, no encryption subkey).
  Result<std::string> Encrypt(std::string_view armored_public_key, std::string_view plaintext);

  // The keyring directory in use.
  const std::string& home() const { return home_; }

 private:
  OpenPgpEncryptor(std::string home, bool temporary)
      : home_(std::move(home)), temporary_(temporary) {}
  std::string home_;
  bool temporary_;
};

}  // namespace liaison::notify
