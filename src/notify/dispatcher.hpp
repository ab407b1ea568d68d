// The Dispatcher delivers what the outbox holds: it claims due notifications with a lease,
// delivers them by SMTP or webhook outside any transaction, and records the outcome with
// exponential back-off between attempts.
#pragma once

#include <memory>
#include <string>

#include "core/config.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "store/database.hpp"

namespace liaison::notify {

struct DispatcherOptions {
  MailConfig mail;
  NotifyConfig notify;
  std::string secret_key_hex;  // security.secret_key; decrypts webhook secrets.
  std::string instance_id;     // Names this server's claims (lease_owner); unique per process.
};

// Delivers notifications from the outbox of `db`, by a background thread (Start/Stop) or by
// explicit RunOnce calls. Thread-safe; deliveries are made one at a time. Several dispatchers
// (in one or many processes) may share a database: a claim is leased, and a lease that runs out
// (a crashed server) is claimed again.
class Dispatcher {
 public:
  // `db` and `clock` must outlive the Dispatcher.
  Dispatcher(store::Database& db, const Clock& clock, DispatcherOptions options);
  // Stops the background thread if it runs.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts the background thread, which calls RunOnce every notify.poll_interval_milliseconds
  // (at once again when a run found a full batch). Does nothing when already started.
  void Start();

  // Finishes the delivery in progress, hands back the rest of its claimed batch, stops the
  // background thread and returns. Does nothing when not started.
  void Stop();

  // Claims the notifications due now (up to one batch of 32) and attempts each: delivered,
  // pending again after back-off, or failed after notify.max_attempts. Returns how many
  // deliveries were attempted. Returns the database's error when claiming fails; delivery
  // errors are recorded on the notifications, not returned.
  Result<int> RunOnce();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace liaison::notify
