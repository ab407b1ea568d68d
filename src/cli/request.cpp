#include "cli/request.hpp"

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/common.hpp"
#include "core/json.hpp"
#include "core/text.hpp"
#include "requests/messages.hpp"
#include "requests/requests.hpp"
#include "security/accounts.hpp"
#include "security/signing.hpp"

namespace liaison::cli {
namespace {

namespace rq = requests;

Result<std::string> ReadInput(const std::string& file) {
  std::stringstream text;
  if (file == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(file);
    if (!in) return Error::InvalidArgument("cannot read " + file, "--file");
    text << in.rdbuf();
  }
  return text.str();
}

void Print(const rq::CooperationRequest& r) {
  std::cout << json::Serialize(rq::RequestJson(r)) << "\n";
}

int Fail(const Error& error) {
  ReportError(error);
  return 1;
}

int New(store::Database& db, const rq::RequestSettings& settings, const security::Principal& actor,
        const RequestCommands& c) {
  auto text = ReadInput(c.file);
  if (!text.has_value()) return Fail(text.error());
  auto body = json::Parse(*text);
  if (!body.has_value()) return Fail(body.error());
  auto reader = json::ObjectReader::Create(*body);
  if (!reader.has_value()) return Fail(reader.error());
  auto draft = rq::ParseRequestDraft(*reader);
  if (!draft.has_value()) return Fail(draft.error());
  auto unknown = reader->RejectUnknown();
  if (!unknown.has_value()) return Fail(unknown.error());
  SystemClock clock;
  auto r = rq::CreateRequest(db, actor, *draft,
                             c.draft ? rq::Submission::kSaveAsDraft : rq::Submission::kSubmitNow,
                             settings, clock.Now());
  if (!r.has_value()) return Fail(r.error());
  Print(*r);
  if (r->routing && r->routing->fell_back_to_policy) {
    std::cerr << "liaison: the requested state has no contact of the level for this type; the "
                 "request went to its policy contacts\n";
  }
  return 0;
}

int List(store::Database& db, const security::Principal& actor, const RequestCommands& c) {
  rq::RequestFilter filter;
  filter.limit = 500;
  if (c.box == "inbox") {
    filter.box = rq::Box::kInbox;
  } else if (c.box == "outbox") {
    filter.box = rq::Box::kOutbox;
  } else if (c.box != "all") {
    return Fail(Error::InvalidArgument("must be inbox, outbox or all", "--box"));
  }
  if (!c.status.empty()) {
    filter.status = rq::ParseRequestStatus(c.status);
    if (!filter.status) return Fail(Error::InvalidArgument("unknown status", "--status"));
  }
  while (true) {
    auto page = rq::ListRequests(db, actor, filter);
    if (!page.has_value()) return Fail(page.error());
    for (const auto& r : page->requests) {
      std::cout << r.id << "  " << rq::RequestStatusName(r.status) << "  "
                << rq::RequestTypeName(r.type) << "  " << rq::UrgencyName(r.urgency) << "  "
                << r.requesting_state << " -> " << r.requested_state << "  "
                << (r.content ? r.content->subject : std::string("(content not visible)")) << "\n";
    }
    if (page->next_cursor.empty()) return 0;
    filter.after_id = page->next_cursor;
  }
}

int Show(store::Database& db, const security::Principal& actor, const RequestCommands& c) {
  auto r = rq::GetRequest(db, actor, c.request_id);
  if (!r.has_value()) return Fail(r.error());
  Print(*r);
  auto timeline = rq::GetTimeline(db, actor, c.request_id);
  if (!timeline.has_value()) return Fail(timeline.error());
  for (const auto& e : *timeline) {
    std::cout << FormatRfc3339(e.at) << "  " << e.kind << "  " << e.info;
    if (!e.detail.empty()) std::cout << "  " << e.detail;
    std::cout << "\n";
  }
  return 0;
}

int Move(store::Database& db, const rq::RequestSettings& settings, const security::Principal& actor,
         const RequestCommands& c, rq::Transition transition) {
  auto current = rq::GetRequest(db, actor, c.request_id);
  if (!current.has_value()) return Fail(current.error());
  rq::TransitionInput input;
  input.transition = transition;
  input.note = c.note;
  input.helpful = c.helpful;
  if (!c.outcome.empty()) {
    input.outcome = rq::ParseOutcome(c.outcome);
    if (!input.outcome) return Fail(Error::InvalidArgument("unknown outcome", "--outcome"));
  }
  SystemClock clock;
  auto r =
      rq::ApplyTransition(db, actor, c.request_id, input, current->version, settings, clock.Now());
  if (!r.has_value()) return Fail(r.error());
  Print(*r);
  return 0;
}

int Attachments(store::Database& db, const security::Principal& actor, const RequestCommands& c) {
  auto attachments = rq::ListAttachments(db, actor, c.request_id);
  if (!attachments.has_value()) return Fail(attachments.error());
  for (const auto& a : *attachments) {
    std::cout << a.id << "  " << a.filename << "  " << a.media_type << "  " << a.size
              << " B  TLP:" << rq::TlpName(a.tlp) << "  sha256:" << a.sha256 << "\n";
  }
  return 0;
}

// The media type of `path` from its extension, among the accepted ones; "" when unknown.
std::string MediaTypeOf(const std::filesystem::path& path) {
  static const std::pair<const char*, const char*> kByExtension[] = {
      {".pdf", "application/pdf"}, {".png", "image/png"}, {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},     {".gif", "image/gif"}, {".zip", "application/zip"},
      {".txt", "text/plain"},      {".csv", "text/csv"},  {".json", "application/json"},
      {".gz", "application/gzip"}};
  const std::string extension = AsciiLower(path.extension().string());
  for (const auto& [ext, type] : kByExtension) {
    if (extension == ext) return type;
  }
  return "";
}

int Attach(store::Database& db, const Config& config, const security::Principal& actor,
           const RequestCommands& c) {
  std::ifstream in(c.attach_path, std::ios::binary);
  if (!in) return Fail(Error::InvalidArgument("cannot read " + c.attach_path, "file"));
  rq::AttachmentInput input;
  input.content.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  const std::filesystem::path path(c.attach_path);
  input.filename = c.filename.empty() ? path.filename().string() : c.filename;
  input.media_type = c.media_type.empty() ? MediaTypeOf(path) : c.media_type;
  if (input.media_type.empty()) {
    return Fail(Error::InvalidArgument("unknown extension; give --media-type", "--media-type"));
  }
  if (!c.tlp.empty()) {
    input.tlp = rq::ParseTlp(c.tlp);
    if (!input.tlp) return Fail(Error::InvalidArgument("unknown TLP label", "--tlp"));
  }
  SystemClock clock;
  auto a = rq::AddAttachment(db, actor, c.request_id, input, config.requests.attachment_max_bytes,
                             clock.Now());
  if (!a.has_value()) return Fail(a.error());
  std::cout << json::Serialize(rq::AttachmentJson(*a)) << "\n";
  return 0;
}

int Detach(store::Database& db, const security::Principal& actor, const RequestCommands& c) {
  SystemClock clock;
  auto removed = rq::DeleteAttachment(db, actor, c.request_id, c.attachment_id, clock.Now());
  if (!removed.has_value()) return Fail(removed.error());
  return 0;
}

}  // namespace

void AddRequestCommands(CLI::App& app, RequestCommands& c) {
  auto* request = app.add_subcommand("request", "Cooperation requests (acting as an account)");
  request->require_subcommand(1);
  auto common = [&c](CLI::App* sub) {
    sub->add_option("--config", c.config_path, "Configuration file (TOML)")->required();
    sub->add_option("--as", c.as_account, "The account to act as (acc_…)")->required();
    sub->callback([&c, sub] { c.command = sub->get_name(); });
  };
  auto* create = request->add_subcommand("new", "Make a request from a JSON file (as the API)");
  common(create);
  create->add_option("--file", c.file, "The request as JSON; - for standard input")->required();
  create->add_flag("--draft", c.draft, "Save as a draft instead of submitting");
  auto* list = request->add_subcommand("list", "List the requests the account may see");
  common(list);
  list->add_option("--box", c.box, "inbox | outbox | all")->capture_default_str();
  list->add_option("--status", c.status, "Only requests with this status");
  auto* show = request->add_subcommand("show", "Show a request and its timeline");
  common(show);
  show->add_option("request", c.request_id, "Request id (req_…)")->required();
  auto* ack = request->add_subcommand("ack", "Acknowledge a request sent to the account's state");
  common(ack);
  ack->add_option("request", c.request_id, "Request id (req_…)")->required();
  ack->add_option("--note", c.note, "A note for the requester");
  auto* answer = request->add_subcommand("answer", "Answer a request");
  common(answer);
  answer->add_option("request", c.request_id, "Request id (req_…)")->required();
  answer
      ->add_option("--outcome", c.outcome,
                   "mitigated | partially_mitigated | could_not_be_mitigated | "
                   "no_malicious_activity_found | not_within_jurisdiction")
      ->required();
  answer->add_option("--note", c.note, "What was done")->required();
  auto* close = request->add_subcommand("close", "Close an answered request");
  common(close);
  close->add_option("request", c.request_id, "Request id (req_…)")->required();
  close->add_option("--helpful", c.helpful, "Was the answer helpful, 1-5");
  close->add_option("--note", c.note, "Feedback");
  auto* attachments =
      request->add_subcommand("attachments", "List a request's attachments (drafts included)");
  common(attachments);
  attachments->add_option("request", c.request_id, "Request id (req_…)")->required();
  auto* attach = request->add_subcommand(
      "attach",
      "Attach a file to a request; on a draft only the sender's organisation sees it "
      "until it is submitted");
  common(attach);
  attach->add_option("request", c.request_id, "Request id (req_…)")->required();
  attach->add_option("file", c.attach_path, "The file to attach")->required();
  attach->add_option("--name", c.filename, "Its name on the request (default: the file's)");
  attach->add_option("--media-type", c.media_type,
                     "Its media type (default: from the extension: .pdf .png .jpg .gif .zip "
                     ".txt .csv .json .gz)");
  attach->add_option("--tlp", c.tlp, "A label more restrictive than the request's");
  auto* detach = request->add_subcommand("detach", "Remove an attachment from a draft");
  common(detach);
  detach->add_option("request", c.request_id, "Request id (req_…)")->required();
  detach->add_option("attachment", c.attachment_id, "Attachment id (att_…)")->required();
}

int RunRequestCommands(const RequestCommands& c) {
  auto config = LoadConfigOrReport(c.config_path);
  if (!config) return 1;
  auto db = OpenDatabase(*config, true);
  if (!db) return 1;
  auto actor = LoadActor(*db, c.as_account);
  if (!actor) return 1;
  // Submissions, acknowledgements and answers get receipts signed by the node's key.
  SystemClock clock;
  auto signer = security::Signer::LoadOrCreate(*db, config->security.secret_key, clock);
  if (!signer.has_value()) {
    ReportError(signer.error());
    return 1;
  }
  rq::RequestSettings settings = rq::SettingsFrom(*config);
  settings.signer = &*signer;
  if (c.command == "new") return New(*db, settings, *actor, c);
  if (c.command == "list") return List(*db, *actor, c);
  if (c.command == "show") return Show(*db, *actor, c);
  if (c.command == "ack") return Move(*db, settings, *actor, c, rq::Transition::kAcknowledge);
  if (c.command == "answer") return Move(*db, settings, *actor, c, rq::Transition::kAnswer);
  if (c.command == "close") return Move(*db, settings, *actor, c, rq::Transition::kClose);
  if (c.command == "attachments") return Attachments(*db, *actor, c);
  if (c.command == "attach") return Attach(*db, *config, *actor, c);
  if (c.command == "detach") return Detach(*db, *actor, c);
  return 2;
}

}  // namespace liaison::cli
