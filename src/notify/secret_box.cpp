#include "notify/secret_box.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>

#include "core/ids.hpp"

namespace liaison::notify {

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

std::string SignWebhook(std::string_view secret, std::string_view timestamp,
                        std::string_view body) {
  std::string message;
  message.reserve(timestamp.size() + 1 + body.size());
  message.append(timestamp).append(".").append(body);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
       &digest_length);
  return "sha256=" + ToHex(std::string_view(reinterpret_cast<const char*>(digest), digest_length));
}

}  // namespace liaison::notify
