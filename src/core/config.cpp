#include "core/config.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <set>
#include <variant>
#include <vector>

extern char** environ;  // NOLINT

namespace liaison {
namespace {

// A configuration key bound to the field it sets.
struct Key {
  std::string section;
  std::string name;
  std::variant<std::string*, int*, std::int64_t*, bool*> target;
  std::int64_t min = 0;
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
};

std::vector<Key> Keys(Config& c) {
  return {
      {"server", "host", &c.server.host},
      {"server", "port", &c.server.port, 0, 65535},
      {"server", "io_threads", &c.server.io_threads, 1, 64},
      {"server", "worker_threads", &c.server.worker_threads, 1, 256},
      {"server", "body_limit_bytes", &c.server.body_limit_bytes, 1024, 1LL << 32},
      {"server", "response_cache_bytes", &c.server.response_cache_bytes, 0, 1LL << 36},
      {"server", "header_limit_bytes", &c.server.header_limit_bytes, 1024, 1 << 20},
      {"server", "request_timeout_seconds", &c.server.request_timeout_seconds, 1, 3600},
      {"server", "idle_timeout_seconds", &c.server.idle_timeout_seconds, 1, 3600},
      {"server", "shutdown_grace_seconds", &c.server.shutdown_grace_seconds, 0, 3600},
      {"server", "tls_certificate", &c.server.tls_certificate},
      {"server", "tls_private_key", &c.server.tls_private_key},
      {"server", "public_url", &c.server.public_url},
      {"server", "static_dir", &c.server.static_dir},
      {"server", "scheduler_interval_seconds", &c.server.scheduler_interval_seconds, 1, 86400},
      {"server", "scheduler_lease_seconds", &c.server.scheduler_lease_seconds, 2, 86400},
      {"server", "test_clock", &c.server.test_clock},
      {"database", "url", &c.database.url},
      {"database", "pool_size", &c.database.pool_size, 1, 256},
      {"database", "pool_timeout_seconds", &c.database.pool_timeout_seconds, 1, 3600},
      {"mail", "smtp_url", &c.mail.smtp_url},
      {"mail", "from", &c.mail.from},
      {"mail", "username", &c.mail.username},
      {"mail", "password", &c.mail.password},
      {"mail", "starttls", &c.mail.starttls},
      {"mail", "gnupg_home", &c.mail.gnupg_home},
      {"notify", "max_attempts", &c.notify.max_attempts, 1, 100},
      {"notify", "initial_backoff_seconds", &c.notify.initial_backoff_seconds, 0, 86400},
      {"notify", "max_backoff_seconds", &c.notify.max_backoff_seconds, 0, 7 * 86400},
      {"notify", "poll_interval_milliseconds", &c.notify.poll_interval_milliseconds, 10, 60000},
      {"notify", "delivery_timeout_seconds", &c.notify.delivery_timeout_seconds, 1, 600},
      {"notify", "workers", &c.notify.workers, 1, 64},
      {"notify", "lease_seconds", &c.notify.lease_seconds, 2, 3600},
      {"security", "secret_key", &c.security.secret_key},
      {"security", "session_ttl_minutes", &c.security.session_ttl_minutes, 1, 60 * 24 * 30},
      {"security", "token_default_ttl_days", &c.security.token_default_ttl_days, 1, 3650},
      {"security", "login_max_failures", &c.security.login_max_failures, 1, 1000},
      {"security", "login_window_seconds", &c.security.login_window_seconds, 1, 86400},
      {"security", "secure_cookies", &c.security.secure_cookies},
      {"requests", "acknowledge_critical_minutes", &c.requests.acknowledge_critical_minutes, 1,
       525600},
      {"requests", "acknowledge_urgent_minutes", &c.requests.acknowledge_urgent_minutes, 1, 525600},
      {"requests", "acknowledge_routine_minutes", &c.requests.acknowledge_routine_minutes, 1,
       525600},
      {"requests", "answer_critical_minutes", &c.requests.answer_critical_minutes, 1, 525600},
      {"requests", "answer_urgent_minutes", &c.requests.answer_urgent_minutes, 1, 525600},
      {"requests", "answer_routine_minutes", &c.requests.answer_routine_minutes, 1, 525600},
      {"requests", "attachment_max_bytes", &c.requests.attachment_max_bytes, 1024, 1LL << 30},
      {"log", "level", &c.log.level},
      {"log", "format", &c.log.format},
      {"jurisdiction", "data_dir", &c.jurisdiction.data_dir},
      {"jurisdiction", "bulk_body_limit_bytes", &c.jurisdiction.bulk_body_limit_bytes, 1024,
       1LL << 34},
  };
}

std::string EnvName(const Key& k) {
  std::string name = "LIAISON_" + k.section + "_" + k.name;
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
  return name;
}

Status SetInteger(const Key& k, std::int64_t v, const std::string& field) {
  if (v < k.min || v > k.max) {
    return Error::InvalidArgument(
        "must be between " + std::to_string(k.min) + " and " + std::to_string(k.max), field,
        "out_of_range");
  }
  if (auto* p = std::get_if<int*>(&k.target)) **p = static_cast<int>(v);
  if (auto* p = std::get_if<std::int64_t*>(&k.target)) **p = v;
  return OkStatus();
}

Status SetFromToml(const Key& k, const toml::node& node, const std::string& field) {
  if (auto* p = std::get_if<std::string*>(&k.target)) {
    if (!node.is_string()) return Error::InvalidArgument("must be a string", field, "wrong_type");
    **p = *node.value<std::string>();
    return OkStatus();
  }
  if (auto* p = std::get_if<bool*>(&k.target)) {
    if (!node.is_boolean()) return Error::InvalidArgument("must be true or false", field, "wrong_type");
    **p = *node.value<bool>();
    return OkStatus();
  }
  if (!node.is_integer()) return Error::InvalidArgument("must be an integer", field, "wrong_type");
  return SetInteger(k, *node.value<std::int64_t>(), field);
}

Status SetFromText(const Key& k, const std::string& text, const std::string& field) {
  if (auto* p = std::get_if<std::string*>(&k.target)) {
    **p = text;
    return OkStatus();
  }
  if (auto* p = std::get_if<bool*>(&k.target)) {
    if (text == "true" || text == "1") {
      **p = true;
    } else if (text == "false" || text == "0") {
      **p = false;
    } else {
      return Error::InvalidArgument("must be true or false", field, "wrong_type");
    }
    return OkStatus();
  }
  std::int64_t v = 0;
  std::size_t used = 0;
  try {
    v = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size()) {
    return Error::InvalidArgument("must be an integer", field, "wrong_type");
  }
  return SetInteger(k, v, field);
}

Status Validate(const Config& c) {
  if (c.log.format != "json" && c.log.format != "text") {
    return Error::InvalidArgument("must be json or text", "log.format");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log.level)) {
    return Error::InvalidArgument("must be trace, debug, info, warn or error", "log.level");
  }
  if (c.mail.starttls != "none" && c.mail.starttls != "opportunistic" &&
      c.mail.starttls != "required") {
    return Error::InvalidArgument("must be none, opportunistic or required", "mail.starttls");
  }
  if (c.notify.lease_seconds <= c.notify.delivery_timeout_seconds) {
    return Error::InvalidArgument("must be longer than notify.delivery_timeout_seconds",
                                  "notify.lease_seconds");
  }
  if (c.server.tls_certificate.empty() != c.server.tls_private_key.empty()) {
    return Error::InvalidArgument("tls_certificate and tls_private_key go together",
                                  "server.tls_private_key");
  }
  if (!c.security.secret_key.empty()) {
    bool hex = c.security.secret_key.size() == 64 &&
               std::all_of(c.security.secret_key.begin(), c.security.secret_key.end(),
                           [](unsigned char ch) { return std::isxdigit(ch) != 0; });
    if (!hex) return Error::InvalidArgument("must be 64 hex characters", "security.secret_key");
  }
  return OkStatus();
}

}  // namespace

Result<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env) {
  Config config;
  std::vector<Key> keys = Keys(config);
  if (!path.empty()) {
    toml::table table;
    try {
      table = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
      const auto& where = e.source().begin;
      return Error::InvalidArgument(std::string(e.description()) + " at line " +
                                        std::to_string(where.line),
                                    path, "invalid_config");
    }
    for (const auto& [section, node] : table) {
      const auto* sub = node.as_table();
      if (!sub) {
        return Error::InvalidArgument("expected a [section]", std::string(section.str()),
                                      "unknown_key");
      }
      for (const auto& [name, value] : *sub) {
        std::string field = std::string(section.str()) + "." + std::string(name.str());
        auto it = std::find_if(keys.begin(), keys.end(), [&](const Key& k) {
          return k.section == section.str() && k.name == name.str();
        });
        if (it == keys.end()) return Error::InvalidArgument("unknown key", field, "unknown_key");
        RETURN_IF_ERROR(SetFromToml(*it, value, field));
      }
    }
  }
  for (const Key& k : keys) {
    auto it = env.find(EnvName(k));
    if (it != env.end()) RETURN_IF_ERROR(SetFromText(k, it->second, EnvName(k)));
  }
  RETURN_IF_ERROR(Validate(config));
  return config;
}

std::map<std::string, std::string> ProcessEnvironment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string entry(*e);
    auto eq = entry.find('=');
    if (eq != std::string::npos && entry.rfind("LIAISON_", 0) == 0) {
      env.emplace(entry.substr(0, eq), entry.substr(eq + 1));
    }
  }
  return env;
}

}  // namespace liaison
