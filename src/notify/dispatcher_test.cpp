#include "notify/dispatcher.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "audit/audit_log.hpp"
#include "core/ids.hpp"
#include "core/json.hpp"
#include "notify/outbox.hpp"
#include "store/migrations.hpp"

namespace liaison::notify {
namespace {

const audit::Actor kActor{"acc_fr_policy", "org_fr"};

namespace fs = std::filesystem;

std::string SourceDir() {
  const char* dir = std::getenv("LIAISON_SOURCE_DIR");
  return dir ? dir : LIAISON_TEST_SOURCE_DIR;
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteFile(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A test sink (tests/support/*.py) run as a child process on a free loopback port.
class Sink {
 public:
  Sink(const std::string& script, const fs::path& folder) : folder_(folder) {
    fs::create_directories(folder);
    int fds[2];
    LIAISON_CHECK(pipe(fds) == 0);
    std::string path = SourceDir() + "/tests/support/" + script;
    std::string dir = folder.string();
    pid_ = fork();
    LIAISON_CHECK(pid_ >= 0);
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      close(fds[1]);
      execl("/usr/bin/python3", "python3", path.c_str(), "--port", "0", "--dir", dir.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~Sink() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    if (out_) fclose(out_);
  }
  // The port the sink listens on, once it listens (its first line of output); 0 if it failed.
  // Reading it lazily lets several sinks start in parallel.
  int port() {
    if (port_ == 0 && out_ != nullptr) {
      char line[128] = {0};
      if (fgets(line, sizeof line, out_) != nullptr) std::sscanf(line, "port: %d", &port_);
    }
    return port_;
  }
  const fs::path& folder() const { return folder_; }
  // The files named <n><suffix>, in order.
  std::vector<fs::path> Files(const std::string& suffix) const {
    std::vector<fs::path> files;
    for (int n = 1; fs::exists(folder_ / (std::to_string(n) + suffix)); ++n) {
      files.push_back(folder_ / (std::to_string(n) + suffix));
    }
    return files;
  }

 private:
  fs::path folder_;
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  int port_ = 0;
};

// A loopback port with nothing listening on it.
int ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  LIAISON_CHECK(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t length = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  close(fd);
  return ntohs(addr.sin_port);
}

int RunShell(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The value of header `name` of the message `eml` (unfolded), or "" when absent.
std::string Header(const std::string& eml, const std::string& name) {
  std::string head = eml.substr(0, eml.find("\r\n\r\n") + 2);
  std::size_t pos = 0;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (head.compare(pos, name.size() + 2, name + ": ") == 0) {
      std::string value = head.substr(pos + name.size() + 2, end - pos - name.size() - 2);
      while (end + 2 < head.size() && (head[end + 2] == ' ' || head[end + 2] == '\t')) {
        std::size_t next = head.find("\r\n", end + 2);
        value += head.substr(end + 2, next - end - 2);
        end = next;
      }
      return value;
    }
    pos = end + 2;
  }
  return {};
}

std::string DecodeEncodedWords(const std::string& value) {
  std::string out;
  std::size_t pos = 0;
  while ((pos = value.find("=?UTF-8?B?", pos)) != std::string::npos) {
    std::size_t end = value.find("?=", pos + 10);
    std::string b64 = value.substr(pos + 10, end - pos - 10);
    std::string bytes(b64.size(), '\0');
    std::size_t length = 0;
    sodium_base642bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), b64.data(),
                      b64.size(), nullptr, &length, nullptr, sodium_base64_VARIANT_ORIGINAL);
    out += bytes.substr(0, length);
    pos = end + 2;
  }
  return out;
}

std::string Body(const std::string& eml) { return eml.substr(eml.find("\r\n\r\n") + 4); }

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/liaison-notify-test-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    db_path_ = dir_ / "liaison.db";
    auto db = store::Open("sqlite://" + db_path_.string(), 2);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(db).value();
    std::vector<store::Migration> migrations = audit::Migrations();
    for (auto& m : Migrations()) migrations.push_back(std::move(m));
    auto applied = store::ApplyMigrations(*db_, migrations, clock_.Now());
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
    smtp_ = std::make_unique<Sink>("smtp_sink.py", dir_ / "mail");
    webhooks_ = std::make_unique<Sink>("webhook_sink.py", dir_ / "webhooks");
    ASSERT_GT(smtp_->port(), 0);
    ASSERT_GT(webhooks_->port(), 0);
    options_.mail.smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp_->port());
    options_.mail.from = "liaison@node.test";
    options_.mail.starttls = "none";
    options_.notify.max_attempts = 3;
    options_.notify.initial_backoff_seconds = 30;
    options_.notify.max_backoff_seconds = 3600;
    options_.notify.delivery_timeout_seconds = 10;
    options_.secret_key_hex = RandomHex(32);
    options_.instance_id = "test-instance";
  }

  void TearDown() override {
    smtp_.reset();
    webhooks_.reset();
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Queues `email` in its own committed transaction.
  std::string Enqueue(const EmailNotification& email) {
    auto id = store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return EnqueueEmail(tx, email, clock_.Now());
    });
    EXPECT_TRUE(id.has_value()) << id.error().message;
    return id.value_or("");
  }

  static EmailNotification FrenchPing() {
    EmailNotification email;
    email.to = "amelie.dupont@cert.example.fr";
    email.template_name = "ping.request";
    email.language = "fr";
    email.params = {{"contact_name", "Amélie Dupont"},
                    {"organization", "CERT-FR"},
                    {"level", "technique"},
                    {"state", "France"},
                    {"ack_url", "https://node.test/ack/k1"},
                    {"deadline", "2026-12-01T12:00:00Z"}};
    email.related_type = "ping_campaign";
    email.related_id = "png_1";
    return email;
  }

  NotificationRecord Get(const std::string& id) {
    auto record = GetNotification(*db_, id);
    EXPECT_TRUE(record.has_value());
    return record.value_or(NotificationRecord{});
  }

  // The body stored in the outbox for `id`.
  std::string StoredBody(const std::string& id) {
    auto body = store::InTransaction(
        *db_, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::string> {
          ASSIGN_OR_RETURN(store::Rows rows,
                           tx.Query("SELECT body FROM notifications WHERE id = ?", {id}));
          if (rows.empty()) return Error::NotFound("no notification " + id);
          return rows[0].Text(0);
        });
    EXPECT_TRUE(body.has_value());
    return body.value_or("");
  }

  fs::path dir_;
  fs::path db_path_;
  ManualClock clock_{FromUnixMillis(1795932000000)};  // 2026-11-29T06:00:00Z
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Sink> smtp_;
  std::unique_ptr<Sink> webhooks_;
  DispatcherOptions options_;
};

TEST_F(DispatcherTest, EmailQueuedInARolledBackTransactionIsNeverSent) {
  Status rolled_back =
      store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        auto id = EnqueueEmail(tx, FrenchPing(), clock_.Now());
        EXPECT_TRUE(id.has_value());
        return Error::Internal("the change failed");
      });
  ASSERT_FALSE(rolled_back.has_value());
  Dispatcher dispatcher(*db_, clock_, options_);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0);
  EXPECT_TRUE(smtp_->Files(".eml").empty());
  EXPECT_EQ(GetStats(*db_)->pending, 0);
}

TEST_F(DispatcherTest, CommittedEmailArrivesOnceInFrenchWithItsHeaders) {
  std::string id = Enqueue(FrenchPing());
  EXPECT_EQ(GetStats(*db_)->pending, 1);
  EXPECT_NE(StoredBody(id).find("Amélie Dupont"), std::string::npos);
  Dispatcher dispatcher(*db_, clock_, options_);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0);
  auto files = smtp_->Files(".eml");
  ASSERT_EQ(files.size(), 1u);
  std::string eml = ReadFile(files[0]);
  EXPECT_EQ(Header(eml, "From"), "liaison@node.test");
  EXPECT_EQ(Header(eml, "To"), "amelie.dupont@cert.example.fr");
  EXPECT_EQ(Header(eml, "Date"), "Sun, 29 Nov 2026 06:00:00 +0000");
  EXPECT_EQ(Header(eml, "Message-ID"), "<" + id + "@liaison>");
  EXPECT_EQ(Header(eml, "X-Liaison-Notification"), id);
  EXPECT_EQ(Header(eml, "MIME-Version"), "1.0");
  EXPECT_EQ(Header(eml, "Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(Header(eml, "Content-Transfer-Encoding"), "8bit");
  EXPECT_EQ(DecodeEncodedWords(Header(eml, "Subject")),
            "Vérification de joignabilité depuis le nœud liaison");
  std::string body = Body(eml);
  EXPECT_EQ(body.rfind("Bonjour Amélie Dupont,\r\n\r\nCERT-FR figure dans l'annuaire liaison comme"
                       " point de contact de niveau technique pour France.\r\n",
                       0),
            0u)
      << body;
  EXPECT_NE(body.find("\r\nhttps://node.test/ack/k1\r\n"), std::string::npos);
  EXPECT_NE(body.find("avant le 2026-12-01T12:00:00Z"), std::string::npos);

  NotificationRecord record = Get(id);
  EXPECT_EQ(record.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(record.attempts, 1);
  EXPECT_EQ(record.delivered_at, clock_.Now());
  EXPECT_EQ(record.related_id, "png_1");
  EXPECT_EQ(StoredBody(id), "") << "a delivered message's body is not kept";
  auto stats = GetStats(*db_);
  EXPECT_EQ(stats->delivered, 1);
  EXPECT_EQ(stats->pending, 0);
  auto delivered = List(*db_, DeliveryStatus::kDelivered, 10);
  ASSERT_EQ(delivered->size(), 1u);
  EXPECT_EQ((*delivered)[0].subject, "Vérification de joignabilité depuis le nœud liaison");
}

TEST_F(DispatcherTest, EnqueueRejectsMalformedAddressesAndHeaderInjection) {
  for (const char* to : {"not an address", "a@example.org\r\nBcc: victim@example.org", ""}) {
    EmailNotification email = FrenchPing();
    email.to = to;
    auto result = store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return EnqueueEmail(tx, email, clock_.Now());
    });
    ASSERT_FALSE(result.has_value()) << to;
    EXPECT_EQ(result.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(result.error().field, "to");
  }
  EmailNotification missing = FrenchPing();
  missing.params.erase("ack_url");
  auto result = store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
    return EnqueueEmail(tx, missing, clock_.Now());
  });
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().field, "params.ack_url");
}

TEST_F(DispatcherTest, EncryptedEmailArrivesAsPgpMimeAndDecryptsWithTheRecipientsKey) {
  fs::path home = dir_ / "gpg";
  fs::create_directories(home);
  fs::permissions(home, fs::perms::owner_all);
  std::string gpg = "GNUPGHOME='" + home.string() + "' gpg --batch --quiet --no-tty";
  ASSERT_EQ(RunShell(gpg + " --pinentry-mode loopback --passphrase '' --quick-gen-key"
                           " 'CERT Test <cert@example.org>' default default never 2>/dev/null"),
            0);
  ASSERT_EQ(
      RunShell(gpg + " --armor --export cert@example.org > '" + (dir_ / "pub.asc").string() + "'"),
      0);
  EmailNotification email = FrenchPing();
  email.to = "cert@example.org";
  email.openpgp_key = ReadFile(dir_ / "pub.asc");
  ASSERT_NE(email.openpgp_key.find("BEGIN PGP PUBLIC KEY BLOCK"), std::string::npos);
  std::string id = Enqueue(email);

  {
    Dispatcher dispatcher(*db_, clock_, options_);
    ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  }
  NotificationRecord record = Get(id);
  ASSERT_EQ(record.status, DeliveryStatus::kDelivered) << record.last_error;
  auto files = smtp_->Files(".eml");
  ASSERT_EQ(files.size(), 1u);
  std::string eml = ReadFile(files[0]);
  std::string content_type = Header(eml, "Content-Type");
  EXPECT_EQ(content_type.rfind("multipart/encrypted; protocol=\"application/pgp-encrypted\";", 0),
            0u)
      << content_type;
  EXPECT_EQ(Header(eml, "Message-ID"), "<" + id + "@liaison>");
  EXPECT_NE(eml.find("Content-Type: application/pgp-encrypted\r\n"), std::string::npos);
  EXPECT_NE(eml.find("Version: 1\r\n"), std::string::npos);
  EXPECT_EQ(eml.find("Amélie"), std::string::npos) << "the body must not travel in clear";

  std::size_t begin = eml.find("-----BEGIN PGP MESSAGE-----");
  std::size_t end = eml.find("-----END PGP MESSAGE-----");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  WriteFile(dir_ / "message.asc", eml.substr(begin, end + 25 - begin) + "\r\n");
  ASSERT_EQ(RunShell(gpg + " --pinentry-mode loopback --passphrase '' --decrypt '" +
                     (dir_ / "message.asc").string() + "' > '" + (dir_ / "plain.txt").string() +
                     "' 2>/dev/null"),
            0);
  (void)RunShell("gpgconf --homedir '" + home.string() + "' --kill all 2>/dev/null");
  std::string plain = ReadFile(dir_ / "plain.txt");
  EXPECT_EQ(plain.rfind("Content-Type: text/plain; charset=utf-8\r\n", 0), 0u) << plain;
  EXPECT_NE(plain.find("\r\n\r\nBonjour Amélie Dupont,\r\n"), std::string::npos) << plain;
}

TEST_F(DispatcherTest, UndeliverableEmailIsRetriedWithBackoffThenFails) {
  options_.mail.smtp_url = "smtp://127.0.0.1:" + std::to_string(ClosedPort());
  std::string id = Enqueue(FrenchPing());
  Dispatcher dispatcher(*db_, clock_, options_);
  TimePoint start = clock_.Now();

  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord first = Get(id);
  EXPECT_EQ(first.status, DeliveryStatus::kPending);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_FALSE(first.last_error.empty());
  // 30 s ± 20 %.
  EXPECT_GE(first.next_attempt_at, start + std::chrono::seconds(24));
  EXPECT_LE(first.next_attempt_at, start + std::chrono::seconds(36));
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0) << "not due yet";

  clock_.Set(first.next_attempt_at);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord second = Get(id);
  EXPECT_EQ(second.status, DeliveryStatus::kPending);
  EXPECT_EQ(second.attempts, 2);
  // 60 s ± 20 % after the second attempt.
  EXPECT_GE(second.next_attempt_at, clock_.Now() + std::chrono::seconds(48));
  EXPECT_LE(second.next_attempt_at, clock_.Now() + std::chrono::seconds(72));

  clock_.Set(second.next_attempt_at);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord third = Get(id);
  EXPECT_EQ(third.status, DeliveryStatus::kFailed);
  EXPECT_EQ(third.attempts, 3);
  EXPECT_NE(StoredBody(id).find("Amélie Dupont"), std::string::npos)
      << "a failed message keeps its body for a requeue";
  clock_.Advance(std::chrono::hours(24));
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0) << "failed is final";

  auto attempts = ListAttempts(*db_, id);
  ASSERT_TRUE(attempts.has_value());
  ASSERT_EQ(attempts->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*attempts)[i].attempt, i + 1);
    EXPECT_FALSE((*attempts)[i].ok);
    EXPECT_FALSE((*attempts)[i].error.empty());
  }
  EXPECT_EQ((*attempts)[0].at, start);
  EXPECT_EQ(GetStats(*db_)->failed, 1);
  EXPECT_EQ(List(*db_, DeliveryStatus::kFailed, 10)->size(), 1u);

  // The operator fixes the mail server and requeues.
  EXPECT_EQ(RequeueFailed(*db_, "ntf_nonexistent", clock_.Now()).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(RequeueFailed(*db_, id, clock_.Now()).value_or(-1), 1);
  EXPECT_EQ(RequeueFailed(*db_, id, clock_.Now()).error().code, ErrorCode::kFailedPrecondition);
  options_.mail.smtp_url = "smtp://127.0.0.1:" + std::to_string(smtp_->port());
  options_.mail.from = "Liaison node <liaison@localhost>";
  Dispatcher fixed(*db_, clock_, options_);
  ASSERT_EQ(fixed.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Get(id).status, DeliveryStatus::kDelivered) << Get(id).last_error;
  auto files = smtp_->Files(".eml");
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(Header(ReadFile(files[0]), "From"), "Liaison node <liaison@localhost>");
}

TEST_F(DispatcherTest, ExpiredLeaseIsClaimedAgainButALiveOneIsNot) {
  std::string id = Enqueue(FrenchPing());
  // A server claimed it and crashed before recording the outcome.
  long long lease_until = ToUnixMillis(clock_.Now() + std::chrono::seconds(20));
  ASSERT_TRUE(store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
                return tx.Execute(
                    "UPDATE notifications SET status = 'delivering', attempts = 1,"
                    " lease_until = ?, lease_owner = 'crashed-server' WHERE id = ?",
                    {lease_until, id});
              }).has_value());
  Dispatcher dispatcher(*db_, clock_, options_);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0) << "the lease still runs";
  EXPECT_EQ(GetStats(*db_)->delivering, 1);

  clock_.Advance(std::chrono::seconds(21));
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord record = Get(id);
  EXPECT_EQ(record.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(record.attempts, 2);
  EXPECT_EQ(smtp_->Files(".eml").size(), 1u);
}

class WebhookTest : public DispatcherTest {
 protected:
  std::string HookUrl() {
    return "http://127.0.0.1:" + std::to_string(webhooks_->port()) + "/liaison";
  }

  std::vector<std::string> Publish(const std::string& org, const std::string& type,
                                   const std::string& payload) {
    auto ids = store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) {
      return EnqueueWebhookEvent(tx, {org, type, payload, "ping_campaign", "png_1"}, clock_.Now());
    });
    EXPECT_TRUE(ids.has_value()) << ids.error().message;
    return ids.value_or(std::vector<std::string>{});
  }

  static std::string Hmac(const std::string& key, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    return ToHex(std::string_view(reinterpret_cast<const char*>(digest), length));
  }
};

TEST_F(WebhookTest, DeliveryArrivesWithASignatureTheReceiverCanCheck) {
  auto hook = RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(),
                              {"ping.*"}, clock_.Now());
  ASSERT_TRUE(hook.has_value()) << hook.error().message;
  EXPECT_EQ(hook->secret.size(), 64u);
  auto other = RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(),
                               {"request.created"}, clock_.Now());
  ASSERT_TRUE(other.has_value());
  std::string payload = R"({"campaign":"png_1","state":"FR","note":"é"})";
  std::vector<std::string> ids = Publish("org_fr", "ping.started", payload);
  ASSERT_EQ(ids.size(), 1u) << "only the webhook subscribed to ping.* gets it";
  EXPECT_TRUE(Publish("org_de", "ping.started", payload).empty());

  Dispatcher dispatcher(*db_, clock_, options_);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  auto files = webhooks_->Files(".json");
  ASSERT_EQ(files.size(), 1u);
  auto stored = json::Parse(ReadFile(files[0]));
  ASSERT_TRUE(stored.has_value());
  const auto& request = stored->as_object();
  const auto& headers = request.at("headers").as_object();
  std::string body(request.at("body").as_string().c_str());
  EXPECT_EQ(body, payload);
  EXPECT_EQ(request.at("path").as_string(), "/liaison");
  EXPECT_EQ(headers.at("Content-Type").as_string(), "application/json");
  EXPECT_EQ(headers.at("X-Liaison-Event").as_string(), "ping.started");
  EXPECT_EQ(headers.at("X-Liaison-Delivery").as_string(), ids[0]);
  std::string timestamp(headers.at("X-Liaison-Timestamp").as_string().c_str());
  EXPECT_EQ(timestamp, "1795932000");
  EXPECT_EQ(std::string(headers.at("X-Liaison-Signature").as_string().c_str()),
            "sha256=" + Hmac(hook->secret, timestamp + "." + body));
  EXPECT_EQ(Get(ids[0]).status, DeliveryStatus::kDelivered);
}

TEST_F(WebhookTest, NonSuccessAnswerIsRetried) {
  auto hook =
      RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(), {}, clock_.Now());
  ASSERT_TRUE(hook.has_value());
  WriteFile(webhooks_->folder() / "next_status", "503");
  std::vector<std::string> ids = Publish("org_fr", "request.created", R"({"id":"req_1"})");
  ASSERT_EQ(ids.size(), 1u);
  Dispatcher dispatcher(*db_, clock_, options_);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord first = Get(ids[0]);
  EXPECT_EQ(first.status, DeliveryStatus::kPending);
  EXPECT_EQ(first.last_error, "HTTP status 503");

  clock_.Set(first.next_attempt_at);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  NotificationRecord second = Get(ids[0]);
  EXPECT_EQ(second.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(second.attempts, 2);
  auto files = webhooks_->Files(".json");
  ASSERT_EQ(files.size(), 2u);
  // The retry is a new signature over a new timestamp, for the same delivery id.
  auto retry = json::Parse(ReadFile(files[1]));
  EXPECT_EQ(retry->as_object().at("headers").as_object().at("X-Liaison-Delivery").as_string(),
            ids[0]);
}

TEST_F(WebhookTest, SecretIsStoredOnlyEncrypted) {
  auto hook = RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(),
                              {"ping.*"}, clock_.Now());
  ASSERT_TRUE(hook.has_value());
  auto listed = ListWebhooks(*db_, "org_fr");
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, hook->id);
  EXPECT_EQ((*listed)[0].events, std::vector<std::string>{"ping.*"});

  std::string raw(32, '\0');
  std::size_t length = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hook->secret.data(),
                 hook->secret.size(), nullptr, &length, nullptr);
  std::string files;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    files += ReadFile(db_path_.string() + suffix);
  }
  ASSERT_NE(files.find(hook->id), std::string::npos) << "the webhook row is in the files read";
  EXPECT_EQ(files.find(hook->secret), std::string::npos);
  EXPECT_EQ(files.find(raw), std::string::npos);

  EXPECT_EQ(DeleteWebhook(*db_, kActor, "org_other", hook->id, clock_.Now()).error().code,
            ErrorCode::kNotFound);
  EXPECT_TRUE(DeleteWebhook(*db_, kActor, "org_fr", hook->id, clock_.Now()).has_value());
  EXPECT_TRUE(ListWebhooks(*db_, "org_fr")->empty());

  // Both changes are audited, by who made them, without the secret.
  audit::AuditQuery query;
  query.record_id = hook->id;
  auto entries = audit::List(*db_, query);
  ASSERT_TRUE(entries.has_value());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].action, "webhook.create");
  EXPECT_EQ((*entries)[1].action, "webhook.delete");
  EXPECT_EQ((*entries)[1].account_id, "acc_fr_policy");
  EXPECT_EQ((*entries)[1].owner_organization_id, "org_fr");
  auto verified = audit::Verify(*db_);
  ASSERT_TRUE(verified.has_value());
  EXPECT_TRUE(verified->ok);
}

TEST_F(WebhookTest, RegistrationNeedsTheNodeKeyAndAnHttpUrl) {
  auto no_key = RegisterWebhook(*db_, "", kActor, "org_fr", HookUrl(), {}, clock_.Now());
  ASSERT_FALSE(no_key.has_value());
  EXPECT_EQ(no_key.error().code, ErrorCode::kFailedPrecondition);
  for (const char* url : {"ftp://example.org/", "http://", "https://exa mple.org/",
                          "javascript:alert(1)", "https://example.org/\r\nX: y"}) {
    auto bad =
        RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", url, {}, clock_.Now());
    ASSERT_FALSE(bad.has_value()) << url;
    EXPECT_EQ(bad.error().field, "url");
  }
  auto bad_event = RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(),
                                   {"Ping!"}, clock_.Now());
  ASSERT_FALSE(bad_event.has_value());
  EXPECT_EQ(bad_event.error().field, "events");
}

TEST_F(WebhookTest, DeletedWebhookFailsItsPendingDeliveries) {
  auto hook =
      RegisterWebhook(*db_, options_.secret_key_hex, kActor, "org_fr", HookUrl(), {}, clock_.Now());
  ASSERT_TRUE(hook.has_value());
  std::vector<std::string> ids = Publish("org_fr", "ping.started", "{}");
  ASSERT_EQ(ids.size(), 1u);
  ASSERT_TRUE(DeleteWebhook(*db_, kActor, "org_fr", hook->id, clock_.Now()).has_value());
  Dispatcher dispatcher(*db_, clock_, options_);
  ASSERT_EQ(dispatcher.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Get(ids[0]).status, DeliveryStatus::kFailed);
  EXPECT_TRUE(webhooks_->Files(".json").empty());
}

// Two servers' dispatchers (two database handles on one file, as two processes have), each with
// three workers, drain one queue: every notification arrives exactly once, and a worker sends
// successive messages on one SMTP connection.
TEST_F(DispatcherTest, WorkersOfTwoServersDeliverEachNotificationOnceReusingConnections) {
  constexpr int kCount = 60;
  std::set<std::string> ids;
  for (int i = 0; i < kCount; ++i) {
    EmailNotification email = FrenchPing();
    email.to = "contact" + std::to_string(i) + "@cert.example.fr";
    ids.insert(Enqueue(email));
  }
  auto other_db = store::Open("sqlite://" + db_path_.string(), 2);
  ASSERT_TRUE(other_db.has_value());
  DispatcherOptions a = options_;
  a.notify.workers = 3;
  a.notify.poll_interval_milliseconds = 20;
  a.instance_id = "server-a";
  DispatcherOptions b = a;
  b.instance_id = "server-b";
  Dispatcher first(*db_, clock_, a);
  Dispatcher second(**other_db, clock_, b);
  first.Start();
  second.Start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (GetStats(*db_)->delivered < kCount && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  first.Stop();
  second.Stop();

  auto stats = GetStats(*db_);
  EXPECT_EQ(stats->delivered, kCount);
  EXPECT_EQ(stats->delivering, 0);
  auto files = smtp_->Files(".eml");
  ASSERT_EQ(files.size(), static_cast<std::size_t>(kCount));
  std::set<std::string> message_ids;
  for (const auto& file : files) message_ids.insert(Header(ReadFile(file), "Message-ID"));
  std::set<std::string> expected;
  for (const auto& id : ids) expected.insert("<" + id + "@liaison>");
  EXPECT_EQ(message_ids, expected);
  for (const auto& id : ids) {
    EXPECT_EQ(Get(id).attempts, 1) << id;
    EXPECT_EQ(ListAttempts(*db_, id)->size(), 1u) << id;
  }
  // At most one connection per worker and burst: far fewer connections than messages.
  std::set<std::string> connections;
  std::istringstream log(ReadFile(dir_ / "mail" / "connections.log"));
  std::string number, port;
  while (log >> number >> port) connections.insert(port);
  EXPECT_LT(connections.size(), static_cast<std::size_t>(kCount / 2));
}

// RunOnce claims in batches and stops after 32 attempts; the rest waits for the next run.
TEST_F(DispatcherTest, RunOnceDeliversAtMostThirtyTwoThenTheRest) {
  for (int i = 0; i < 40; ++i) Enqueue(FrenchPing());
  Dispatcher dispatcher(*db_, clock_, options_);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 32);
  EXPECT_EQ(GetStats(*db_)->pending, 8);
  EXPECT_EQ(GetStats(*db_)->delivering, 0);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 8);
  EXPECT_EQ(dispatcher.RunOnce().value_or(-1), 0);
  EXPECT_EQ(GetStats(*db_)->delivered, 40);
  EXPECT_EQ(smtp_->Files(".eml").size(), 40u);
}

TEST_F(DispatcherTest, StartAndStopAreIdempotent) {
  Dispatcher dispatcher(*db_, clock_, options_);
  dispatcher.Stop();
  dispatcher.Start();
  dispatcher.Start();
  dispatcher.Stop();
  dispatcher.Stop();
  // RunOnce still works after a stop.
  EXPECT_TRUE(dispatcher.RunOnce().has_value());
}

}  // namespace
}  // namespace liaison::notify
