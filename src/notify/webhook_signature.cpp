#include "notify/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "core/ids.hpp"

namespace liaison::notify {

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
