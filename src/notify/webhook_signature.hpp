// The HMAC that signs webhook deliveries (X-Liaison-Signature). Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace liaison::notify {

// The X-Liaison-Signature value: "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
std::string SignWebhook(std::string_view secret, std::string_view timestamp, std::string_view body);

}  // namespace liaison::notify
