// The server configuration: a TOML file whose every key can be overridden by an environment
// variable LIAISON_<SECTION>_<KEY> (e.g. LIAISON_DATABASE_URL).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/result.hpp"

namespace liaison {

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 8080;
  int io_threads = 1;
  int worker_threads = 4;
  std::int64_t body_limit_bytes = 1 << 20;
  std::int64_t header_limit_bytes = 16 << 10;
  int request_timeout_seconds = 30;
  int idle_timeout_seconds = 60;
  int shutdown_grace_seconds = 20;
  std::string tls_certificate;  // PEM file; TLS is on when both are set.
  std::string tls_private_key;
  std::string public_url = "http://127.0.0.1:8080";  // Used in links sent by e-mail.
  std::string static_dir;                            // The built web UI; empty serves none.
  int scheduler_interval_seconds = 30;  // How often scheduled work (campaign deadlines) runs.
  // How long a server that died mid-job blocks that job for the others (at least twice the
  // interval is used).
  int scheduler_lease_seconds = 120;
  // Memory for cached answers of directory list reads (GET /api/v1/contacts); 0 turns it off.
  std::int64_t response_cache_bytes = 64 << 20;
  // Integration tests only: offset the server's clock by the seconds in the file named by the
  // environment variable LIAISON_TEST_CLOCK_FILE. Never on in production.
  bool test_clock = false;
};

struct DatabaseConfig {
  std::string url = "sqlite://var/liaison.db";  // Or postgresql://user:password@host:port/db.
  int pool_size = 4;
  int pool_timeout_seconds = 10;  // How long a request waits for a free connection (then 503).
};

struct MailConfig {
  std::string smtp_url;  // smtp://host:port or smtps://host:port; empty disables e-mail.
  std::string from = "liaison@localhost";
  std::string username;
  std::string password;
  std::string starttls = "opportunistic";  // none | opportunistic | required
  std::string gnupg_home;                 // Keyring used for encrypting to contacts' keys.
};

struct NotifyConfig {
  int max_attempts = 8;
  int initial_backoff_seconds = 30;
  int max_backoff_seconds = 3600;
  int poll_interval_milliseconds = 500;
  int delivery_timeout_seconds = 30;
  // Concurrent delivery workers in this server; each keeps one SMTP connection while busy.
  int workers = 4;
  // How long a claimed notification stays reserved for its server. Must be longer than
  // delivery_timeout_seconds; after a crash, another server delivers it once the lease ends.
  int lease_seconds = 120;
};

struct SecurityConfig {
  std::string secret_key;  // 64 hex characters; encrypts secrets at rest (webhook keys).
  int session_ttl_minutes = 720;
  int token_default_ttl_days = 90;
  int login_max_failures = 5;
  int login_window_seconds = 900;
  bool secure_cookies = false;  // Set the Secure flag; on whenever TLS or a proxy terminates it.
};

// Cooperation requests: acknowledgement and answer deadlines per urgency, and attachment limits.
struct RequestsConfig {
  int acknowledge_critical_minutes = 120;
  int acknowledge_urgent_minutes = 24 * 60;
  int acknowledge_routine_minutes = 72 * 60;
  int answer_critical_minutes = 24 * 60;
  int answer_urgent_minutes = 72 * 60;
  int answer_routine_minutes = 14 * 24 * 60;
  std::int64_t attachment_max_bytes = 10 << 20;
};

struct LogConfig {
  std::string level = "info";  // trace | debug | info | warn | error
  std::string format = "json";  // json | text
};

struct JurisdictionConfig {
  // Holds the manifest CURRENT written by `liaison data update` and the fetched data sets.
  std::string data_dir = "var/data/ip-location-db";
  // The body limit of the bulk jurisdiction endpoints (batch look-up, feed reports).
  std::int64_t bulk_body_limit_bytes = 256LL << 20;
};

struct Config {
  ServerConfig server;
  DatabaseConfig database;
  MailConfig mail;
  NotifyConfig notify;
  SecurityConfig security;
  RequestsConfig requests;
  LogConfig log;
  JurisdictionConfig jurisdiction;
};

// Loads `path` (empty: defaults only), then applies environment overrides from `env`
// (name → value). Returns invalid_argument naming the key for unknown keys, wrong types and
// out-of-range values.
Result<Config> LoadConfig(const std::string& path, const std::map<std::string, std::string>& env);

// The process environment as a map, for LoadConfig.
std::map<std::string, std::string> ProcessEnvironment();

}  // namespace liaison
