#include "requests/migrations.hpp"

namespace liaison::requests {

std::vector<store::Migration> Migrations() {
  return {
      {"requests",
       1,
       "create requests, recipients and timeline",
       {
           // content and resolution hold the JSON of request_template.hpp and Resolution; the
           // other columns are the metadata operators may see and the lists filter on. Times are
           // Unix milliseconds.
           "CREATE TABLE requests ("
           "id TEXT PRIMARY KEY, "
           "version BIGINT NOT NULL, "
           "type TEXT NOT NULL, "
           "urgency TEXT NOT NULL, "
           "status TEXT NOT NULL, "
           "requesting_organization_id TEXT NOT NULL, "
           "requesting_state TEXT NOT NULL, "
           "sender_account_id TEXT NOT NULL, "
           "requested_state TEXT NOT NULL, "
           "tlp TEXT NOT NULL, "
           "content TEXT NOT NULL, "
           "resolution TEXT NOT NULL, "
           "routed_level TEXT, "
           "routing_fallback INTEGER NOT NULL, "
           "routed_contacts INTEGER NOT NULL, "
           "created_at BIGINT NOT NULL, "
           "updated_at BIGINT NOT NULL, "
           "submitted_at BIGINT, "
           "acknowledged_at BIGINT, "
           "answered_at BIGINT, "
           "finished_at BIGINT, "
           "acknowledge_due_at BIGINT, "
           "answer_due_at BIGINT, "
           "acknowledge_overdue_at BIGINT, "
           "answer_overdue_at BIGINT, "
           "escalation_step INTEGER NOT NULL, "
           "redirected_from TEXT NOT NULL, "
           "redirected_to TEXT NOT NULL)",
           "CREATE INDEX requests_by_requesting_org ON requests (requesting_organization_id, id)",
           "CREATE INDEX requests_by_requested_state ON requests (requested_state, id)",
           "CREATE INDEX requests_by_status ON requests (status, id)",
           // Who a request was sent to, and why: routed at submission, or an escalation step.
           "CREATE TABLE request_recipients ("
           "request_id TEXT NOT NULL, "
           "contact_id TEXT NOT NULL, "
           "organization_id TEXT NOT NULL, "
           "reason TEXT NOT NULL, "
           "notified_at BIGINT NOT NULL, "
           "PRIMARY KEY (request_id, contact_id, reason))",
           // info: metadata anyone who sees the request sees; detail: content, parties only.
           "CREATE TABLE request_timeline ("
           "request_id TEXT NOT NULL, "
           "seq INTEGER NOT NULL, "
           "at BIGINT NOT NULL, "
           "kind TEXT NOT NULL, "
           "actor_account_id TEXT NOT NULL, "
           "actor_organization_id TEXT NOT NULL, "
           "from_status TEXT, "
           "to_status TEXT, "
           "info TEXT NOT NULL, "
           "detail TEXT NOT NULL, "
           "PRIMARY KEY (request_id, seq))",
       }},
      {"requests",
       2,
       "create request messages and attachments",
       {
           // attachment_ids: JSON array of the request's attachments the message refers to.
           "CREATE TABLE request_messages ("
           "id TEXT PRIMARY KEY, "
           "request_id TEXT NOT NULL, "
           "in_reply_to TEXT NOT NULL, "
           "author_account_id TEXT NOT NULL, "
           "author_organization_id TEXT NOT NULL, "
           "author_state TEXT NOT NULL, "
           "tlp TEXT NOT NULL, "
           "body TEXT NOT NULL, "
           "attachment_ids TEXT NOT NULL, "
           "created_at BIGINT NOT NULL)",
           "CREATE INDEX request_messages_by_request ON request_messages (request_id, created_at)",
           "CREATE TABLE request_attachments ("
           "id TEXT PRIMARY KEY, "
           "request_id TEXT NOT NULL, "
           "filename TEXT NOT NULL, "
           "media_type TEXT NOT NULL, "
           "sha256 TEXT NOT NULL, "
           "size BIGINT NOT NULL, "
           "tlp TEXT NOT NULL, "
           "uploaded_by TEXT NOT NULL, "
           "created_at BIGINT NOT NULL)",
           "CREATE INDEX request_attachments_by_request ON request_attachments "
           "(request_id, created_at)",
           // Content-addressed: one row per distinct content, however often it is attached.
           "CREATE TABLE request_blobs ("
           "sha256 TEXT PRIMARY KEY, "
           "size BIGINT NOT NULL, "
           "content BLOB NOT NULL)",
       }},
      {"requests",
       3,
       "create request receipts",
       {
           // jws: compact JWS by the node's signing key over the statement of receipts.hpp.
           "CREATE TABLE request_receipts ("
           "request_id TEXT NOT NULL, "
           "seq INTEGER NOT NULL, "
           "event TEXT NOT NULL, "
           "at BIGINT NOT NULL, "
           "key_id TEXT NOT NULL, "
           "jws TEXT NOT NULL, "
           "PRIMARY KEY (request_id, seq))",
       }},
  };
}

}  // namespace liaison::requests
