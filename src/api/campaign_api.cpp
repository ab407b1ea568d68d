// /api/v1/pings: reachability campaigns, their status and reports; /ack/{token}: the page a
// contact opens from the e-mail to confirm they were reached.
#include <array>

#include "api/app.hpp"
#include "api/html.hpp"
#include "api/render.hpp"

namespace liaison::api {
namespace {

Result<directory::CampaignInput> ParseCampaignInput(const boost::json::value& body) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  directory::CampaignInput in;
  ASSIGN_OR_RETURN(auto scope, reader.RequiredString("scope", 16));
  auto parsed_scope = directory::ParseCampaignScope(scope);
  if (!parsed_scope) {
    return Error::InvalidArgument("must be all, group or states", "scope", "invalid_scope");
  }
  in.scope = *parsed_scope;
  ASSIGN_OR_RETURN(auto group, reader.OptionalString("group", 40));
  if (in.scope == directory::CampaignScope::kRegionalGroup) {
    auto g = group ? ParseRegionalGroup(*group) : std::nullopt;
    if (!g || *g == RegionalGroup::kNone) {
      return Error::InvalidArgument("name a UN regional group", "group", "unknown_group");
    }
    in.regional_group = *g;
  } else if (group) {
    return Error::InvalidArgument("only with scope \"group\"", "group", "unexpected_field");
  }
  ASSIGN_OR_RETURN(in.states, reader.StringArray("states", 200, 2));
  if (in.scope == directory::CampaignScope::kStates) {
    if (in.states.empty()) {
      return Error::InvalidArgument("list at least one state", "states", "required");
    }
    for (std::size_t i = 0; i < in.states.size(); ++i) {
      if (!IsParticipatingState(in.states[i])) {
        return Error::InvalidArgument("not a UN member or observer state code",
                                      "states[" + std::to_string(i) + "]", "unknown_state");
      }
    }
  } else if (!in.states.empty()) {
    return Error::InvalidArgument("only with scope \"states\"", "states", "unexpected_field");
  }
  ASSIGN_OR_RETURN(auto level, reader.OptionalString("level", 16));
  if (level) {
    auto parsed = directory::ParseCampaignLevel(*level);
    if (!parsed) {
      return Error::InvalidArgument("must be policy, technical or both", "level", "invalid_level");
    }
    in.level = *parsed;
  }
  ASSIGN_OR_RETURN(auto deadline, reader.RequiredString("deadline", 40));
  ASSIGN_OR_RETURN(in.deadline, ParseRfc3339(deadline, "deadline"));
  RETURN_IF_ERROR(reader.RejectUnknown());
  return in;
}

boost::json::value Hours(const std::optional<double>& h) {
  if (!h) return nullptr;
  return *h;
}

boost::json::object RowJson(const directory::ReportRow& row) {
  return {{"state", row.state},
          {"level", row.level ? boost::json::value(directory::ContactLevelName(*row.level))
                              : boost::json::value(nullptr)},
          {"targets", row.targets},
          {"reached_24h", row.reached_24h},
          {"reached_by_deadline", row.reached_by_deadline},
          {"not_reached", row.not_reached},
          {"median_hours", Hours(row.median_hours)},
          {"mean_hours", Hours(row.mean_hours)},
          {"median_working_hours", Hours(row.median_working_hours)},
          {"mean_working_hours", Hours(row.mean_working_hours)}};
}

Result<http::Response> Start(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto input, ParseCampaignInput(body));
  ASSIGN_OR_RETURN(auto campaign, directory::StartCampaign(*app.db, principal, input,
                                                           app.config->server.public_url,
                                                           app.clock->Now()));
  auto response = Json(201, CampaignJson(campaign));
  response.SetHeader("Location", "/api/v1/pings/" + campaign.id);
  return response;
}

Result<http::Response> ListAll(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  ASSIGN_OR_RETURN(auto result, directory::ListCampaigns(*app.db, principal,
                                                         {.after_id = page.cursor,
                                                          .limit = page.limit}));
  boost::json::array items;
  for (const auto& c : result.campaigns) items.push_back(CampaignJson(c));
  boost::json::value next = nullptr;
  if (!result.next_cursor.empty()) next = boost::json::string(result.next_cursor);
  return Json(200, {{"items", std::move(items)}, {"next", next}});
}

Result<http::Response> Status(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  const std::string& id = request.path_params["id"];
  ASSIGN_OR_RETURN(auto campaign, directory::GetCampaign(*app.db, principal, id));
  ASSIGN_OR_RETURN(auto status,
                   directory::GetCampaignStatus(*app.db, principal, id, app.clock->Now()));
  auto body = CampaignJson(campaign);
  body["sent"] = status.sent;
  body["acknowledged"] = status.acknowledged;
  body["closed"] = status.closed;
  return Json(200, body);
}

Result<http::Response> ReportOf(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto report, directory::Report(*app.db, principal, request.path_params["id"],
                                                  app.clock->Now()));
  std::string format = request.Query("format").value_or("json");
  if (format == "csv") {
    auto response =
        http::Response::Text(200, directory::ReportToCsv(report), "text/csv; charset=utf-8");
    response.SetHeader("Content-Disposition",
                       "attachment; filename=\"" + report.campaign.id + "-report.csv\"");
    return response;
  }
  if (format != "json") {
    return Error::InvalidArgument("must be json or csv", "format", "unsupported_format");
  }
  boost::json::array rows;
  for (const auto& row : report.rows) rows.push_back(RowJson(row));
  return Json(200, {{"campaign", CampaignJson(report.campaign)},
                    {"rows", std::move(rows)},
                    {"total", RowJson(report.total)},
                    {"generated_at", TimeJson(report.generated_at)}});
}

Result<http::Response> AckByApi(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authenticate(app, request));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  ASSIGN_OR_RETURN(auto token, reader.RequiredString("token", 128));
  RETURN_IF_ERROR(reader.RejectUnknown());
  ASSIGN_OR_RETURN(auto ack, directory::AcknowledgeByCampaign(*app.db, principal,
                                                              request.path_params["id"], token,
                                                              app.clock->Now()));
  return Json(200, {{"campaign_id", ack.campaign_id},
                    {"contact_id", ack.contact_id},
                    {"acknowledged_at", TimeJson(ack.acknowledged_at)},
                    {"first", ack.first}});
}

// The acknowledgement page's words in the six UN languages.
struct AckWords {
  const char* lang;
  const char* title;
  const char* intro;
  const char* button;
  const char* thanks;
  const char* already;
  const char* closed;
  const char* unknown;
};

constexpr std::array<AckWords, 6> kAckWords = {{
    {"en", "Reachability check", "Please confirm that this message reached you.",
     "Confirm that I was reached", "Thank you. Your confirmation was recorded at",
     "This check was already confirmed at", "This check closed at its deadline.",
     "This link is not valid."},
    {"fr", "Vérification de joignabilité", "Veuillez confirmer que ce message vous est parvenu.",
     "Confirmer que j'ai été joint", "Merci. Votre confirmation a été enregistrée le",
     "Cette vérification a déjà été confirmée le",
     "Cette vérification est close depuis son échéance.", "Ce lien n'est pas valide."},
    {"es", "Comprobación de disponibilidad", "Confirme que este mensaje le ha llegado.",
     "Confirmar que me ha llegado", "Gracias. Su confirmación se registró el",
     "Esta comprobación ya se confirmó el", "Esta comprobación se cerró en su plazo.",
     "Este enlace no es válido."},
    {"ru", "Проверка доступности", "Пожалуйста, подтвердите, что это сообщение до вас дошло.",
     "Подтвердить получение", "Спасибо. Ваше подтверждение записано",
     "Эта проверка уже подтверждена", "Срок этой проверки истёк.",
     "Эта ссылка недействительна."},
    {"zh", "联络可达性核查", "请确认您已收到此消息。", "确认已收到", "谢谢。您的确认已记录于",
     "此核查已于以下时间确认", "此核查已过截止时间。", "此链接无效。"},
    {"ar", "التحقق من إمكانية الاتصال", "يرجى تأكيد أن هذه الرسالة قد وصلتكم.",
     "تأكيد الاستلام", "شكرًا. سُجّل تأكيدكم في", "سبق تأكيد هذا التحقق في",
     "انتهت مهلة هذا التحقق.", "هذا الرابط غير صالح."},
}};

const AckWords& WordsFor(std::string_view language) {
  std::string_view primary = language.substr(0, language.find('-'));
  for (const auto& w : kAckWords) {
    if (primary == w.lang) return w;
  }
  return kAckWords[0];
}

http::Response AckPage(const AppContext& app, http::Request& request, bool confirm) {
  const std::string& token = request.path_params["token"];
  auto target = directory::FindAckTarget(*app.db, token, app.clock->Now());
  if (!target.has_value()) {
    const AckWords& w = kAckWords[0];
    int status = target.error().code == ErrorCode::kNotFound ? 404 : 503;
    return HtmlPage(status, w.lang, w.title, std::string("<p>") + w.unknown + "</p>");
  }
  const AckWords& w = WordsFor(target->language);
  std::string details = "<dl><dt>" + HtmlEscape(target->contact_name) + "</dt><dd>" +
                        HtmlEscape(target->organization_name) + " — " +
                        HtmlEscape(target->state) + "</dd></dl>\n";
  if (confirm) {
    auto ack = directory::Acknowledge(*app.db, token, directory::AckChannel::kLink,
                                      app.clock->Now());
    if (!ack.has_value()) {
      if (ack.error().reason == "campaign_closed") {
        return HtmlPage(409, w.lang, w.title, details + "<p>" + w.closed + "</p>");
      }
      return HtmlPage(http::StatusFor(ack.error()), w.lang, w.title,
                      std::string("<p>") + w.unknown + "</p>");
    }
    return HtmlPage(200, w.lang, w.title,
                    details + "<p role=\"status\">" + (ack->first ? w.thanks : w.already) + " " +
                        FormatRfc3339(ack->acknowledged_at) + " (UTC).</p>");
  }
  if (target->acknowledged_at) {
    return HtmlPage(200, w.lang, w.title,
                    details + "<p>" + w.already + " " + FormatRfc3339(*target->acknowledged_at) +
                        " (UTC).</p>");
  }
  if (target->closed) return HtmlPage(200, w.lang, w.title, details + "<p>" + w.closed + "</p>");
  // Opening the link does not acknowledge: mail scanners open links. A person presses the button.
  std::string form = "<p>" + std::string(w.intro) + "</p>\n<form method=\"post\" action=\"/ack/" +
                     HtmlEscape(token) + "\"><button type=\"submit\">" + w.button +
                     "</button></form>";
  return HtmlPage(200, w.lang, w.title, details + form);
}

}  // namespace

void AddCampaignRoutes(http::Router& router, const AppContext& app) {
  router.Add("POST", "/api/v1/pings", Bind(app, Start));
  router.Add("GET", "/api/v1/pings", Bind(app, ListAll));
  router.Add("GET", "/api/v1/pings/{id}", Bind(app, Status));
  router.Add("GET", "/api/v1/pings/{id}/report", Bind(app, ReportOf));
  router.Add("POST", "/api/v1/pings/{id}/ack", Bind(app, AckByApi));
  router.Add("GET", "/ack/{token}", [&app](http::Request& r) { return AckPage(app, r, false); });
  router.Add("POST", "/ack/{token}", [&app](http::Request& r) { return AckPage(app, r, true); });
}

}  // namespace liaison::api
