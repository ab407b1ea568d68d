#include "notify/outbox.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/secret_box.hpp"
#include "notify/email_message.hpp"
#include "notify/templates.hpp"

namespace liaison::notify {
namespace {

constexpr std::size_t kMaxUrlLength = 2048;
constexpr std::size_t kMaxEventTypeLength = 100;
constexpr std::size_t kMaxPayloadBytes = 1 << 20;
constexpr std::size_t kMaxKeyBytes = 64 << 10;

constexpr const char* kRecordColumns =
    "id, channel, recipient, subject, status, attempts, last_error, created_at, delivered_at,"
    " related_type, related_id, next_attempt_at, webhook_id";

DeliveryStatus ParseStatus(std::string_view text) {
  if (text == "delivering") return DeliveryStatus::kDelivering;
  if (text == "delivered") return DeliveryStatus::kDelivered;
  if (text == "failed") return DeliveryStatus::kFailed;
  return DeliveryStatus::kPending;
}

NotificationRecord RecordFromRow(const store::Row& row) {
  NotificationRecord r;
  r.id = row.Text(0);
  r.channel = row.Text(1);
  r.recipient = row.Text(2);
  r.subject = row.Text(3);
  r.status = ParseStatus(row.Text(4));
  r.attempts = static_cast<int>(row.Int(5));
  r.last_error = row.Text(6);
  r.created_at = FromUnixMillis(row.Int(7));
  if (!row.IsNull(8)) r.delivered_at = FromUnixMillis(row.Int(8));
  r.related_type = row.Text(9);
  r.related_id = row.Text(10);
  r.next_attempt_at = FromUnixMillis(row.Int(11));
  r.webhook_id = row.Text(12);
  return r;
}

bool IsEventType(std::string_view s) {
  if (s.empty() || s.size() > kMaxEventTypeLength) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// An event filter is "*", an exact event type, or a prefix pattern such as "ping.*".
bool IsEventFilter(std::string_view s) {
  if (s == "*") return true;
  if (s.size() > 2 && s.ends_with(".*")) return IsEventType(s.substr(0, s.size() - 2));
  return IsEventType(s);
}

bool FilterMatches(std::string_view filter, std::string_view event) {
  if (filter == "*" || filter == event) return true;
  if (filter.ends_with(".*")) {
    std::string_view prefix = filter.substr(0, filter.size() - 1);  // Keeps the dot.
    return event.starts_with(prefix);
  }
  return false;
}

std::vector<std::string> ParseEvents(const std::string& text) {
  std::vector<std::string> events;
  auto parsed = json::Parse(text);
  if (!parsed.has_value() || !parsed->is_array()) return events;
  for (const auto& v : parsed->as_array()) {
    if (v.is_string()) events.emplace_back(v.as_string().c_str());
  }
  return events;
}

bool IsWebhookUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength) return false;
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  if (rest.empty() || rest.front() == '/') return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c >= 0x7F) return false;
  }
  return true;
}

}  // namespace

std::string_view DeliveryStatusName(DeliveryStatus status) {
  switch (status) {
    case DeliveryStatus::kPending:
      return "pending";
    case DeliveryStatus::kDelivering:
      return "delivering";
    case DeliveryStatus::kDelivered:
      return "delivered";
    case DeliveryStatus::kFailed:
      return "failed";
  }
  return "pending";
}

std::vector<store::Migration> Migrations() {
  return {
      {"notify",
       1,
       "create notifications, notification_attempts and webhooks",
       {
           "CREATE TABLE notifications ("
           " id TEXT PRIMARY KEY,"
           " channel TEXT NOT NULL,"
           " recipient TEXT NOT NULL,"
           " subject TEXT NOT NULL,"
           " body TEXT NOT NULL,"
           " extras TEXT NOT NULL,"
           " status TEXT NOT NULL,"
           " attempts INTEGER NOT NULL,"
           " next_attempt_at BIGINT NOT NULL,"
           " lease_until BIGINT,"
           " lease_owner TEXT,"
           " last_error TEXT NOT NULL,"
           " created_at BIGINT NOT NULL,"
           " delivered_at BIGINT,"
           " related_type TEXT NOT NULL,"
           " related_id TEXT NOT NULL,"
           " webhook_id TEXT NOT NULL)",
           "CREATE INDEX notifications_due ON notifications (status, next_attempt_at)",
           "CREATE INDEX notifications_lease ON notifications (status, lease_until)",
           "CREATE INDEX notifications_created ON notifications (status, created_at)",
           "CREATE TABLE notification_attempts ("
           " notification_id TEXT NOT NULL,"
           " attempt INTEGER NOT NULL,"
           " at BIGINT NOT NULL,"
           " ok INTEGER NOT NULL,"
           " error TEXT NOT NULL)",
           "CREATE INDEX notification_attempts_by_notification"
           " ON notification_attempts (notification_id, at)",
           "CREATE TABLE webhooks ("
           " id TEXT PRIMARY KEY,"
           " organization_id TEXT NOT NULL,"
           " url TEXT NOT NULL,"
           " secret_encrypted TEXT NOT NULL,"
           " events TEXT NOT NULL,"
           " active INTEGER NOT NULL,"
           " created_at BIGINT NOT NULL)",
           "CREATE INDEX webhooks_by_organization ON webhooks (organization_id, created_at)",
       }},
      // A delivery worker finds its claimed batch by its claim token (lease_owner).
      {"notify",
       2,
       "index notifications by claim",
       {"CREATE INDEX notifications_claim ON notifications (lease_owner)"}},
  };
}

Result<std::string> EnqueueEmail(store::Transaction& tx, const EmailNotification& email,
                                 TimePoint now) {
  if (!IsValidEmailAddress(email.to)) {
    return Error::InvalidArgument("not a valid e-mail address", "to", "invalid_email");
  }
  if (!email.openpgp_key.empty() &&
      (email.openpgp_key.size() > kMaxKeyBytes ||
       email.openpgp_key.find("-----BEGIN PGP PUBLIC KEY BLOCK-----") == std::string::npos)) {
    return Error::InvalidArgument("not an ASCII-armoured OpenPGP public key", "openpgp_key");
  }
  ASSIGN_OR_RETURN(RenderedMessage message,
                   RenderTemplate(email.template_name, email.language, email.params));
  boost::json::object extras;
  extras["template"] = email.template_name;
  extras["language"] = message.language;
  if (!email.openpgp_key.empty()) extras["openpgp_key"] = email.openpgp_key;
  std::string id = NewId("ntf");
  RETURN_IF_ERROR(tx.Execute(
      "INSERT INTO notifications (id, channel, recipient, subject, body, extras, status, attempts,"
      " next_attempt_at, lease_until, lease_owner, last_error, created_at, delivered_at,"
      " related_type, related_id, webhook_id)"
      " VALUES (?, 'email', ?, ?, ?, ?, 'pending', 0, ?, NULL, NULL, '', ?, NULL, ?, ?, '')",
      {id, email.to, message.subject, message.body, json::Serialize(extras), ToUnixMillis(now),
       ToUnixMillis(now), email.related_type, email.related_id}));
  return id;
}

Result<std::vector<std::string>> EnqueueWebhookEvent(store::Transaction& tx,
                                                     const WebhookEvent& event, TimePoint now) {
  if (!IsEventType(event.event_type)) {
    return Error::InvalidArgument("event type must be 1-100 characters of a-z 0-9 . _ -",
                                  "event_type");
  }
  if (event.payload_json.size() > kMaxPayloadBytes) {
    return Error::InvalidArgument("payload is larger than 1 MiB", "payload_json");
  }
  auto payload = json::Parse(event.payload_json);
  if (!payload.has_value()) {
    return Error::InvalidArgument("payload is not JSON: " + payload.error().message,
                                  "payload_json");
  }
  ASSIGN_OR_RETURN(store::Rows hooks,
                   tx.Query("SELECT id, url, events FROM webhooks"
                            " WHERE organization_id = ? AND active = 1 ORDER BY created_at, id",
                            {event.organization_id}));
  boost::json::object extras;
  extras["event"] = event.event_type;
  std::string extras_text = json::Serialize(extras);
  std::vector<std::string> ids;
  for (const store::Row& hook : hooks) {
    std::vector<std::string> filters = ParseEvents(hook.Text(2));
    bool wanted = std::any_of(filters.begin(), filters.end(), [&](const std::string& f) {
      return FilterMatches(f, event.event_type);
    });
    if (!wanted) continue;
    std::string id = NewId("ntf");
    RETURN_IF_ERROR(tx.Execute(
        "INSERT INTO notifications (id, channel, recipient, subject, body, extras, status,"
        " attempts, next_attempt_at, lease_until, lease_owner, last_error, created_at,"
        " delivered_at, related_type, related_id, webhook_id)"
        " VALUES (?, 'webhook', ?, ?, ?, ?, 'pending', 0, ?, NULL, NULL, '', ?, NULL, ?, ?, ?)",
        {id, hook.Text(1), event.event_type, event.payload_json, extras_text, ToUnixMillis(now),
         ToUnixMillis(now), event.related_type, event.related_id, hook.Text(0)}));
    ids.push_back(std::move(id));
  }
  return ids;
}

Result<OutboxStats> GetStats(store::Database& db) {
  return store::InTransaction(
      db, store::TxMode::kRead, [](store::Transaction& tx) -> Result<OutboxStats> {
        ASSIGN_OR_RETURN(store::Rows counts,
                         tx.Query("SELECT status, COUNT(*) FROM notifications GROUP BY status"));
        OutboxStats stats;
        for (const store::Row& row : counts) {
          switch (ParseStatus(row.Text(0))) {
            case DeliveryStatus::kPending:
              stats.pending += row.Int(1);
              break;
            case DeliveryStatus::kDelivering:
              stats.delivering += row.Int(1);
              break;
            case DeliveryStatus::kDelivered:
              stats.delivered += row.Int(1);
              break;
            case DeliveryStatus::kFailed:
              stats.failed += row.Int(1);
              break;
          }
        }
        ASSIGN_OR_RETURN(
            store::Rows oldest,
            tx.Query("SELECT MIN(created_at) FROM notifications WHERE status = 'pending'"));
        if (!oldest.empty() && !oldest[0].IsNull(0)) {
          stats.oldest_pending = FromUnixMillis(oldest[0].Int(0));
        }
        return stats;
      });
}

Result<std::vector<NotificationRecord>> List(store::Database& db, DeliveryStatus status,
                                             int limit) {
  limit = std::clamp(limit, 1, 1000);
  return store::InTransaction(
      db, store::TxMode::kRead,
      [&](store::Transaction& tx) -> Result<std::vector<NotificationRecord>> {
        ASSIGN_OR_RETURN(store::Rows rows,
                         tx.Query(std::string("SELECT ") + kRecordColumns +
                                      " FROM notifications WHERE status = ?"
                                      " ORDER BY created_at DESC, id DESC LIMIT ?",
                                  {DeliveryStatusName(status), limit}));
        std::vector<NotificationRecord> out;
        out.reserve(rows.size());
        for (const store::Row& row : rows) out.push_back(RecordFromRow(row));
        return out;
      });
}

Result<NotificationRecord> GetNotification(store::Database& db, const std::string& id) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<NotificationRecord> {
        ASSIGN_OR_RETURN(store::Rows rows, tx.Query(std::string("SELECT ") + kRecordColumns +
                                                        " FROM notifications WHERE id = ?",
                                                    {id}));
        if (rows.empty()) return Error::NotFound("no notification " + id);
        return RecordFromRow(rows[0]);
      });
}

Result<std::vector<DeliveryAttempt>> ListAttempts(store::Database& db, const std::string& id) {
  return store::InTransaction(
      db, store::TxMode::kRead,
      [&](store::Transaction& tx) -> Result<std::vector<DeliveryAttempt>> {
        ASSIGN_OR_RETURN(store::Rows rows,
                         tx.Query("SELECT attempt, at, ok, error FROM notification_attempts"
                                  " WHERE notification_id = ? ORDER BY at, attempt",
                                  {id}));
        std::vector<DeliveryAttempt> out;
        for (const store::Row& row : rows) {
          out.push_back({static_cast<int>(row.Int(0)), FromUnixMillis(row.Int(1)), row.Int(2) != 0,
                         row.Text(3)});
        }
        return out;
      });
}

Result<int> RequeueFailed(store::Database& db, const std::string& id, TimePoint now) {
  return store::InTransaction(
      db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<int> {
        if (!id.empty()) {
          ASSIGN_OR_RETURN(store::Rows rows,
                           tx.Query("SELECT status FROM notifications WHERE id = ?", {id}));
          if (rows.empty()) return Error::NotFound("no notification " + id);
          if (rows[0].Text(0) != "failed") {
            return Error::FailedPrecondition(
                "notification " + id + " is " + rows[0].Text(0) + ", not failed", "not_failed");
          }
        }
        std::string sql =
            "UPDATE notifications SET status = 'pending', attempts = 0, next_attempt_at = ?,"
            " lease_until = NULL, lease_owner = NULL WHERE status = 'failed'";
        store::Params params = {ToUnixMillis(now)};
        if (!id.empty()) {
          sql += " AND id = ?";
          params.emplace_back(id);
        }
        ASSIGN_OR_RETURN(std::int64_t changed, tx.Execute(sql, params));
        return static_cast<int>(changed);
      });
}

// The audited form of a webhook: never its secret.
std::string WebhookRecord(const std::string& id, const std::string& organization_id,
                          const std::string& url, const std::string& events_json) {
  boost::json::array events;
  for (const std::string& e : ParseEvents(events_json)) events.emplace_back(e);
  return json::Serialize(boost::json::object{
      {"id", id}, {"organization_id", organization_id}, {"url", url}, {"events", events}});
}

Status AuditWebhook(store::Transaction& tx, const audit::Actor& by, std::string_view action,
                    const std::string& id, const std::string& organization_id, std::string before,
                    std::string after, TimePoint now) {
  audit::AuditEvent event{by.account_id,   by.organization_id, std::string(action), "webhook", id,
                          organization_id, std::move(before),  std::move(after)};
  RETURN_IF_ERROR(audit::Append(tx, event, now));
  return OkStatus();
}

Result<RegisteredWebhook> RegisterWebhook(store::Database& db, std::string_view secret_key_hex,
                                          const audit::Actor& by,
                                          const std::string& organization_id,
                                          const std::string& url,
                                          const std::vector<std::string>& events, TimePoint now) {
  ASSIGN_OR_RETURN(std::string key, ParseNodeKey(secret_key_hex));
  if (!IsWebhookUrl(url)) {
    return Error::InvalidArgument(
        "webhook URL must be http:// or https://, without spaces, at most 2048 characters", "url");
  }
  if (events.size() > 100) return Error::InvalidArgument("at most 100 event types", "events");
  boost::json::array event_array;
  for (const std::string& e : events) {
    if (!IsEventFilter(e)) {
      return Error::InvalidArgument("not an event type or pattern: " + e, "events");
    }
    event_array.emplace_back(e);
  }
  if (event_array.empty()) event_array.emplace_back("*");
  RegisteredWebhook hook{NewId("whk"), RandomHex(32)};
  std::string sealed = SealSecret(key, hook.secret);
  const std::string events_json = json::Serialize(event_array);
  RETURN_IF_ERROR(
      store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        RETURN_IF_ERROR(tx.Execute(
            "INSERT INTO webhooks (id, organization_id, url, secret_encrypted, events, active,"
            " created_at) VALUES (?, ?, ?, ?, ?, 1, ?)",
            {hook.id, organization_id, url, sealed, events_json, ToUnixMillis(now)}));
        return AuditWebhook(tx, by, "webhook.create", hook.id, organization_id, "",
                            WebhookRecord(hook.id, organization_id, url, events_json), now);
      }));
  return hook;
}

Result<std::vector<Webhook>> ListWebhooks(store::Database& db, const std::string& organization_id) {
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<Webhook>> {
        ASSIGN_OR_RETURN(store::Rows rows,
                         tx.Query("SELECT id, organization_id, url, events, active, created_at"
                                  " FROM webhooks WHERE organization_id = ?"
                                  " ORDER BY created_at, id",
                                  {organization_id}));
        std::vector<Webhook> out;
        for (const store::Row& row : rows) {
          out.push_back({row.Text(0), row.Text(1), row.Text(2), ParseEvents(row.Text(3)),
                         row.Int(4) != 0, FromUnixMillis(row.Int(5))});
        }
        return out;
      });
}

Status DeleteWebhook(store::Database& db, const audit::Actor& by,
                     const std::string& organization_id, const std::string& webhook_id,
                     TimePoint now) {
  return store::InTransaction(db, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
    ASSIGN_OR_RETURN(
        store::Rows rows,
        tx.Query("SELECT url, events FROM webhooks WHERE id = ? AND organization_id = ?",
                 {webhook_id, organization_id}));
    if (rows.empty()) return Error::NotFound("no webhook " + webhook_id);
    RETURN_IF_ERROR(tx.Execute("DELETE FROM webhooks WHERE id = ? AND organization_id = ?",
                               {webhook_id, organization_id}));
    return AuditWebhook(
        tx, by, "webhook.delete", webhook_id, organization_id,
        WebhookRecord(webhook_id, organization_id, rows[0].Text(0), rows[0].Text(1)), "", now);
  });
}

}  // namespace liaison::notify
