#include "cli/keys.hpp"

#include <CLI/CLI.hpp>

#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/common.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "security/principal.hpp"
#include "security/signing.hpp"

namespace liaison::cli {
namespace {

Result<std::string> ReadFile(const std::string& path, std::string_view option) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::InvalidArgument("cannot read " + path, std::string(option));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int List(store::Database& db) {
  auto keys = security::ListSigningKeys(db);
  if (!keys.has_value()) {
    ReportError(keys.error());
    return 1;
  }
  for (const auto& key : *keys) {
    std::cout << key.kid << "  " << security::SigningKeyStatusName(key.status) << "  created "
              << FormatRfc3339(key.created_at);
    if (key.retired_at) std::cout << "  retired " << FormatRfc3339(*key.retired_at);
    std::cout << "\n";
  }
  std::cout << keys->size() << (keys->size() == 1 ? " key\n" : " keys\n");
  return 0;
}

int Rotate(store::Database& db, const Config& config) {
  SystemClock clock;
  auto kid = security::RotateSigningKey(db, config.security.secret_key, clock,
                                        security::Principal::System());
  if (!kid.has_value()) {
    ReportError(kid.error());
    return 1;
  }
  std::cout << "new signing key: " << *kid << "\n"
            << "the previous key is retired and stays published, so its receipts still verify;\n"
            << "restart `liaison serve` to sign with the new key\n";
  return 0;
}

// Signs an operator statement: the canonical JSON of {"kind":"operator_statement",
// "signed_at":…, "statement":<the file's JSON>}. The kind keeps it from passing for a receipt the
// node issued for a request.
int Sign(store::Database& db, const Config& config, const KeysCommands& k) {
  auto text = ReadFile(k.payload_file, "--payload-file");
  if (!text.has_value()) {
    ReportError(text.error());
    return 1;
  }
  auto statement = json::Parse(*text);
  if (!statement.has_value()) {
    ReportError(Error::InvalidArgument(statement.error().message, "--payload-file"));
    return 1;
  }
  SystemClock clock;
  auto signer = security::Signer::LoadOrCreate(db, config.security.secret_key, clock);
  if (!signer.has_value()) {
    ReportError(signer.error());
    return 1;
  }
  auto jws = signer->SignJson(boost::json::object{{"kind", "operator_statement"},
                                                  {"signed_at", FormatRfc3339(clock.Now())},
                                                  {"statement", std::move(*statement)}});
  if (!jws.has_value()) {
    ReportError(Error::InvalidArgument(jws.error().message, "--payload-file"));
    return 1;
  }
  std::cout << *jws << "\n";
  return 0;
}

int Verify(store::Database& db, const KeysCommands& k) {
  auto text = ReadFile(k.jws_file, "--jws-file");
  if (!text.has_value()) {
    ReportError(text.error());
    return 1;
  }
  auto payload = security::VerifyCompact(db, Trim(*text));
  if (!payload.has_value()) {
    ReportError(payload.error());
    return 3;
  }
  std::cout << *payload << "\n";
  return 0;
}

}  // namespace

void AddKeysCommands(CLI::App& app, KeysCommands& k) {
  auto* keys = app.add_subcommand("keys", "The node's receipt-signing keys");
  keys->require_subcommand(1);
  auto* list = keys->add_subcommand("list", "List the signing keys, current and retired");
  list->add_option("--config", k.config_path, "Configuration file (TOML)")->required();
  list->callback([&k] { k.command = KeysCommand::kList; });
  auto* rotate =
      keys->add_subcommand("rotate", "Make a new current key; the old one stays published");
  rotate->add_option("--config", k.config_path, "Configuration file (TOML)")->required();
  rotate->callback([&k] { k.command = KeysCommand::kRotate; });
  auto* sign = keys->add_subcommand(
      "sign", "Sign a JSON document as an operator statement and print the compact JWS");
  sign->add_option("--config", k.config_path, "Configuration file (TOML)")->required();
  sign->add_option("--payload-file", k.payload_file, "The JSON document to sign")->required();
  sign->callback([&k] { k.command = KeysCommand::kSign; });
  auto* verify = keys->add_subcommand(
      "verify", "Verify a compact JWS against the node's keys and print its payload");
  verify->add_option("--config", k.config_path, "Configuration file (TOML)")->required();
  verify->add_option("--jws-file", k.jws_file, "A file holding the compact JWS")->required();
  verify->callback([&k] { k.command = KeysCommand::kVerify; });
}

int RunKeysCommands(const KeysCommands& k) {
  auto config = LoadConfigOrReport(k.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, true);
  if (!db) return 1;
  switch (k.command) {
    case KeysCommand::kList:
      return List(*db);
    case KeysCommand::kRotate:
      return Rotate(*db, *config);
    case KeysCommand::kSign:
      return Sign(*db, *config, k);
    case KeysCommand::kVerify:
      return Verify(*db, k);
    case KeysCommand::kNone:
      break;
  }
  return 2;
}

}  // namespace liaison::cli
