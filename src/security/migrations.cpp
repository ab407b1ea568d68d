#include "security/migrations.hpp"

namespace liaison::security {

std::vector<store::Migration> Migrations() {
  return {
      {"security",
       1,
       "create organizations",
       {"CREATE TABLE organizations ("
        " id TEXT PRIMARY KEY,"
        " name TEXT NOT NULL,"
        " category TEXT NOT NULL,"
        " kind TEXT NOT NULL,"
        " state TEXT NOT NULL,"
        " website TEXT NOT NULL,"
        " version INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL)",
        "CREATE INDEX organizations_state ON organizations (state, id)"}},
      {"security",
       2,
       "create accounts",
       {"CREATE TABLE accounts ("
        " id TEXT PRIMARY KEY,"
        " organization_id TEXT NOT NULL REFERENCES organizations (id),"
        " email TEXT NOT NULL,"
        " display_name TEXT NOT NULL,"
        " password_hash TEXT,"
        " roles TEXT NOT NULL,"
        " language TEXT NOT NULL,"
        " time_zone TEXT NOT NULL,"
        " disabled INTEGER NOT NULL,"
        " version INTEGER NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " updated_at INTEGER NOT NULL)",
        // Addresses are unique whatever their case; lookups use lower(email) = lower-cased input.
        "CREATE UNIQUE INDEX accounts_email ON accounts (lower(email))",
        "CREATE INDEX accounts_organization ON accounts (organization_id, id)"}},
      {"security",
       3,
       "create api_tokens",
       {"CREATE TABLE api_tokens ("
        " id TEXT PRIMARY KEY,"
        " account_id TEXT NOT NULL REFERENCES accounts (id),"
        " name TEXT NOT NULL,"
        " token_hash TEXT NOT NULL UNIQUE,"
        " created_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " revoked_at INTEGER,"
        " last_used_at INTEGER)",
        "CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at)"}},
      {"security",
       4,
       "create sessions",
       {"CREATE TABLE sessions ("
        " id TEXT PRIMARY KEY,"
        " account_id TEXT NOT NULL REFERENCES accounts (id),"
        " session_hash TEXT NOT NULL UNIQUE,"
        " csrf_hash TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL,"
        " revoked_at INTEGER,"
        " remote TEXT NOT NULL)",
        "CREATE INDEX sessions_account ON sessions (account_id)"}},
      {"security",
       5,
       "create signing_keys",
       {"CREATE TABLE signing_keys ("
        " kid TEXT PRIMARY KEY,"
        " public_key TEXT NOT NULL,"
        " sealed_seed TEXT NOT NULL,"
        " status TEXT NOT NULL,"
        " created_at INTEGER NOT NULL,"
        " retired_at INTEGER)",
        // At most one current key, even when two processes create the first one at once.
        "CREATE UNIQUE INDEX signing_keys_current ON signing_keys (status) "
        "WHERE status = 'current'"}},
      {"security",
       6,
       "create login_throttle",
       // Failed sign-ins per account and per remote address (login_throttle.hpp), shared by
       // every server on the database. key_hash hashes the e-mail address or remote address.
       {"CREATE TABLE login_throttle ("
        " key_hash TEXT PRIMARY KEY,"
        " failures INTEGER NOT NULL,"
        " window_start INTEGER NOT NULL,"
        " locked_until INTEGER NOT NULL,"
        " expires_at INTEGER NOT NULL)",
        "CREATE INDEX login_throttle_expires ON login_throttle (expires_at)"}},
      {"security",
       7,
       "count changes to credentials",
       {
           // One number that grows, in the writing transaction and whoever writes, with every
           // change that can make a verified bearer token stop standing for the principal it
           // stood for: a token revoked, re-dated or deleted (not a mere last_used_at), an
           // account or organisation changed or deleted. Verified tokens are remembered keyed
           // on it (security::CredentialCache). On PostgreSQL the SELECT of a channel name
           // becomes a pg_notify on it at commit (security::CredentialCache listens).
           "CREATE TABLE security_generation (id INTEGER PRIMARY KEY CHECK (id = 1), "
           "value BIGINT NOT NULL)",
           "INSERT INTO security_generation (id, value) VALUES (1, 0)",
           "CREATE TRIGGER api_tokens_update_bumps_security_generation AFTER UPDATE ON "
           "api_tokens BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1 AND "
           "NOT (OLD.revoked_at IS NULL AND NEW.revoked_at IS NULL AND "
           "OLD.expires_at = NEW.expires_at AND OLD.account_id = NEW.account_id AND "
           "OLD.token_hash = NEW.token_hash); END",
           "CREATE TRIGGER api_tokens_delete_bumps_security_generation AFTER DELETE ON "
           "api_tokens BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER accounts_update_bumps_security_generation AFTER UPDATE ON accounts "
           "BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER accounts_delete_bumps_security_generation AFTER DELETE ON accounts "
           "BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER organizations_update_bumps_security_generation AFTER UPDATE ON "
           "organizations BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1; "
           "END",
           "CREATE TRIGGER organizations_delete_bumps_security_generation AFTER DELETE ON "
           "organizations BEGIN UPDATE security_generation SET value = value + 1 WHERE id = 1; "
           "END",
           "CREATE TRIGGER security_generation_notifies AFTER UPDATE ON security_generation "
           "BEGIN SELECT 'liaison_security'; END",
       }},
  };
}

}  // namespace liaison::security
