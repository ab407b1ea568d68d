#include "security/record_text.hpp"

#include <sodium.h>

#include <array>

#include "core/ids.hpp"
#include "core/json.hpp"

namespace liaison::security::internal {

std::string CanonicalText(const std::vector<std::pair<std::string_view, TextValue>>& fields) {
  boost::json::object object;
  for (const auto& [key, value] : fields) {
    boost::json::value v;
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      v = *i;
    } else if (const auto* b = std::get_if<bool>(&value)) {
      v = *b;
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      v = boost::json::string(*s);
    } else if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
      boost::json::array array;
      for (const auto& item : *list) array.emplace_back(boost::json::string(item));
      v = std::move(array);
    }
    object[key] = std::move(v);
  }
  return json::Serialize(object);
}

std::string SecretHash(std::string_view secret) {
  std::array<unsigned char, crypto_generichash_BYTES> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                     secret.size(), nullptr, 0);
  return ToHex(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

audit::AuditEvent Event(const Principal& actor, std::string action, std::string record_type,
                        std::string record_id, std::string owner_organization_id,
                        std::string before, std::string after) {
  audit::AuditEvent event;
  event.account_id = actor.anonymous() ? "anonymous" : actor.account_id;
  event.organization_id = actor.organization_id;
  event.action = std::move(action);
  event.record_type = std::move(record_type);
  event.record_id = std::move(record_id);
  event.owner_organization_id = std::move(owner_organization_id);
  event.before = std::move(before);
  event.after = std::move(after);
  return event;
}

}  // namespace liaison::security::internal
