// The transactional outbox: notifications are written in the same transaction as the change
// that causes them and delivered afterwards by the Dispatcher, with retries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"

namespace liaison::notify {

// An e-mail to one person, rendered from a template in their language.
struct EmailNotification {
  std::string to;             // One e-mail address.
  std::string template_name;  // e.g. "ping.request"; see data/templates/.
  std::string language;       // ar, zh, en, fr, ru or es; anything else falls back to en.
  std::map<std::string, std::string> params;  // Values for {{name}} placeholders.
  std::string openpgp_key;   // ASCII-armoured public key; when set, the body is encrypted to it.
  std::string related_type;  // What it is about, e.g. "ping_campaign", for operators' views.
  std::string related_id;
};

// An event for an organisation's webhooks: a JSON body `payload_json` posted to each.
struct WebhookEvent {
  std::string organization_id;
  std::string event_type;  // e.g. "ping.started"
  std::string payload_json;
  std::string related_type;
  std::string related_id;
};

// The notify module's migrations.
std::vector<store::Migration> Migrations();

// Renders and queues `email` inside the write transaction `tx`. Returns the notification id.
// invalid_argument when the template does not exist or the address is malformed.
Result<std::string> EnqueueEmail(store::Transaction& tx, const EmailNotification& email,
                                 TimePoint now);

// Queues one delivery per active webhook of the organisation. Returns the notification ids.
Result<std::vector<std::string>> EnqueueWebhookEvent(store::Transaction& tx,
                                                     const WebhookEvent& event, TimePoint now);

// Where a notification is in its life: queued, claimed by a dispatcher, or done either way.
enum class DeliveryStatus { kPending, kDelivering, kDelivered, kFailed };

// A queued notification as operators see it (without its body).
struct NotificationRecord {
  std::string id;
  std::string channel;  // "email" | "webhook"
  std::string recipient;
  std::string subject;
  DeliveryStatus status = DeliveryStatus::kPending;
  int attempts = 0;
  std::string last_error;
  TimePoint created_at;
  std::optional<TimePoint> delivered_at;
  std::string related_type;
  std::string related_id;
  TimePoint next_attempt_at;  // When the next delivery attempt is due (while pending).
  std::string webhook_id;     // For channel "webhook": the webhook delivered to.
};

// Returns "pending", "delivering", "delivered" or "failed".
std::string_view DeliveryStatusName(DeliveryStatus status);

// Counts of notifications by status, for /metrics and /readyz.
struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t delivering = 0;
  std::int64_t delivered = 0;
  std::int64_t failed = 0;
  std::optional<TimePoint> oldest_pending;
};

// Counts the notifications by status; `oldest_pending` is the creation time of the oldest
// pending one. Returns the database's error when it cannot be read.
Result<OutboxStats> GetStats(store::Database& db);

// Lists notifications with `status` (newest first), up to `limit`.
Result<std::vector<NotificationRecord>> List(store::Database& db, DeliveryStatus status, int limit);

// Returns the notification `id`; not_found when there is none.
Result<NotificationRecord> GetNotification(store::Database& db, const std::string& id);

// One delivery attempt of a notification.
struct DeliveryAttempt {
  int attempt = 0;  // 1, 2, … (numbering restarts after RequeueFailed).
  TimePoint at;
  bool ok = false;
  std::string error;
};

// Returns the attempts made to deliver notification `id`, oldest first (empty when none).
Result<std::vector<DeliveryAttempt>> ListAttempts(store::Database& db, const std::string& id);

// Puts failed notifications back in the queue, due at `now`, with their attempt count reset.
// `id` names one notification; empty requeues every failed one. Returns how many were requeued.
// not_found when `id` names no notification; failed_precondition when it is not failed.
Result<int> RequeueFailed(store::Database& db, const std::string& id, TimePoint now);

// A webhook of an organisation as operators see it (never its secret).
struct Webhook {
  std::string id;
  std::string organization_id;
  std::string url;
  std::vector<std::string> events;  // Event types delivered; "*" (the default) means all.
  bool active = true;
  TimePoint created_at;
};

// A newly registered webhook with its signing secret, which is shown only this once.
struct RegisteredWebhook {
  std::string id;
  std::string secret;  // 64 hex characters (32 random bytes); the HMAC key is this text.
};

// Registers, audited as done `by`, a webhook for `organization_id` delivering `events` (empty means all, "*") by HTTP
// POST to `url`. The secret is stored encrypted under `secret_key_hex` (the node key,
// security.secret_key). Returns failed_precondition (reason "no_secret_key") when the node key
// is missing or malformed; invalid_argument (field "url") for a URL that is not http(s)://…
// without whitespace, at most 2048 characters, and (field "events") for malformed event types.
Result<RegisteredWebhook> RegisterWebhook(store::Database& db, std::string_view secret_key_hex,
                                          const audit::Actor& by,
                                          const std::string& organization_id,
                                          const std::string& url,
                                          const std::vector<std::string>& events, TimePoint now);

// Returns the webhooks of `organization_id`, oldest first.
Result<std::vector<Webhook>> ListWebhooks(store::Database& db, const std::string& organization_id);

// Deletes webhook `webhook_id` of `organization_id`, audited as done `by`; its undelivered
// notifications then fail. not_found when the organisation has no such webhook.
Status DeleteWebhook(store::Database& db, const audit::Actor& by,
                     const std::string& organization_id, const std::string& webhook_id,
                     TimePoint now);

}  // namespace liaison::notify
