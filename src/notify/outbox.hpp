// The transactional outbox: notifications are written in the same transaction as the change
// that causes them and delivered afterwards by the Dispatcher, with retries.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

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
  std::string openpgp_key;    // ASCII-armoured public key; when set, the body is encrypted to it.
  std::string related_type;   // What it is about, e.g. "ping_campaign", for operators' views.
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

enum class DeliveryStatus { kPending, kDelivering, kDelivered, kFailed };

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
};

struct OutboxStats {
  std::int64_t pending = 0;
  std::int64_t delivering = 0;
  std::int64_t delivered = 0;
  std::int64_t failed = 0;
  std::optional<TimePoint> oldest_pending;
};

Result<OutboxStats> GetStats(store::Database& db);

// Lists notifications with `status` (newest first), up to `limit`.
Result<std::vector<NotificationRecord>> List(store::Database& db, DeliveryStatus status,
                                             int limit);

}  // namespace liaison::notify
