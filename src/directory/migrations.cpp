#include "directory/migrations.hpp"

namespace liaison::directory {

std::vector<store::Migration> Migrations() {
  return {
      {"directory",
       1,
       "create contacts",
       {
           // emails, phones, languages, working_hours and preferred_channels hold JSON.
           // language_key (",fr-ca,en,") and search_text (lower-cased name, title and e-mails)
           // exist for the list filters.
           "CREATE TABLE contacts ("
           "id TEXT PRIMARY KEY, "
           "organization_id TEXT NOT NULL, "
           "state TEXT NOT NULL, "
           "level TEXT NOT NULL, "
           "name TEXT NOT NULL, "
           "title TEXT NOT NULL, "
           "emails TEXT NOT NULL, "
           "phones TEXT NOT NULL, "
           "languages TEXT NOT NULL, "
           "language_key TEXT NOT NULL, "
           "time_zone TEXT NOT NULL, "
           "working_hours TEXT NOT NULL, "
           "available_24_7 INTEGER NOT NULL, "
           "openpgp_fingerprint TEXT NOT NULL, "
           "openpgp_key TEXT NOT NULL, "
           "preferred_channels TEXT NOT NULL, "
           "notes TEXT NOT NULL, "
           "stale INTEGER NOT NULL, "
           "version BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, "
           "updated_at BIGINT NOT NULL, "
           "search_text TEXT NOT NULL)",
           "CREATE INDEX contacts_by_organization ON contacts (organization_id, id)",
           "CREATE INDEX contacts_by_state ON contacts (state, id)",
           "CREATE INDEX contacts_by_level ON contacts (level, id)",
       }},
      {"directory",
       2,
       "create ping campaigns and targets",
       {
           // states: JSON array of the states in scope, resolved when the campaign starts.
           "CREATE TABLE ping_campaigns ("
           "id TEXT PRIMARY KEY, "
           "organization_id TEXT NOT NULL, "
           "owner_state TEXT NOT NULL, "
           "created_by TEXT NOT NULL, "
           "scope TEXT NOT NULL, "
           "regional_group TEXT NOT NULL, "
           "states TEXT NOT NULL, "
           "level TEXT NOT NULL, "
           "deadline BIGINT NOT NULL, "
           "created_at BIGINT NOT NULL, "
           "closed_at BIGINT)",
           "CREATE INDEX ping_campaigns_by_deadline ON ping_campaigns (closed_at, deadline)",
           // One row per contact pinged. The contact's zone and hours are copied so that the
           // report measures against the hours in force when the ping went out.
           "CREATE TABLE ping_targets ("
           "id TEXT PRIMARY KEY, "
           "campaign_id TEXT NOT NULL, "
           "contact_id TEXT NOT NULL, "
           "organization_id TEXT NOT NULL, "
           "state TEXT NOT NULL, "
           "level TEXT NOT NULL, "
           "time_zone TEXT NOT NULL, "
           "working_hours TEXT NOT NULL, "
           "available_24_7 INTEGER NOT NULL, "
           "token_hash TEXT NOT NULL, "
           "emails_queued INTEGER NOT NULL, "
           "sent_at BIGINT NOT NULL, "
           "acked_at BIGINT, "
           "acked_via TEXT)",
           "CREATE UNIQUE INDEX ping_targets_by_token ON ping_targets (token_hash)",
           "CREATE INDEX ping_targets_by_campaign ON ping_targets (campaign_id, state, level)",
           "CREATE INDEX ping_targets_by_contact ON ping_targets (contact_id)",
       }},
      {"directory",
       3,
       "add the role of a contact within its level",
       {
           // "primary" contacts receive requests; "backup" ones are reached on escalation.
           "ALTER TABLE contacts ADD COLUMN role TEXT NOT NULL DEFAULT 'primary'",
       }},
      {"directory",
       4,
       "count writes to the directory",
       {
           // One number that grows with every write to contacts or organisations (whose names
           // and kinds contacts are listed with), in the writing transaction, whoever writes:
           // cached list answers are keyed on it, so every server on the database sees a
           // write at once (directory::DirectoryGeneration).
           "CREATE TABLE directory_generation (id INTEGER PRIMARY KEY CHECK (id = 1), "
           "value BIGINT NOT NULL)",
           "INSERT INTO directory_generation (id, value) VALUES (1, 0)",
           "CREATE TRIGGER contacts_insert_bumps_directory_generation AFTER INSERT ON contacts "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER contacts_update_bumps_directory_generation AFTER UPDATE ON contacts "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER contacts_delete_bumps_directory_generation AFTER DELETE ON contacts "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER organizations_insert_bumps_directory_generation AFTER INSERT ON "
           "organizations "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER organizations_update_bumps_directory_generation AFTER UPDATE ON "
           "organizations "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
           "CREATE TRIGGER organizations_delete_bumps_directory_generation AFTER DELETE ON "
           "organizations "
           "BEGIN UPDATE directory_generation SET value = value + 1 WHERE id = 1; END",
       }},
      {"directory",
       5,
       "tell listening servers when the directory changes",
       {
           // A no-op on SQLite. On PostgreSQL the dialect makes the SELECT of a channel name a
           // pg_notify on that channel, which the database delivers at commit (once per
           // transaction: equal notifications are folded) to every server listening there
           // (directory::GenerationWatch). SQLite servers read the generation per request.
           "CREATE TRIGGER directory_generation_notifies AFTER UPDATE ON directory_generation "
           "BEGIN SELECT 'liaison_directory'; END",
       }},
  };
}

}  // namespace liaison::directory
