#include "cli/serve.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>

#include "api/app.hpp"
#include "cli/common.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "directory/campaigns.hpp"
#include "directory/generation_watch.hpp"
#include "http/metrics.hpp"
#include "http/server.hpp"
#include "jurisdiction/data_service.hpp"
#include "notify/dispatcher.hpp"
#include "notify/outbox.hpp"
#include "requests/deadlines.hpp"
#include "security/credential_cache.hpp"
#include "security/login_throttle.hpp"
#include "security/signing.hpp"
#include "store/scheduled_jobs.hpp"

namespace liaison::cli {
namespace {

// For integration tests only, enabled by [server] test_clock = true: the system time moved on by
// the number of seconds written in the file named by LIAISON_TEST_CLOCK_FILE (0 when the file is
// absent or empty), re-read on every reading so that a test can advance the server's time.
class TestClock final : public Clock {
 public:
  explicit TestClock(std::string path) : path_(std::move(path)) {}
  TimePoint Now() const override {
    long long offset_seconds = 0;
    std::ifstream in(path_);
    if (in) in >> offset_seconds;
    return system_.Now() + std::chrono::seconds(offset_seconds);
  }

 private:
  std::string path_;
  SystemClock system_;
};

// Loads the IP data set the manifest names when it changed, and logs the outcome.
void ReloadJurisdictionData(jurisdiction::JurisdictionService& service) {
  auto reloaded = service.ReloadIfChanged();
  if (!reloaded.has_value()) {
    LogError("jurisdiction data not loaded (the previous set stays in use): " +
             reloaded.error().message);
  } else if (*reloaded) {
    const auto& stats = service.Current()->stats();
    LogInfo("jurisdiction data " + stats.version + " loaded from " + stats.directory + " in " +
            std::to_string(stats.load_seconds) + " s");
  }
}

// The scheduled_jobs row that holds the cluster's jurisdiction data version (its state).
constexpr std::string_view kJurisdictionDataJob = "jurisdiction.data";

// The version a data directory holds: its VERSION file's first line, else its name.
std::string DataDirectoryVersion(const std::filesystem::path& directory) {
  std::ifstream in(directory / jurisdiction::kVersionFile);
  std::string line;
  if (in && std::getline(in, line)) {
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
    if (!line.empty()) return line;
  }
  return directory.filename().string();
}

// Brings this server's IP data set in line with the cluster's. Each server holds the data set in
// its own memory, so this runs on every server at every tick (it is not a claimed job): a server
// first loads what its own manifest names (as a single server does), and records its version as
// the cluster's when it is newer; a server whose version is older than the cluster's loads that
// version from its own data directory when it has it there, and says so in its log when not.
void SyncJurisdictionData(store::Database& db, jurisdiction::JurisdictionService& service,
                          const std::string& data_root, TimePoint now) {
  ReloadJurisdictionData(service);
  auto current = service.Current();
  std::string loaded = current ? current->stats().version : std::string();
  if (!loaded.empty()) {
    auto raised = store::RaiseJobState(db, kJurisdictionDataJob, loaded, now);
    if (!raised.has_value()) {
      LogWarn("scheduler: cannot record the jurisdiction data version: " +
              raised.error().message);
      return;
    }
    if (*raised) LogInfo("jurisdiction data " + loaded + " is now the cluster's data set");
  }
  auto wanted = store::JobState(db, kJurisdictionDataJob);
  if (!wanted.has_value() || wanted->empty() || *wanted <= loaded) return;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(data_root, ec)) {
    if (!entry.is_directory() || DataDirectoryVersion(entry.path()) != *wanted) continue;
    auto updated = jurisdiction::UpdateDataSet(data_root, entry.path().string(), now);
    if (!updated.has_value()) {
      LogError("jurisdiction data " + *wanted + " in " + entry.path().string() +
               " cannot be loaded: " + updated.error().message);
      return;
    }
    ReloadJurisdictionData(service);
    return;
  }
  LogWarn("jurisdiction data " + *wanted + " is the cluster's data set but " + data_root +
          " on this server does not hold it (this server keeps " +
          (loaded.empty() ? std::string("none") : loaded) + "); fetch it here");
}

// Runs scheduled work every `period` until stopped. Work on shared records (closing campaigns
// past their deadline, handling request deadlines) runs once across every server sharing the
// database: each job is claimed in scheduled_jobs and only the winner runs it. Keeping this
// server's IP data set current runs here on every server.
class Scheduler {
 public:
  Scheduler(store::Database& db, const Clock& clock, std::chrono::seconds period,
            std::chrono::seconds lease, requests::RequestSettings settings,
            jurisdiction::JurisdictionService& jurisdiction, std::string data_root,
            std::string holder)
      : db_(db),
        clock_(clock),
        period_(period),
        lease_(std::max(2 * period, lease)),
        settings_(std::move(settings)),
        jurisdiction_(jurisdiction),
        data_root_(std::move(data_root)),
        holder_(std::move(holder)) {}
  void Start() {
    thread_ = std::thread([this] { Loop(); });
  }
  void Stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Runs `job` when this server wins the due run of job `name`.
  template <typename Job>
  void RunOnceAcrossServers(std::string_view name, Job job) {
    // A holder that died mid-run blocks the job until its lease ends; the jobs take far less.
    auto won = store::ClaimDueJob(db_, {name, holder_, period_, lease_}, clock_.Now());
    if (!won.has_value()) {
      LogWarn("scheduler: cannot claim " + std::string(name) + ": " + won.error().message);
      return;
    }
    if (!won->has_value()) return;
    // Tests read this line to check that each run of a job happens on exactly one server.
    LogInfo("scheduler: running " + std::string(name) + " due " + FormatRfc3339(**won));
    job();
    auto finished = store::FinishJob(db_, name, holder_, clock_.Now());
    if (!finished.has_value()) {
      LogWarn("scheduler: cannot finish " + std::string(name) + ": " +
              finished.error().message);
    }
  }

  void Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      RunOnceAcrossServers("directory.campaign_deadlines", [this] {
        auto closed = directory::CloseDueCampaigns(db_, clock_.Now());
        if (!closed.has_value()) LogWarn("scheduler: " + closed.error().message);
      });
      RunOnceAcrossServers("requests.deadlines", [this] {
        auto deadlines = requests::RunDeadlines(db_, settings_, clock_.Now());
        if (!deadlines.has_value()) LogWarn("scheduler: " + deadlines.error().message);
      });
      SyncJurisdictionData(db_, jurisdiction_, data_root_, clock_.Now());
      lock.lock();
      wake_.wait_for(lock, period_, [this] { return stopping_; });
    }
  }
  store::Database& db_;
  const Clock& clock_;
  std::chrono::seconds period_;
  std::chrono::seconds lease_;
  requests::RequestSettings settings_;
  jurisdiction::JurisdictionService& jurisdiction_;
  std::string data_root_;
  std::string holder_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

Status WriteReadyFile(const std::string& path, int port) {
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << port << "\n";
    if (!out) return Error::Internal("cannot write " + temp);
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) return Error::Internal("cannot write " + path + ": " + ec.message());
  return OkStatus();
}

}  // namespace

int Serve(const ServeOptions& options) {
  // Block the shutdown signals in every thread; one thread waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGHUP);  // Reload the IP data set now.
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto config = LoadConfigOrReport(options.config_path);
  if (!config) return 1;
  ConfigureLogging(config->log);
  auto db = OpenDatabase(*config, /*require_migrated=*/true);
  if (!db) return 1;

  SystemClock system_clock;
  std::unique_ptr<TestClock> test_clock;
  if (config->server.test_clock) {
    const char* file = std::getenv("LIAISON_TEST_CLOCK_FILE");
    if (file == nullptr || *file == '\0') {
      std::cerr << "liaison: server.test_clock is on but LIAISON_TEST_CLOCK_FILE is not set\n";
      return 1;
    }
    LogWarn(std::string("server.test_clock is on: time is offset by the seconds in ") + file +
            " (never in production)");
    test_clock = std::make_unique<TestClock>(file);
  }
  const Clock& clock = test_clock ? static_cast<const Clock&>(*test_clock) : system_clock;
  // Receipts need the node's signing key: without it (no security.secret_key, or one that does
  // not open the stored key) the server does not start.
  auto signer = security::Signer::LoadOrCreate(*db, config->security.secret_key, clock);
  if (!signer.has_value()) {
    ReportError(signer.error());
    return 1;
  }
  LogInfo("signing receipts with key " + signer->key_id());
  security::LoginThrottle throttle(security::LoginThrottle::Options{
      .max_failures = config->security.login_max_failures,
      .window = std::chrono::seconds(config->security.login_window_seconds)});
  jurisdiction::JurisdictionService jurisdiction(config->jurisdiction.data_dir, clock);
  ReloadJurisdictionData(jurisdiction);
  http::ResponseCache directory_cache(
      static_cast<std::size_t>(config->server.response_cache_bytes));
  // Only with the cache, which is keyed on the generation: while the watch exists,
  // directory::DirectoryGeneration answers through it.
  std::unique_ptr<directory::GenerationWatch> generation_watch;
  if (config->server.response_cache_bytes > 0) {
    generation_watch = std::make_unique<directory::GenerationWatch>(*db, config->database.url);
  }
  // Verified bearer tokens, remembered until the security generation moves (docs/security.md).
  security::CredentialCache credentials(*db, config->database.url);
  api::AppContext app{db.get(), &clock,        &*config,        &throttle,
                      &*signer, &jurisdiction, &directory_cache, &credentials};
  http::Metrics metrics;
  api::AddGaugeSources(app, metrics);
  http::Router router = api::BuildRouter(app, metrics);

  http::ServerOptions server_options = http::ServerOptionsFrom(config->server);
  for (const char* bulk : {"/api/v1/jurisdiction/lookup", "/api/v1/jurisdiction/reports"}) {
    server_options.body_limit_overrides.emplace_back(bulk,
                                                     config->jurisdiction.bulk_body_limit_bytes);
  }
  // An attachment is the raw body of its upload: the node's attachment limit is its body limit.
  server_options.body_limit_overrides.emplace_back("/api/v1/requests/{id}/attachments",
                                                   config->requests.attachment_max_bytes);

  auto server = http::Server::Create(server_options, router, metrics);
  if (!server.has_value()) {
    std::cerr << "liaison: cannot listen on " << config->server.host << ":" << config->server.port
              << ": " << server.error().message << "\n";
    return 1;
  }

  // Names this process in outbox claims and scheduled-job leases.
  std::string instance_id = NewId("srv");
  LogInfo("server instance " + instance_id);
  notify::Dispatcher dispatcher(*db, clock,
                                notify::DispatcherOptions{config->mail, config->notify,
                                                          config->security.secret_key,
                                                          instance_id});
  dispatcher.Start();
  Scheduler scheduler(*db, clock, std::chrono::seconds(config->server.scheduler_interval_seconds),
                      std::chrono::seconds(config->server.scheduler_lease_seconds),
                      requests::SettingsFrom(*config), jurisdiction, config->jurisdiction.data_dir,
                      instance_id);
  scheduler.Start();

  std::atomic<bool> stopped = false;
  std::thread signal_thread([&] {
    timespec tick{0, 200'000'000};
    while (!stopped) {
      int sig = sigtimedwait(&signals, nullptr, &tick);
      if (sig == SIGHUP) {
        LogInfo("received SIGHUP, reloading the jurisdiction data");
        ReloadJurisdictionData(jurisdiction);
        continue;
      }
      if (sig == SIGTERM || sig == SIGINT) {
        LogInfo(std::string("received ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT") +
                ", shutting down");
        (*server)->Stop();
        return;
      }
    }
  });

  int port = (*server)->port();
  LogInfo("listening on " + config->server.host + ":" + std::to_string(port) +
          (config->server.tls_certificate.empty() ? " (http)" : " (https)"));
  if (!options.ready_file.empty()) {
    auto written = WriteReadyFile(options.ready_file, port);
    if (!written.has_value()) LogError(written.error().message);
  }
  (*server)->Run();
  stopped = true;
  signal_thread.join();
  scheduler.Stop();
  dispatcher.Stop();
  LogInfo("stopped");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace liaison::cli
