#include "core/secret_box.hpp"

#include <sodium.h>

#include "core/ids.hpp"

namespace liaison {

Result<std::string> ParseNodeKey(std::string_view key_hex) {
  std::string key(crypto_secretbox_KEYBYTES, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (key_hex.size() != 2 * crypto_secretbox_KEYBYTES ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), key_hex.data(),
                     key_hex.size(), nullptr, &length, &end) != 0 ||
      length != key.size()) {
    return Error::FailedPrecondition(
        "no node secret key is configured (security.secret_key, 64 hex characters)",
        "no_secret_key");
  }
  return key;
}

std::string SealSecret(std::string_view key, std::string_view plaintext) {
  LIAISON_CHECK(key.size() == crypto_secretbox_KEYBYTES);
  LIAISON_CHECK(sodium_init() >= 0);
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, reinterpret_cast<const unsigned char*>(key.data()));
  return ToHex(out);
}

std::string DeriveKey(std::string_view key, std::string_view context, std::uint64_t subkey_id) {
  LIAISON_CHECK(key.size() == crypto_kdf_KEYBYTES);
  LIAISON_CHECK(context.size() == crypto_kdf_CONTEXTBYTES);
  LIAISON_CHECK(sodium_init() >= 0);
  std::string subkey(crypto_secretbox_KEYBYTES, '\0');
  char ctx[crypto_kdf_CONTEXTBYTES];
  context.copy(ctx, sizeof ctx);
  crypto_kdf_derive_from_key(reinterpret_cast<unsigned char*>(subkey.data()), subkey.size(),
                             subkey_id, ctx, reinterpret_cast<const unsigned char*>(key.data()));
  return subkey;
}

Result<std::string> OpenSecret(std::string_view key, std::string_view sealed_hex) {
  LIAISON_CHECK(key.size() == crypto_secretbox_KEYBYTES);
  std::string sealed(sealed_hex.size() / 2, '\0');
  std::size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(sealed.data()), sealed.size(),
                     sealed_hex.data(), sealed_hex.size(), nullptr, &length, nullptr) != 0 ||
      length < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Error::Internal("stored secret is malformed");
  }
  sealed.resize(length);
  const auto* nonce = reinterpret_cast<const unsigned char*>(sealed.data());
  std::size_t box_size = length - crypto_secretbox_NONCEBYTES;
  std::string plaintext(box_size - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plaintext.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, box_size, nonce,
                                 reinterpret_cast<const unsigned char*>(key.data())) != 0) {
    return Error::Internal("stored secret does not decrypt under the node key");
  }
  return plaintext;
}

}  // namespace liaison
