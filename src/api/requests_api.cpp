// /api/v1/requests: cooperation requests between states — create (as a draft or submitted),
// list the inbox and outbox, read, edit a draft, apply lifecycle transitions (If-Match), and the
// timeline. Translation only: the requests module decides.
#include "api/app.hpp"
#include "core/countries.hpp"
#include "requests/messages.hpp"
#include "requests/receipts.hpp"
#include "requests/requests.hpp"
#include "requests/stats.hpp"

namespace liaison::api {
namespace {

namespace rq = requests;

// The node's request settings, with its receipt signer.
rq::RequestSettings Settings(const AppContext& app) {
  rq::RequestSettings settings = rq::SettingsFrom(*app.config);
  settings.signer = app.signer;
  return settings;
}

// The envelope members of a request body; the rest is the content (request_template.hpp).
struct Envelope {
  rq::RequestDraft draft;
  bool submit = false;
};

Result<Envelope> ParseRequestBody(const boost::json::value& body, bool allow_submit) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  Envelope e;
  if (allow_submit) {
    ASSIGN_OR_RETURN(auto submit, reader.OptionalBool("submit"));
    e.submit = submit.value_or(false);
  }
  ASSIGN_OR_RETURN(e.draft, rq::ParseRequestDraft(reader));
  RETURN_IF_ERROR(reader.RejectUnknown());
  return e;
}

Result<rq::TransitionInput> ParseTransitionBody(const http::Request& request,
                                                rq::Transition transition) {
  rq::TransitionInput in;
  in.transition = transition;
  // Transitions without inputs may be sent without a body.
  if (request.body.empty()) return in;
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  ASSIGN_OR_RETURN(auto note, reader.OptionalString("note", 10000));
  in.note = note.value_or("");
  ASSIGN_OR_RETURN(auto outcome, reader.OptionalString("outcome", 64));
  if (outcome) {
    in.outcome = rq::ParseOutcome(*outcome);
    if (!in.outcome) {
      return Error::InvalidArgument("unknown outcome '" + *outcome + "'", "outcome",
                                    "invalid_outcome");
    }
  }
  ASSIGN_OR_RETURN(auto reason, reader.OptionalString("decline_reason", 64));
  if (reason) {
    in.decline_reason = rq::ParseDeclineReason(*reason);
    if (!in.decline_reason) {
      return Error::InvalidArgument("unknown reason '" + *reason + "'", "decline_reason",
                                    "invalid_reason");
    }
  }
  ASSIGN_OR_RETURN(auto state, reader.OptionalString("redirect_state", 2));
  in.redirect_state = state.value_or("");
  ASSIGN_OR_RETURN(auto helpful, reader.OptionalInt("helpful", 1, 5));
  if (helpful) in.helpful = static_cast<int>(*helpful);
  RETURN_IF_ERROR(reader.RejectUnknown());
  return in;
}

http::Response RequestResponse(int status, const rq::CooperationRequest& r) {
  boost::json::object body = rq::RequestJson(r);
  if (r.routing && r.routing->fell_back_to_policy) {
    body["notice"] = "the requested state has no " +
                     std::string(directory::ContactLevelName(rq::RoutingLevel(r.type))) +
                     " contact; the request went to its policy contacts";
  }
  auto response = Json(status, body);
  response.SetHeader("ETag", ETag(r.version));
  return response;
}

Result<http::Response> Create(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto envelope, ParseRequestBody(body, true));
  ASSIGN_OR_RETURN(auto r, rq::CreateRequest(*app.db, principal, envelope.draft,
                                             envelope.submit ? rq::Submission::kSubmitNow
                                                             : rq::Submission::kSaveAsDraft,
                                             Settings(app), app.clock->Now()));
  auto response = RequestResponse(201, r);
  response.SetHeader("Location", "/api/v1/requests/" + r.id);
  return response;
}

template <typename T>
Result<std::optional<T>> OptionalQuery(const http::Request& request, std::string_view key,
                                       std::optional<T> (*parse)(std::string_view)) {
  auto text = request.Query(key);
  if (!text) return std::optional<T>();
  auto value = parse(*text);
  if (!value) {
    return Error::InvalidArgument("unknown value '" + *text + "'", std::string(key),
                                  "invalid_filter");
  }
  return value;
}

Result<http::Response> List(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  rq::RequestFilter filter;
  filter.after_id = page.cursor;
  filter.limit = page.limit;
  if (auto box = request.Query("box")) {
    if (*box == "inbox") {
      filter.box = rq::Box::kInbox;
    } else if (*box == "outbox") {
      filter.box = rq::Box::kOutbox;
    } else if (*box != "all") {
      return Error::InvalidArgument("must be inbox, outbox or all", "box", "invalid_filter");
    }
  }
  // "status" and "state" name different things: the lifecycle status and the other party.
  ASSIGN_OR_RETURN(filter.status, OptionalQuery(request, "status", rq::ParseRequestStatus));
  ASSIGN_OR_RETURN(filter.type, OptionalQuery(request, "type", rq::ParseRequestType));
  if (auto state = request.Query("state")) {
    if (!IsParticipatingState(*state)) {
      return Error::InvalidArgument("not a UN member or observer state code", "state",
                                    "unknown_state");
    }
    filter.state = *state;
  }
  ASSIGN_OR_RETURN(auto result, rq::ListRequests(*app.db, principal, filter));
  boost::json::array items;
  for (const auto& r : result.requests) items.push_back(rq::RequestJson(r));
  boost::json::value next = nullptr;
  if (!result.next_cursor.empty()) next = boost::json::string(result.next_cursor);
  return Json(200, {{"items", std::move(items)}, {"next", next}});
}

Result<http::Response> Get(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto r, rq::GetRequest(*app.db, principal, request.path_params["id"]));
  return RequestResponse(200, r);
}

// PATCH: the members present replace the draft's; the rest stay.
Result<http::Response> Patch(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto version, RequireIfMatch(request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  if (!body.is_object()) {
    return Error::InvalidArgument("expected a JSON object", "", "wrong_type");
  }
  const std::string& id = request.path_params["id"];
  ASSIGN_OR_RETURN(auto current, rq::GetRequest(*app.db, principal, id));
  if (!current.content_visible()) return Error::NotFound("no request " + id);
  boost::json::object merged = rq::RequestDraftJson(
      {current.requested_state, current.type, current.urgency, *current.content});
  for (const auto& member : body.get_object()) merged[member.key()] = member.value();
  ASSIGN_OR_RETURN(auto envelope, ParseRequestBody(merged, false));
  ASSIGN_OR_RETURN(
      auto r, rq::UpdateDraft(*app.db, principal, id, envelope.draft, version, app.clock->Now()));
  return RequestResponse(200, r);
}

Result<http::Response> Transition(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  auto transition = rq::ParseTransition(request.path_params["transition"]);
  if (!transition) return Error::NotFound("no such transition");
  ASSIGN_OR_RETURN(auto version, RequireIfMatch(request));
  ASSIGN_OR_RETURN(auto input, ParseTransitionBody(request, *transition));
  ASSIGN_OR_RETURN(auto r, rq::ApplyTransition(*app.db, principal, request.path_params["id"], input,
                                               version, Settings(app), app.clock->Now()));
  return RequestResponse(200, r);
}

// The receipts of a request: for its parties only (each carries the content).
Result<http::Response> Receipts(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto receipts, rq::GetReceipts(*app.db, principal, request.path_params["id"]));
  boost::json::array items;
  for (const auto& r : receipts) {
    items.push_back({{"seq", r.seq},
                     {"event", r.event},
                     {"at", TimeJson(r.at)},
                     {"key_id", r.key_id},
                     {"jws", r.jws}});
  }
  return Json(200, {{"items", std::move(items)}, {"keys", "/.well-known/liaison-keys.json"}});
}

Result<http::Response> Timeline(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto entries, rq::GetTimeline(*app.db, principal, request.path_params["id"]));
  boost::json::array items;
  for (const auto& e : entries) {
    auto info = json::Parse(e.info);
    boost::json::value detail = nullptr;
    if (!e.detail.empty()) {
      auto parsed = json::Parse(e.detail);
      if (parsed.has_value()) detail = std::move(*parsed);
    }
    items.push_back(
        {{"seq", e.seq},
         {"at", TimeJson(e.at)},
         {"kind", e.kind},
         {"actor_account_id", e.actor_account_id},
         {"actor_organization_id", e.actor_organization_id},
         {"from_status", e.from_status ? boost::json::value(rq::RequestStatusName(*e.from_status))
                                       : boost::json::value(nullptr)},
         {"to_status", e.to_status ? boost::json::value(rq::RequestStatusName(*e.to_status))
                                   : boost::json::value(nullptr)},
         {"info", info.has_value() ? std::move(*info) : boost::json::object()},
         {"detail", std::move(detail)}});
  }
  return Json(200, {{"items", std::move(items)}});
}

boost::json::object MessageJson(const rq::RequestMessage& m) {
  boost::json::array attachments;
  for (const auto& id : m.attachment_ids) attachments.emplace_back(id);
  return {{"id", m.id},
          {"request_id", m.request_id},
          {"in_reply_to",
           m.in_reply_to.empty() ? boost::json::value(nullptr) : boost::json::value(m.in_reply_to)},
          {"author_account_id", m.author_account_id},
          {"author_organization_id", m.author_organization_id},
          {"author_state", m.author_state},
          {"tlp", rq::TlpName(m.tlp)},
          {"body", m.body},
          {"attachment_ids", std::move(attachments)},
          {"created_at", TimeJson(m.created_at)}};
}

Result<std::optional<rq::Tlp>> ParseTlpText(const std::optional<std::string>& text) {
  if (!text) return std::optional<rq::Tlp>();
  auto tlp = rq::ParseTlp(*text);
  if (!tlp) {
    return Error::InvalidArgument("must be CLEAR, GREEN, AMBER, AMBER+STRICT or RED", "tlp",
                                  "invalid_tlp");
  }
  return tlp;
}

Result<http::Response> PostMessage(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  rq::MessageInput input;
  ASSIGN_OR_RETURN(input.body, reader.RequiredString("body", 20000));
  ASSIGN_OR_RETURN(auto tlp, reader.OptionalString("tlp", 16));
  ASSIGN_OR_RETURN(input.tlp, ParseTlpText(tlp));
  ASSIGN_OR_RETURN(auto reply, reader.OptionalString("in_reply_to", 64));
  input.in_reply_to = reply.value_or("");
  ASSIGN_OR_RETURN(input.attachment_ids, reader.StringArray("attachment_ids", 20, 64));
  RETURN_IF_ERROR(reader.RejectUnknown());
  ASSIGN_OR_RETURN(auto m, rq::PostMessage(*app.db, principal, request.path_params["id"], input,
                                           Settings(app), app.clock->Now()));
  return Json(201, MessageJson(m));
}

Result<http::Response> ListMessages(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto messages, rq::ListMessages(*app.db, principal, request.path_params["id"]));
  boost::json::array items;
  for (const auto& m : messages) items.push_back(MessageJson(m));
  return Json(200, {{"items", std::move(items)}});
}

// The attachment is the raw body; its media type is the Content-Type, its name the `filename`
// query parameter.
Result<http::Response> PostAttachment(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  rq::AttachmentInput input;
  input.filename = request.Query("filename").value_or("");
  input.media_type = request.Header("Content-Type").value_or("");
  input.content = request.body;
  ASSIGN_OR_RETURN(input.tlp, ParseTlpText(request.Query("tlp")));
  ASSIGN_OR_RETURN(auto a,
                   rq::AddAttachment(*app.db, principal, request.path_params["id"], input,
                                     app.config->requests.attachment_max_bytes, app.clock->Now()));
  auto response = Json(201, rq::AttachmentJson(a));
  response.SetHeader("Location", "/api/v1/requests/" + a.request_id + "/attachments/" + a.id);
  return response;
}

Result<http::Response> ListAttachments(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto attachments,
                   rq::ListAttachments(*app.db, principal, request.path_params["id"]));
  boost::json::array items;
  for (const auto& a : attachments) items.push_back(rq::AttachmentJson(a));
  return Json(200, {{"items", std::move(items)}});
}

// DELETE: a draft's attachment; 204.
Result<http::Response> DeleteAttachment(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  RETURN_IF_ERROR(rq::DeleteAttachment(*app.db, principal, request.path_params["id"],
                                       request.path_params["attachment_id"], app.clock->Now()));
  return http::Response{204, {}, {}};
}

Result<http::Response> GetAttachment(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto found, rq::GetAttachment(*app.db, principal, request.path_params["id"],
                                                 request.path_params["attachment_id"]));
  auto response = http::Response::Text(200, std::move(found.second), found.first.media_type);
  response.SetHeader("Content-Disposition", "attachment");
  response.SetHeader("X-Content-Type-Options", "nosniff");
  response.SetHeader("X-Liaison-SHA256", found.first.sha256);
  return response;
}

boost::json::value OptionalNumber(const std::optional<double>& v) {
  if (!v) return nullptr;
  return *v;
}

// GET /api/v1/stats/responsiveness?from=&to= (RFC 3339; default the last 365 days).
Result<http::Response> Responsiveness(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  TimePoint to = app.clock->Now();
  if (auto text = request.Query("to")) {
    ASSIGN_OR_RETURN(to, ParseRfc3339(*text, "to"));
  }
  TimePoint from = to - std::chrono::hours(24 * 365);
  if (auto text = request.Query("from")) {
    ASSIGN_OR_RETURN(from, ParseRfc3339(*text, "from"));
  }
  ASSIGN_OR_RETURN(auto figures, rq::Responsiveness(*app.db, principal, from, to));
  boost::json::array states;
  for (const auto& f : figures) {
    states.push_back(
        {{"state", f.state},
         {"requests", f.requests},
         {"acknowledged", f.acknowledged},
         {"answered", f.answered},
         {"answered_within_deadline", f.answered_within_deadline},
         {"median_hours_to_acknowledge", OptionalNumber(f.median_hours_to_acknowledge)},
         {"p90_hours_to_acknowledge", OptionalNumber(f.p90_hours_to_acknowledge)},
         {"median_hours_to_answer", OptionalNumber(f.median_hours_to_answer)},
         {"p90_hours_to_answer", OptionalNumber(f.p90_hours_to_answer)},
         {"share_answered_within_deadline", OptionalNumber(f.share_answered_within_deadline)}});
  }
  return Json(200, {{"from", TimeJson(from)}, {"to", TimeJson(to)}, {"states", std::move(states)}});
}

}  // namespace

void AddRequestRoutes(http::Router& router, const AppContext& app) {
  router.Add("POST", "/api/v1/requests", Bind(app, Create));
  router.Add("GET", "/api/v1/requests", Bind(app, List));
  router.Add("GET", "/api/v1/requests/{id}", Bind(app, Get));
  router.Add("PATCH", "/api/v1/requests/{id}", Bind(app, Patch));
  router.Add("GET", "/api/v1/requests/{id}/timeline", Bind(app, Timeline));
  router.Add("GET", "/api/v1/requests/{id}/receipts", Bind(app, Receipts));
  router.Add("POST", "/api/v1/requests/{id}/{transition}", Bind(app, Transition));
  router.Add("GET", "/api/v1/stats/responsiveness", Bind(app, Responsiveness));
  router.Add("POST", "/api/v1/requests/{id}/messages", Bind(app, PostMessage));
  router.Add("GET", "/api/v1/requests/{id}/messages", Bind(app, ListMessages));
  router.Add("POST", "/api/v1/requests/{id}/attachments", Bind(app, PostAttachment));
  router.Add("GET", "/api/v1/requests/{id}/attachments", Bind(app, ListAttachments));
  router.Add("GET", "/api/v1/requests/{id}/attachments/{attachment_id}", Bind(app, GetAttachment));
  router.Add("DELETE", "/api/v1/requests/{id}/attachments/{attachment_id}",
             Bind(app, DeleteAttachment));
}

}  // namespace liaison::api
