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
  };
}

}  // namespace liaison::security
