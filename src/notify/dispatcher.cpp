#include "notify/dispatcher.hpp"

#include <sodium.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

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

// The most deliveries one RunOnce makes.
constexpr int kRunOnceLimit = 32;

// How many notifications a worker claims at once. Small, so that a batch claimed by a server
// that then dies waits for its lease only in small numbers, and so that the workers of all
// servers share a burst.
constexpr int kClaimBatch = 8;

// A delivery starts only while the claim has this long to run beyond the delivery timeout;
// otherwise the worker renews its lease first, so no other server can take a notification that
// is being delivered.
constexpr long long kLeaseMarginMs = 2000;

// Which notifications may be claimed: due and pending, or claimed under a lease that ran out
// (its server crashed or stalled). Parameters: due-by and now, in Unix milliseconds.
constexpr const char* kClaimable =
    "((status = 'pending' AND next_attempt_at <= ?) OR (status = 'delivering' AND lease_until < ?))";

// The one statement that claims a batch. The inner SELECT picks candidates; the outer WHERE
// repeats the condition so that, under any isolation level, a row another claimer took between
// the two is not taken again (PostgreSQL re-checks the outer WHERE on the row's newest version;
// SQLite serialises write transactions, and so does the PostgreSQL store with its write lock).
// Were writes ever allowed to run side by side on PostgreSQL, this is the single spot to add
// FOR UPDATE SKIP LOCKED to the inner SELECT, so that claimers skip each other's rows.
std::string ClaimBatchSql() {
  return std::string(
             "UPDATE notifications SET status = 'delivering', lease_until = ?, lease_owner = ?,"
             " attempts = attempts + 1"
             " WHERE id IN (SELECT id FROM notifications WHERE ") +
         kClaimable + " ORDER BY next_attempt_at, id LIMIT ?) AND " + kClaimable;
}

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

// A batch of notifications claimed together under one claim token.
struct Batch {
  std::string token;          // lease_owner of every row of the batch: unique per claim.
  long long lease_until = 0;  // Unix milliseconds.
  TimePoint due_by;           // Due-by time of the claim; retries are scheduled after it.
  std::vector<Claimed> items;
};

// What one delivery worker keeps from message to message.
struct Worker {
  std::string name;  // <instance id>/w<n>
  std::uint64_t claims = 0;
  SmtpSession smtp;
  std::unique_ptr<OpenPgpEncryptor> encryptor;
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
    foreground_.name = options_.instance_id + "/run";
  }

  ~Impl() { Stop(); }

  void Start() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    std::lock_guard lock(state_mutex_);
    if (!threads_.empty()) return;
    stopping_ = false;
    stop_requested_ = false;
    int count = std::max(1, options_.notify.workers);
    for (int i = 0; i < count; ++i) {
      auto worker = std::make_unique<Worker>();
      worker->name = options_.instance_id + "/w" + std::to_string(i + 1);
      Worker* w = worker.get();
      workers_.push_back(std::move(worker));
      threads_.emplace_back([this, w] { Loop(*w); });
    }
  }

  void Stop() {
    std::lock_guard lifecycle(lifecycle_mutex_);
    {
      std::lock_guard lock(state_mutex_);
      if (threads_.empty()) return;
      stopping_ = true;
      stop_requested_ = true;
    }
    wake_.notify_all();
    for (std::thread& t : threads_) t.join();
    std::lock_guard lock(state_mutex_);
    threads_.clear();
    workers_.clear();
    stop_requested_ = false;
  }

  Result<int> RunOnce() {
    std::lock_guard run(run_mutex_);
    // Only what was due when the run started: a notification that fails is due again later,
    // never within the same run.
    TimePoint run_start = clock_.Now();
    int attempted = 0;
    while (attempted < kRunOnceLimit && !stop_requested_) {
      ASSIGN_OR_RETURN(Batch batch,
                       Claim(foreground_, std::min(kClaimBatch, kRunOnceLimit - attempted),
                             run_start));
      if (batch.items.empty()) break;
      attempted += Process(foreground_, batch);
    }
    return attempted;
  }

 private:
  void Loop(Worker& worker) {
    while (!stop_requested_) {
      auto batch = Claim(worker, kClaimBatch, clock_.Now());
      if (batch.has_value() && !batch->items.empty()) {
        Process(worker, *batch);
        continue;
      }
      if (!batch.has_value()) LogWarn("notify: claiming failed: " + batch.error().message);
      // Idle: let the SMTP connection go rather than hold it open between bursts.
      worker.smtp.Close();
      std::unique_lock lock(state_mutex_);
      wake_.wait_for(lock, std::chrono::milliseconds(options_.notify.poll_interval_milliseconds),
                     [this] { return stopping_; });
    }
    worker.smtp.Close();
  }

  long long LeaseMs() const { return 1000LL * options_.notify.lease_seconds; }

  // Claims up to `limit` notifications due by `due_by` for `worker`. An empty batch when none is
  // due. A read transaction looks first, so that idle workers do not queue for the write lock.
  Result<Batch> Claim(Worker& worker, int limit, TimePoint due_by) {
    long long due = ToUnixMillis(due_by);
    long long now_ms = ToUnixMillis(clock_.Now());
    Batch batch;
    batch.due_by = due_by;
    ASSIGN_OR_RETURN(store::Rows any, store::InTransaction(
                                          db_, store::TxMode::kRead,
                                          [&](store::Transaction& tx) -> Result<store::Rows> {
                                            return tx.Query(
                                                std::string("SELECT id FROM notifications WHERE ") +
                                                    kClaimable + " LIMIT 1",
                                                {due, now_ms});
                                          }));
    if (any.empty()) return batch;
    batch.token = worker.name + "/" + std::to_string(++worker.claims);
    ASSIGN_OR_RETURN(
        batch.items,
        store::InTransaction(
            db_, store::TxMode::kWrite,
            [&](store::Transaction& tx) -> Result<std::vector<Claimed>> {
              // Read the time once the write lock is held: waiting for it must not eat the lease.
              now_ms = ToUnixMillis(clock_.Now());
              batch.lease_until = now_ms + LeaseMs();
              ASSIGN_OR_RETURN(std::int64_t changed,
                               tx.Execute(ClaimBatchSql(), {batch.lease_until, batch.token, due,
                                                            now_ms, limit, due, now_ms}));
              std::vector<Claimed> items;
              if (changed == 0) return items;
              ASSIGN_OR_RETURN(store::Rows rows,
                               tx.Query("SELECT id, channel, recipient, subject, body, extras,"
                                        " webhook_id, attempts FROM notifications"
                                        " WHERE lease_owner = ? AND status = 'delivering'"
                                        " ORDER BY next_attempt_at, id",
                                        {batch.token}));
              for (const store::Row& r : rows) {
                items.push_back(Claimed{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Text(4),
                                        r.Text(5), r.Text(6), static_cast<int>(r.Int(7))});
              }
              return items;
            }));
    return batch;
  }

  // Delivers the items of `batch` in order and records each outcome; hands back what is left
  // when a stop is requested. Returns how many deliveries were attempted.
  int Process(Worker& worker, Batch& batch) {
    int attempted = 0;
    std::size_t done = 0;
    std::set<std::string> lost;  // Items whose claim another server took over.
    for (; done < batch.items.size(); ++done) {
      const Claimed& item = batch.items[done];
      if (stop_requested_) break;
      auto renewed = KeepLease(batch, lost);
      if (!renewed.has_value()) {
        LogWarn("notify: cannot renew the claim " + batch.token + ": " + renewed.error().message);
        break;  // The lease runs out and the rest is claimed again.
      }
      if (lost.count(item.id)) continue;
      Outcome outcome = Deliver(worker, item);
      ++attempted;
      auto recorded = Record(batch, item, outcome, clock_.Now());
      if (!recorded.has_value()) {
        // The lease runs out and the notification is claimed again: delivered at least once.
        LogError("notify: cannot record the delivery of " + item.id + ": " +
                 recorded.error().message);
      }
    }
    if (done == batch.items.size()) return attempted;
    auto released = Release(batch);
    if (!released.has_value()) {
      LogWarn("notify: cannot hand back the claim " + batch.token + ": " +
              released.error().message);
    }
    return attempted;
  }

  // Renews the lease of the batch's remaining items when it has too little time left for one
  // more delivery; items no longer held under the batch's token are added to `lost`.
  Status KeepLease(Batch& batch, std::set<std::string>& lost) {
    long long now_ms = ToUnixMillis(clock_.Now());
    long long needed = 1000LL * options_.notify.delivery_timeout_seconds + kLeaseMarginMs;
    if (batch.lease_until - now_ms >= needed) return OkStatus();
    long long lease_until = 0;
    ASSIGN_OR_RETURN(store::Rows held,
                     store::InTransaction(
                         db_, store::TxMode::kWrite,
                         [&](store::Transaction& tx) -> Result<store::Rows> {
                           lease_until = ToUnixMillis(clock_.Now()) + LeaseMs();
                           RETURN_IF_ERROR(tx.Execute(
                               "UPDATE notifications SET lease_until = ?"
                               " WHERE lease_owner = ? AND status = 'delivering'",
                               {lease_until, batch.token}));
                           return tx.Query(
                               "SELECT id FROM notifications"
                               " WHERE lease_owner = ? AND status = 'delivering'",
                               {batch.token});
                         }));
    std::set<std::string> still;
    for (const store::Row& r : held) still.insert(r.Text(0));
    for (const Claimed& item : batch.items) {
      if (!still.count(item.id)) lost.insert(item.id);
    }
    batch.lease_until = lease_until;
    return OkStatus();
  }

  // Puts the batch's undelivered items back in the queue as they were before the claim.
  Status Release(const Batch& batch) {
    return store::InTransaction(db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
      RETURN_IF_ERROR(tx.Execute(
          "UPDATE notifications SET status = 'pending', attempts = attempts - 1,"
          " lease_until = NULL, lease_owner = NULL"
          " WHERE lease_owner = ? AND status = 'delivering'",
          {batch.token}));
      return OkStatus();
    });
  }

  Outcome Deliver(Worker& worker, const Claimed& c) {
    if (c.channel == "email") return DeliverEmail(worker, c);
    if (c.channel == "webhook") return DeliverWebhook(c);
    return Permanent("unknown channel " + c.channel);
  }

  Outcome DeliverEmail(Worker& worker, const Claimed& c) {
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
      if (!worker.encryptor) {
        auto created = OpenPgpEncryptor::Create(mail.gnupg_home);
        if (!created.has_value()) return Retry(created.error().message);
        worker.encryptor = std::move(created).value();
      }
      auto cipher = worker.encryptor->Encrypt(key, TextPlainEntity(c.body));
      if (!cipher.has_value()) {
        if (cipher.error().code == ErrorCode::kInvalidArgument) {
          return Permanent(cipher.error().message);
        }
        return Retry(cipher.error().message);
      }
      message = BuildPgpMimeMessage(headers, *cipher, "=_liaison_" + RandomHex(12));
    }
    auto sent = worker.smtp.Send(mail, envelope_from, c.recipient, message,
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

  // Records the outcome of delivering `c`, only while `batch` still holds its claim: after a
  // lost lease another server owns the row and its outcome counts.
  Status Record(const Batch& batch, const Claimed& c, const Outcome& outcome, TimePoint now) {
    std::string status = "delivered";
    long long next_attempt_at = ToUnixMillis(now);
    if (!outcome.ok) {
      if (outcome.permanent || c.attempts >= options_.notify.max_attempts) {
        status = "failed";
        LogError("notify: giving up on " + c.id + " after " + std::to_string(c.attempts) +
                 " attempts: " + outcome.error);
      } else {
        status = "pending";
        // Strictly after the claim's due-by time, so that the same run does not claim it again.
        next_attempt_at =
            std::max(ToUnixMillis(now + Backoff(c.attempts)), ToUnixMillis(batch.due_by) + 1);
        LogWarn("notify: attempt " + std::to_string(c.attempts) + " of " + c.id +
                " failed: " + outcome.error);
      }
    }
    store::Value delivered_at = outcome.ok ? store::Value(ToUnixMillis(now)) : store::Value();
    // A delivered notification keeps its metadata for operators but not its body: the message
    // has left, and the database should not keep a second copy of what it said. A pending or
    // failed one keeps it for the next attempt or a requeue.
    return store::InTransaction(db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
      ASSIGN_OR_RETURN(
          std::int64_t changed,
          tx.Execute("UPDATE notifications SET status = ?, next_attempt_at = ?, lease_until = NULL,"
                     " lease_owner = NULL, last_error = ?, delivered_at = ?,"
                     " body = CASE WHEN ? = 1 THEN '' ELSE body END"
                     " WHERE id = ? AND status = 'delivering' AND lease_owner = ?",
                     {status, next_attempt_at, outcome.error, delivered_at, outcome.ok, c.id,
                      batch.token}));
      if (changed == 0) {
        LogWarn("notify: the claim on " + c.id + " was lost before its outcome was recorded");
        return OkStatus();
      }
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO notification_attempts (notification_id, attempt, at, ok, error)"
                     " VALUES (?, ?, ?, ?, ?)",
                     {c.id, c.attempts, ToUnixMillis(now), outcome.ok, outcome.error}));
      return OkStatus();
    });
  }

  store::Database& db_;
  const Clock& clock_;
  DispatcherOptions options_;

  std::mutex run_mutex_;  // One RunOnce at a time; guards foreground_.
  Worker foreground_;     // The state RunOnce delivers with.

  std::mutex lifecycle_mutex_;  // Serialises Start and Stop.
  std::mutex state_mutex_;      // Guards threads_, workers_ and stopping_.
  std::condition_variable wake_;
  bool stopping_ = false;
  std::atomic<bool> stop_requested_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
};

Dispatcher::Dispatcher(store::Database& db, const Clock& clock, DispatcherOptions options)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options))) {}

Dispatcher::~Dispatcher() = default;

void Dispatcher::Start() { impl_->Start(); }

void Dispatcher::Stop() { impl_->Stop(); }

Result<int> Dispatcher::RunOnce() { return impl_->RunOnce(); }

}  // namespace liaison::notify
