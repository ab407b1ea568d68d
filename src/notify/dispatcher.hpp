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
  NotifyConfig notify;  // Includes workers, lease_seconds and delivery_timeout_seconds.
  std::string secret_key_hex;  // security.secret_key; decrypts webhook secrets.
  std::string instance_id;     // Names this server's claims (lease_owner); unique per process.
};

// Delivers notifications from the outbox of `db`, by notify.workers background threads
// (Start/Stop) or by explicit RunOnce calls. Thread-safe. Several dispatchers, in one or many
// processes, may share a database: each claims a small batch at a time with one conditional
// UPDATE under a lease of notify.lease_seconds, records each outcome only while its claim holds,
// and a lease that runs out (a crashed server) is claimed again by any dispatcher. Delivery is
// at least once: a crash between the SMTP server's acceptance and the recording of it sends the
// message again, with the same Message-ID.
class Dispatcher {
 public:
  // `db` and `clock` must outlive the Dispatcher.
  Dispatcher(store::Database& db, const Clock& clock, DispatcherOptions options);
  // Stops the background threads if they run.
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts notify.workers background threads; each claims and delivers batches, and waits
  // notify.poll_interval_milliseconds when it found nothing due. Does nothing when started.
  void Start();

  // Lets each worker finish the delivery in progress, hands the rest of their claimed batches
  // back to the queue (pending, the attempt not counted), stops the threads and returns. Does
  // nothing when not started.
  void Stop();

  // Claims the notifications due now (up to 32, in batches) on the calling thread and attempts
  // each: delivered, pending again after back-off, or failed after notify.max_attempts. Returns
  // how many deliveries were attempted. Returns the database's error when claiming fails;
  // delivery errors are recorded on the notifications, not returned.
  Result<int> RunOnce();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace liaison::notify
