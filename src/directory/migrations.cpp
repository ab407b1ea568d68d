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
  };
}

}  // namespace liaison::directory
