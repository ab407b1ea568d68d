#include "notify/dispatcher.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/secret_box.hpp"
#include "notify/email_message.hpp"
#include "notify/openpgp.hpp"
#include "notify/transport.hpp"
#include "notify/webhook_signature.hpp"

namespace liaison::notify {
namespace {

// The most deliveries one RunOnce makes; the background thread runs again at once after a
// full batch, so a long queue drains while Stop stays responsive.
constexpr int kBatchSize = 32;

// A notification claimed for one delivery attempt.
struct Claimed {
  std::string id;
  std::string channel;
  std::string recipient;
  std::string subject;
  std::string body;
  std::string extras;
  std::string webhook_id;
  int attempts = 0;  // Including this attempt.
};

struct Outcome {
  bool ok = false;
  bool permanent = false;  // Retrying cannot help: fail now.
  std::string error;
};

Outcome Retry(std::string error) { return {false, false, std::move(error)}; }
Outcome Permanent(std::string error) { return {false, true, std::move(error)}; }

std::string ExtraString(const std::string& extras, const char* key) {
  auto parsed = json::Parse(extras);
  if (!parsed.has_value() || !parsed->is_object()) return {};
  const auto* v = parsed->as_object().if_contains(key);
  if (v == nullptr || !v->is_string()) return {};
  return std::string(v->as_string().c_str());
}

}  // namespace

class Dispatcher::Impl {
 public:
  Impl(store::Database& db, const Clock& clock, DispatcherOptions options)
      : db_(db), clock_(clock), options_(std::move(options)) {
    LIAISON_CHECK(sodium_init() >= 0);
    if (options_.instance_id.empty()) options_.instance_id = NewId("dsp");
  }

  ~Impl() { Stop(); }

  void Start() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    std::lock_guard lock(state_mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
    stop_requested_ = false;
    thread_ = std::thread([this] { Loop(); });
  }

  void Stop() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    {
      std::lock_guard lock(state_mutex_);
      if (!thread_.joinable()) return;
      stopping_ = true;
      stop_requested_ = true;
    }
    wake_.notify_all();
    thread_.join();
    std::lock_guard lock(state_mutex_);
    stop_requested_ = false;
  }

  Result<int> RunOnce() {
    std::lock_guard run(run_mutex_);
    // Only what was due when the run started: a notification that fails is due again later,
    // never within the same run.
    TimePoint run_start = clock_.Now();
    int attempted = 0;
    while (attempted < kBatchSize && !stop_requested_) {
      ASSIGN_OR_RETURN(std::optional<Claimed> claimed, ClaimOne(run_start));
      if (!claimed) break;
      Outcome outcome = Deliver(*claimed);
      ++attempted;
      auto recorded = Record(*claimed, outcome, clock_.Now(), run_start);
      if (!recorded.has_value()) {
        // The lease runs out and the notification is claimed again: delivered at least once.
        LogError("notify: cannot record the delivery of " + claimed->id + ": " +
                 recorded.error().message);
      }
    }
    return attempted;
  }

 private:
  void Loop() {
    std::unique_lock lock(state_mutex_);
    while (!stopping_) {
      lock.unlock();
      auto result = RunOnce();
      if (!result.has_value()) LogWarn("notify: dispatch failed: " + result.error().message);
      bool full = result.has_value() && *result >= kBatchSize;
      lock.lock();
      if (full) continue;
      wake_.wait_for(lock, std::chrono::milliseconds(options_.notify.poll_interval_milliseconds),
                     [this] { return stopping_; });
    }
  }

  // Claims one due notification: pending and due by `run_start`, or delivering under a lease
  // that ran out (its server crashed or stalled).
  Result<std::optional<Claimed>> ClaimOne(TimePoint run_start) {
    TimePoint now = clock_.Now();
    long long due = ToUnixMillis(run_start);
    long long now_ms = ToUnixMillis(now);
    long long lease_until =
        now_ms + 2LL * 1000 * std::max(1, options_.notify.delivery_timeout_seconds);
    return store::InTransaction(
        db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Result<std::optional<Claimed>> {
          ASSIGN_OR_RETURN(store::Rows candidates,
                           tx.Query("SELECT id FROM notifications"
                                    " WHERE (status = 'pending' AND next_attempt_at <= ?)"
                                    " OR (status = 'delivering' AND lease_until < ?)"
                                    " ORDER BY next_attempt_at, id LIMIT 4",
                                    {due, now_ms}));
          for (const store::Row& candidate : candidates) {
            // The condition is checked again so that concurrent claimers never both win.
            ASSIGN_OR_RETURN(
                std::int64_t changed,
                tx.Execute("UPDATE notifications SET status = 'delivering', lease_until = ?,"
                           " lease_owner = ?, attempts = attempts + 1 WHERE id = ?"
                           " AND ((status = 'pending' AND next_attempt_at <= ?)"
                           " OR (status = 'delivering' AND lease_until < ?))",
                           {lease_until, options_.instance_id, candidate.Text(0), due, now_ms}));
            if (changed == 0) continue;
            ASSIGN_OR_RETURN(store::Rows rows,
                             tx.Query("SELECT id, channel, recipient, subject, body, extras,"
                                      " webhook_id, attempts FROM notifications WHERE id = ?",
                                      {candidate.Text(0)}));
            LIAISON_CHECK(rows.size() == 1);
            const store::Row& r = rows[0];
            return std::optional<Claimed>(Claimed{r.Text(0), r.Text(1), r.Text(2), r.Text(3),
                                                  r.Text(4), r.Text(5), r.Text(6),
                                                  static_cast<int>(r.Int(7))});
          }
          return std::optional<Claimed>();
        });
  }

  Outcome Deliver(const Claimed& c) {
    if (c.channel == "email") return DeliverEmail(c);
    if (c.channel == "webhook") return DeliverWebhook(c);
    return Permanent("unknown channel " + c.channel);
  }

  Outcome DeliverEmail(const Claimed& c) {
    const MailConfig& mail = options_.mail;
    if (mail.from.find_first_of("\r\n") != std::string::npos) {
      return Retry("mail.from contains a line break");
    }
    std::string envelope_from = BareAddress(mail.from);
    // The sender may be a single-label domain such as the default liaison@localhost.
    bool from_ok = envelope_from.find('@') != std::string::npos &&
                   IsValidEmailAddress(envelope_from + ".invalid");
    if (!from_ok) {
      return Retry("mail.from is not a valid e-mail address: " + mail.from);
    }
    EmailHeaders headers{mail.from, c.recipient, c.subject, c.id, clock_.Now()};
    std::string message;
    std::string key = ExtraString(c.extras, "openpgp_key");
    if (key.empty()) {
      message = BuildPlainMessage(headers, c.body);
    } else {
      if (!encryptor_) {
        auto created = OpenPgpEncryptor::Create(mail.gnupg_home);
        if (!created.has_value()) return Retry(created.error().message);
        encryptor_ = std::move(created).value();
      }
      auto cipher = encryptor_->Encrypt(key, TextPlainEntity(c.body));
      if (!cipher.has_value()) {
        if (cipher.error().code == ErrorCode::kInvalidArgument) {
          return Permanent(cipher.error().message);
        }
        return Retry(cipher.error().message);
      }
      message = BuildPgpMimeMessage(headers, *cipher, "=_liaison_" + RandomHex(12));
    }
    auto sent = SendSmtp(mail, envelope_from, c.recipient, message,
                         options_.notify.delivery_timeout_seconds);
    if (!sent.has_value()) return Retry(sent.error().message);
    return {true, false, {}};
  }

  Outcome DeliverWebhook(const Claimed& c) {
    auto hook = store::InTransaction(
        db_, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<store::Rows> {
          return tx.Query("SELECT secret_encrypted, active FROM webhooks WHERE id = ?",
                          {c.webhook_id});
        });
    if (!hook.has_value()) return Retry(hook.error().message);
    if (hook->empty()) return Permanent("the webhook was deleted");
    if ((*hook)[0].Int(1) == 0) return Permanent("the webhook is inactive");
    auto key = ParseNodeKey(options_.secret_key_hex);
    if (!key.has_value()) return Retry(key.error().message);
    auto secret = OpenSecret(*key, (*hook)[0].Text(0));
    if (!secret.has_value()) return Retry(secret.error().message);

    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch());
    std::string timestamp = std::to_string(seconds.count());
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"},
        {"X-Liaison-Event", c.subject},
        {"X-Liaison-Delivery", c.id},
        {"X-Liaison-Timestamp", timestamp},
        {"X-Liaison-Signature", SignWebhook(*secret, timestamp, c.body)},
    };
    auto status = PostHttp(c.recipient, headers, c.body, options_.notify.delivery_timeout_seconds);
    if (!status.has_value()) return Retry(status.error().message);
    if (*status < 200 || *status > 299) return Retry("HTTP status " + std::to_string(*status));
    return {true, false, {}};
  }

  std::chrono::milliseconds Backoff(int attempts) const {
    double base_ms = 1000.0 * options_.notify.initial_backoff_seconds *
                     std::pow(2.0, std::clamp(attempts - 1, 0, 40));
    base_ms = std::min(base_ms, 1000.0 * options_.notify.max_backoff_seconds);
    // ±20% so that notifications that failed together do not retry together.
    double jitter = 0.8 + 0.4 * (randombytes_uniform(10001) / 10000.0);
    return std::chrono::milliseconds(std::llround(base_ms * jitter));
  }

  Status Record(const Claimed& c, const Outcome& outcome, TimePoint now, TimePoint run_start) {
    std::string status = "delivered";
    long long next_attempt_at = ToUnixMillis(now);
    if (!outcome.ok) {
      if (outcome.permanent || c.attempts >= options_.notify.max_attempts) {
        status = "failed";
        LogError("notify: giving up on " + c.id + " after " + std::to_string(c.attempts) +
                 " attempts: " + outcome.error);
      } else {
        status = "pending";
        // Strictly after the run's start, so that this run does not claim it again.
        next_attempt_at =
            std::max(ToUnixMillis(now + Backoff(c.attempts)), ToUnixMillis(run_start) + 1);
        LogWarn("notify: attempt " + std::to_string(c.attempts) + " of " + c.id +
                " failed: " + outcome.error);
      }
    }
    store::Value delivered_at = outcome.ok ? store::Value(ToUnixMillis(now)) : store::Value();
    return store::InTransaction(db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO notification_attempts (notification_id, attempt, at, ok, error)"
                     " VALUES (?, ?, ?, ?, ?)",
                     {c.id, c.attempts, ToUnixMillis(now), outcome.ok, outcome.error}));
      // Only while the claim is still ours: after a lost lease another server owns the row.
      RETURN_IF_ERROR(
          tx.Execute("UPDATE notifications SET status = ?, next_attempt_at = ?, lease_until = NULL,"
                     " lease_owner = NULL, last_error = ?, delivered_at = ?"
                     " WHERE id = ? AND status = 'delivering' AND lease_owner = ? AND attempts = ?",
                     {status, next_attempt_at, outcome.error, delivered_at, c.id,
                      options_.instance_id, c.attempts}));
      return OkStatus();
    });
  }

  store::Database& db_;
  const Clock& clock_;
  DispatcherOptions options_;

  std::mutex run_mutex_;  // One RunOnce at a time; guards encryptor_.
  std::unique_ptr<OpenPgpEncryptor> encryptor_;

  std::mutex lifecycle_mutex_;  // Serialises Start and Stop.
  std::mutex state_mutex_;      // Guards thread_ and stopping_.
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_ = false;
  std::thread thread_;
};

Dispatcher::Dispatcher(store::Database& db, const Clock& clock, DispatcherOptions options)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options))) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::Start() { impl_->Start(); }

void Dispatcher::Stop() { impl_->Stop(); }

Result<int> Dispatcher::RunOnce() { return impl_->RunOnce(); }

}  // namespace liaison::notify
