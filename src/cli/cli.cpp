#include "cli/cli.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <optional>

#include "api/app.hpp"
#include "audit/audit_log.hpp"
#include "cli/common.hpp"
#include "cli/demo.hpp"
#include "cli/jurisdiction.hpp"
#include "cli/keys.hpp"
#include "cli/tokens.hpp"
#include "cli/ping.hpp"
#include "cli/request.hpp"
#include "cli/serve.hpp"
#include "cli/transfer.hpp"
#include "security/signing.hpp"
#include "security/tokens.hpp"
#include "store/migrations.hpp"

namespace liaison::cli {
namespace {

int Migrate(const std::string& config_path, bool status_only) {
  auto config = LoadConfigOrReport(config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, false);
  if (!db) return 1;
  if (status_only) {
    auto pending = store::PendingMigrations(*db, api::AllMigrations());
    if (!pending.has_value()) {
      ReportError(pending.error());
      return 1;
    }
    for (const auto& m : *pending) {
      std::cout << "pending " << m.module << "/" << m.number << " " << m.name << "\n";
    }
    std::cout << pending->size() << " pending\n";
    return 0;
  }
  SystemClock clock;
  auto applied = store::ApplyMigrations(*db, api::AllMigrations(), clock.Now());
  if (!applied.has_value()) {
    ReportError(applied.error());
    return 1;
  }
  for (const auto& m : *applied) {
    std::cout << "applied " << m.module << "/" << m.number << " " << m.name << "\n";
  }
  std::cout << applied->size() << " migrations applied\n";
  return 0;
}

int Init(const std::string& config_path, const std::string& email, bool demo) {
  auto config = LoadConfigOrReport(config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, false);
  if (!db) return 1;
  SystemClock clock;
  auto applied = store::ApplyMigrations(*db, api::AllMigrations(), clock.Now());
  if (!applied.has_value()) {
    ReportError(applied.error());
    return 1;
  }
  // The node's signing key exists from the start, so the first receipts have it.
  auto signer = security::Signer::LoadOrCreate(*db, config->security.secret_key, clock);
  if (!signer.has_value()) {
    ReportError(signer.error());
    return 1;
  }
  auto issued =
      security::BootstrapOperator(*db, "Node secretariat", email, "Node operator", clock.Now());
  if (!issued.has_value()) {
    ReportError(issued.error());
    return 1;
  }
  std::cout << "operator: " << email << "\n";
  std::cout << "token: " << issued->token.secret << "\n";
  std::cout << "signing key: " << signer->key_id() << "\n";
  if (demo) {
    auto seeded = SeedDemoData(*db, issued->account.id, email, clock.Now());
    if (!seeded.has_value()) {
      ReportError(seeded.error());
      return 1;
    }
    std::cout << *seeded;
  }
  return 0;
}

// Parses a head written as "SEQ:HASH" (what `liaison audit head` prints).
std::optional<audit::AuditHead> ParseHead(const std::string& text) {
  auto colon = text.find(':');
  if (colon == std::string::npos) return std::nullopt;
  audit::AuditHead head;
  const std::string seq = text.substr(0, colon);
  auto [end, ec] = std::from_chars(seq.data(), seq.data() + seq.size(), head.seq);
  if (ec != std::errc() || end != seq.data() + seq.size() || head.seq < 0) return std::nullopt;
  head.hash = text.substr(colon + 1);
  if (head.hash.size() != 64 ||
      head.hash.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return std::nullopt;
  }
  return head;
}

int AuditHead(const std::string& config_path) {
  auto config = LoadConfigOrReport(config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, false);
  if (!db) return 1;
  auto head = audit::Head(*db);
  if (!head.has_value()) {
    ReportError(head.error());
    return 1;
  }
  std::cout << head->seq << ":" << head->hash << "\n";
  return 0;
}

int AuditVerify(const std::string& config_path, const std::string& expected_head) {
  std::optional<audit::AuditHead> head;
  if (!expected_head.empty()) {
    head = ParseHead(expected_head);
    if (!head) {
      std::cerr << "liaison: --expected-head must be SEQ:HASH as printed by `liaison audit head` "
                   "(64 lowercase hex digits)\n";
      return 2;
    }
  }
  auto config = LoadConfigOrReport(config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, false);
  if (!db) return 1;
  auto report = audit::Verify(*db, head);
  if (!report.has_value()) {
    ReportError(report.error());
    return 1;
  }
  if (report->ok) {
    std::cout << "audit chain intact: " << report->entries_checked << " entries verified";
    if (head) std::cout << ", including the expected head " << head->seq;
    std::cout << "\n";
    return 0;
  }
  std::cout << "audit chain BROKEN at entry " << report->first_bad_seq.value_or(0) << ": "
            << report->problem << " — " << report->detail << "\n";
  return 3;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"liaison — points of contact and cooperation between states on ICT security"};
  app.require_subcommand(1);
  std::string config_path;

  ServeOptions serve;
  auto* serve_cmd = app.add_subcommand("serve", "Run the server until SIGTERM or SIGINT");
  serve_cmd->add_option("--config", serve.config_path, "Configuration file (TOML)")->required();
  serve_cmd->add_option("--ready-file", serve.ready_file,
                        "Write the listening port to this file once ready");

  std::string operator_email = "operator@node.invalid";
  bool demo = false;
  auto* init_cmd = app.add_subcommand(
      "init", "Create the database, apply migrations and create the first operator");
  init_cmd->add_option("--config", config_path, "Configuration file (TOML)")->required();
  init_cmd->add_option("--operator-email", operator_email, "E-mail of the first operator");
  init_cmd->add_flag("--demo", demo, "Also load the fictional demo data set");

  bool status_only = false;
  auto* migrate_cmd = app.add_subcommand("migrate", "Apply pending database migrations");
  migrate_cmd->add_option("--config", config_path, "Configuration file (TOML)")->required();
  migrate_cmd->add_flag("--status", status_only, "Only list pending migrations");

  auto* audit_cmd = app.add_subcommand("audit", "Audit log tools");
  audit_cmd->require_subcommand(1);
  auto* verify_cmd = audit_cmd->add_subcommand("verify", "Verify the audit hash chain");
  verify_cmd->add_option("--config", config_path, "Configuration file (TOML)")->required();
  std::string expected_head;
  verify_cmd->add_option("--expected-head", expected_head,
                         "A head kept outside the node (SEQ:HASH from `liaison audit head`): "
                         "also detects truncation and a rewritten tail");
  auto* head_cmd = audit_cmd->add_subcommand(
      "head", "Print the newest audit entry as SEQ:HASH, to keep outside the node");
  head_cmd->add_option("--config", config_path, "Configuration file (TOML)")->required();

  PingCommands ping;
  AddPingCommands(app, ping);
  KeysCommands keys;
  AddKeysCommands(app, keys);
  TokenCommands token;
  AddTokenCommands(app, token);
  RequestCommands request;
  AddRequestCommands(app, request);

  JurisdictionCommands jurisdiction;
  AddJurisdictionCommands(app, jurisdiction);
  TransferCommands transfer;
  AddTransferCommands(app, transfer);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*serve_cmd) return Serve(serve);
  if (*init_cmd) return Init(config_path, operator_email, demo);
  if (*migrate_cmd) return Migrate(config_path, status_only);
  if (*verify_cmd) return AuditVerify(config_path, expected_head);
  if (*head_cmd) return AuditHead(config_path);
  if (keys.command != KeysCommand::kNone) return RunKeysCommands(keys);
  if (token.revoke) return RunTokenCommands(token);
  if (!request.command.empty()) return RunRequestCommands(request);
  if (int code = RunJurisdictionCommands(jurisdiction); code >= 0) return code;
  if (int code = RunTransferCommands(transfer); code >= 0) return code;
  return RunPingCommands(ping);
}

}  // namespace liaison::cli
