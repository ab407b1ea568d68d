// The jurisdiction look-ups and feed reports:
//   GET  /api/v1/jurisdiction/ip/{address}        (also /ip/{address}/{length} for a CIDR prefix)
//   GET  /api/v1/jurisdiction/asn/{number}
//   GET  /api/v1/jurisdiction/domain/{name}
//   POST /api/v1/jurisdiction/lookup              (a batch of up to 100,000 items)
//   POST /api/v1/jurisdiction/reports             (a CSV or NDJSON feed, plain or gzip, streamed;
//                                                 with ?drafts=true, draft mitigation requests)
// Pure translation: parse, call jurisdiction/ (and requests/ for the drafts), render.
#include <charconv>
#include <optional>

#include "api/app.hpp"
#include "core/text.hpp"
#include "jurisdiction/attribution.hpp"
#include "jurisdiction/attribution_output.hpp"
#include "jurisdiction/data_service.hpp"
#include "jurisdiction/reference.hpp"
#include "requests/mitigation_drafts.hpp"
#include "security/access_policy.hpp"

namespace liaison::api {
namespace {

namespace jd = liaison::jurisdiction;
using boost::json::array;
using boost::json::object;
using boost::json::value;

// The most items one batch may hold.
constexpr std::size_t kMaxBatchItems = 100'000;
// The most observations one report may hold.
constexpr std::int64_t kMaxReportObservations = 10'000'000;

Result<security::Principal> Authorize(const AppContext& app, const http::Request& request,
                                      security::Action action) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, action, {.audience = security::Audience::kCommunity}));
  return principal;
}

Result<std::shared_ptr<const jd::JurisdictionIndex>> CurrentIndex(const AppContext& app) {
  auto index = app.jurisdiction ? app.jurisdiction->Current() : nullptr;
  if (!index) {
    return Error::Unavailable("no IP data set is loaded on this node; the operator runs "
                              "`liaison data update`");
  }
  return index;
}

value OrNull(const std::string& s) { return s.empty() ? value(nullptr) : value(s); }

object JurisdictionJson(const jd::Jurisdiction& j) {
  return {{"country", OrNull(j.country)},
          {"state", OrNull(j.state)},
          {"status", j.status},
          {"administered_by", OrNull(j.administered_by)},
          {"note", OrNull(j.note)}};
}

object RangeJson(const jd::IpAddress& first, const jd::IpAddress& last) {
  return {{"first", jd::FormatIpAddress(first)}, {"last", jd::FormatIpAddress(last)}};
}

object IpJson(const jd::JurisdictionIndex& index, const jd::IpAddress& address) {
  jd::IpAnswer answer = index.Lookup(address);
  jd::Jurisdiction j = jd::ResolveCountry(answer.country);
  object out{{"address", jd::FormatIpAddress(address)},
             {"family", address.family == jd::IpFamily::kIpv4 ? "ipv4" : "ipv6"},
             {"country", OrNull(answer.country)},
             {"state", OrNull(answer.country.empty() ? "" : j.state)},
             {"jurisdiction", answer.country.empty() ? value(nullptr) : value(JurisdictionJson(j))},
             {"range", RangeJson(answer.country_first, answer.country_last)},
             {"data_version", index.stats().version}};
  if (answer.as) {
    out["as"] = object{{"number", answer.as->number},
                       {"name", answer.as->name},
                       {"range", RangeJson(answer.as_first, answer.as_last)}};
  } else {
    out["as"] = nullptr;
  }
  return out;
}

// Country shares with their states, and the distinct states among them.
void SharesJson(const std::vector<jd::CountryShare>& shares, array& countries,
                std::vector<std::string>& states) {
  for (const auto& share : shares) {
    jd::Jurisdiction j = jd::ResolveCountry(share.country);
    std::string state = share.country.empty() ? "" : j.state;
    countries.push_back(object{{"country", OrNull(share.country)},
                               {"state", OrNull(state)},
                               {"status", share.country.empty() ? "no_data" : j.status},
                               {"addresses", jd::FormatUint128(share.addresses)}});
    if (!state.empty() && std::find(states.begin(), states.end(), state) == states.end()) {
      states.push_back(state);
    }
  }
}

object PrefixJson(const jd::JurisdictionIndex& index, const jd::IpPrefix& prefix) {
  jd::PrefixAnswer answer = index.LookupPrefix(prefix);
  array countries;
  std::vector<std::string> states;
  SharesJson(answer.countries, countries, states);
  array as_numbers;
  for (auto n : answer.as_numbers) as_numbers.push_back(n);
  array states_json;
  for (auto& s : states) states_json.push_back(value(s));
  return {{"prefix", jd::FormatIpPrefix(prefix)},
          {"family", prefix.first.family == jd::IpFamily::kIpv4 ? "ipv4" : "ipv6"},
          {"first", jd::FormatIpAddress(prefix.first)},
          {"last", jd::FormatIpAddress(prefix.Last())},
          {"states", std::move(states_json)},
          {"countries", std::move(countries)},
          {"as_numbers", std::move(as_numbers)},
          {"as_numbers_truncated", answer.as_numbers_truncated},
          {"data_version", index.stats().version}};
}

// An address ("192.0.2.1"), or a prefix ("192.0.2.0/24"): the single answer or the shares.
Result<object> AddressOrPrefixJson(const jd::JurisdictionIndex& index, std::string_view text) {
  if (text.find('/') == std::string_view::npos) {
    ASSIGN_OR_RETURN(auto address, jd::ParseIpAddress(text));
    return IpJson(index, address);
  }
  ASSIGN_OR_RETURN(auto prefix, jd::ParseIpPrefix(text));
  return PrefixJson(index, prefix);
}

Result<std::uint32_t> ParseAsNumber(std::string_view text) {
  std::string_view digits = text;
  if (digits.size() > 2 && (digits[0] == 'A' || digits[0] == 'a') &&
      (digits[1] == 'S' || digits[1] == 's')) {
    digits.remove_prefix(2);
  }
  std::uint64_t number = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (digits.empty() || digits.size() > 10 || ec != std::errc() ||
      end != digits.data() + digits.size() || number == 0 || number > 0xffffffffull) {
    return Error::InvalidArgument(
        "an AS number is 1 to 4294967295, optionally written AS…: \"" +
            std::string(text.substr(0, 32)) + "\"",
        "number", "invalid_as_number");
  }
  return static_cast<std::uint32_t>(number);
}

Result<object> AsJson(const jd::JurisdictionIndex& index, std::uint32_t number) {
  ASSIGN_OR_RETURN(auto answer, index.LookupAs(number));
  array names, ranges, v4, v6, states_json;
  for (const auto& n : answer.names) names.push_back(value(n));
  for (const auto& r : answer.ranges) ranges.push_back(RangeJson(r.first, r.last));
  std::vector<std::string> states;
  SharesJson(answer.countries_v4, v4, states);
  SharesJson(answer.countries_v6, v6, states);
  for (auto& s : states) states_json.push_back(value(s));
  return object{{"number", answer.number},
                {"names", std::move(names)},
                {"states", std::move(states_json)},
                {"countries_v4", std::move(v4)},
                {"countries_v6", std::move(v6)},
                {"range_count", answer.range_count},
                {"ranges", std::move(ranges)},
                {"ranges_truncated", answer.range_count > static_cast<std::int64_t>(answer.ranges.size())},
                {"data_version", index.stats().version}};
}

Result<object> DomainJson(std::string_view name) {
  ASSIGN_OR_RETURN(auto answer, jd::LookupDomain(name));
  return object{{"name", answer.name},
                {"tld", answer.tld},
                {"tld_unicode", OrNull(answer.tld_unicode)},
                {"country", answer.jurisdiction.country},
                {"state", OrNull(answer.jurisdiction.state)},
                {"jurisdiction", JurisdictionJson(answer.jurisdiction)},
                {"note", OrNull(answer.note)}};
}

Result<http::Response> LookupIp(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authorize(app, request, security::Action::kJurisdictionLookup));
  ASSIGN_OR_RETURN(auto index, CurrentIndex(app));
  std::string text = request.path_params["address"];
  if (auto length = request.path_params.find("length"); length != request.path_params.end()) {
    text += "/" + length->second;
  }
  ASSIGN_OR_RETURN(auto answer, AddressOrPrefixJson(*index, text));
  return Json(200, answer);
}

Result<http::Response> LookupAs(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authorize(app, request, security::Action::kJurisdictionLookup));
  ASSIGN_OR_RETURN(auto number, ParseAsNumber(request.path_params["number"]));
  ASSIGN_OR_RETURN(auto index, CurrentIndex(app));
  ASSIGN_OR_RETURN(auto answer, AsJson(*index, number));
  return Json(200, answer);
}

Result<http::Response> LookupDomain(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authorize(app, request, security::Action::kJurisdictionLookup));
  ASSIGN_OR_RETURN(auto answer, DomainJson(request.path_params["name"]));
  return Json(200, answer);
}

// One batch item: an address or prefix, an AS ("AS3215" or a bare number), or a domain.
Result<object> LookupItem(const jd::JurisdictionIndex& index, std::string_view item) {
  bool has_colon = item.find(':') != std::string_view::npos;
  bool digits_and_dots = !item.empty() && item.find_first_not_of("0123456789./") == std::string_view::npos;
  if (has_colon || (digits_and_dots && item.find('.') != std::string_view::npos)) {
    ASSIGN_OR_RETURN(auto answer, AddressOrPrefixJson(index, item));
    answer["kind"] = item.find('/') == std::string_view::npos ? "ip" : "prefix";
    return answer;
  }
  bool as_form = item.size() > 2 && (item[0] == 'A' || item[0] == 'a') &&
                 (item[1] == 'S' || item[1] == 's') &&
                 item.find_first_not_of("0123456789", 2) == std::string_view::npos;
  if (as_form || (!item.empty() && item.find_first_not_of("0123456789") == std::string_view::npos)) {
    ASSIGN_OR_RETURN(auto number, ParseAsNumber(item));
    ASSIGN_OR_RETURN(auto answer, AsJson(index, number));
    answer["kind"] = "asn";
    return answer;
  }
  ASSIGN_OR_RETURN(auto answer, DomainJson(item));
  answer["kind"] = "domain";
  return answer;
}

Result<http::Response> Batch(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authorize(app, request, security::Action::kJurisdictionLookup));
  ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
  const auto* items = body.as_object().if_contains("items");
  if (items == nullptr || !items->is_array()) {
    return Error::InvalidArgument("send {\"items\": [\"192.0.2.1\", \"AS64500\", …]}", "items",
                                  "invalid_items");
  }
  for (const auto& [key, v] : body.as_object()) {
    if (key != "items") {
      return Error::InvalidArgument("unknown field", std::string(key), "unknown_field");
    }
  }
  const auto& list = items->as_array();
  if (list.size() > kMaxBatchItems) {
    return Error::InvalidArgument("a batch holds at most 100000 items; this one has " +
                                      std::to_string(list.size()),
                                  "items", "body_too_large");
  }
  ASSIGN_OR_RETURN(auto index, CurrentIndex(app));
  array results;
  results.reserve(list.size());
  std::size_t failed = 0;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_string()) {
      return Error::InvalidArgument("every item must be a string",
                                    "items[" + std::to_string(i) + "]", "invalid_items");
    }
    std::string_view item = list[i].as_string();
    auto answer = LookupItem(*index, item);
    if (answer.has_value()) {
      (*answer)["item"] = item;
      results.push_back(std::move(*answer));
    } else {
      ++failed;
      results.push_back(object{{"item", item},
                               {"error", object{{"code", ErrorCodeName(answer.error().code)},
                                                {"reason", OrNull(answer.error().reason)},
                                                {"message", answer.error().message}}}});
    }
  }
  return Json(200, {{"data_version", index->stats().version},
                    {"count", list.size()},
                    {"failed", failed},
                    {"results", std::move(results)}});
}

Result<bool> QueryFlag(const http::Request& request, const std::string& name) {
  std::string text = request.Query(name).value_or("false");
  if (text != "true" && text != "false") {
    return Error::InvalidArgument("must be true or false", name, "invalid_boolean");
  }
  return text == "true";
}

// The draft options of a report (?tlp=&urgency=&language=&impact=&max_indicators=).
Result<requests::MitigationDraftOptions> DraftOptions(const http::Request& request) {
  requests::MitigationDraftOptions options;
  if (auto tlp = request.Query("tlp")) {
    auto parsed = requests::ParseTlp(*tlp);
    if (!parsed) {
      return Error::InvalidArgument("one of CLEAR, GREEN, AMBER, AMBER+STRICT, RED", "tlp",
                                    "unknown_value");
    }
    options.tlp = *parsed;
  }
  if (auto urgency = request.Query("urgency")) {
    auto parsed = requests::ParseUrgency(*urgency);
    if (!parsed) {
      return Error::InvalidArgument("one of critical, urgent, routine", "urgency", "unknown_value");
    }
    options.urgency = *parsed;
  }
  options.language = request.Query("language").value_or("");
  options.impact = request.Query("impact").value_or("");
  if (auto max = request.Query("max_indicators")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), n);
    if (ec != std::errc() || end != max->data() + max->size() || n < 1 ||
        n > requests::kMaxIndicators) {
      return Error::InvalidArgument(
          "a number from 1 to " + std::to_string(requests::kMaxIndicators), "max_indicators",
          "out_of_range");
    }
    options.max_indicators = n;
  }
  return options;
}

// The file of the state's share attached to a draft, or null.
value DraftAttachmentJson(const std::optional<requests::DraftAttachment>& d) {
  if (!d) return nullptr;
  const requests::Attachment& a = d->attachment;
  return object{{"id", a.id},
                {"filename", a.filename},
                {"media_type", a.media_type},
                {"bytes", a.size},
                {"sha256", a.sha256},
                {"lines", d->rows},
                {"total_lines", d->total_rows},
                {"truncated", d->truncated()}};
}

object DraftsJson(const requests::MitigationDrafts& made) {
  array drafts, skipped;
  for (const auto& d : made.drafts) {
    drafts.push_back(object{{"id", d.request.id},
                            {"requested_state", d.request.requested_state},
                            {"status", requests::RequestStatusName(d.request.status)},
                            {"version", d.request.version},
                            {"tlp", requests::TlpName(d.request.content->tlp)},
                            {"urgency", requests::UrgencyName(d.request.urgency)},
                            {"language", d.request.content->language},
                            {"subject", d.request.content->subject},
                            {"indicators", d.indicators},
                            {"distinct_addresses", d.distinct_addresses},
                            {"observations", d.observations},
                            {"attachment", DraftAttachmentJson(d.attachment)}});
  }
  for (const auto& s : made.skipped) {
    skipped.push_back(object{{"group", s.group},
                             {"state", OrNull(s.state)},
                             {"reason", requests::DraftSkipName(s.reason)},
                             {"observations", s.observations}});
  }
  return {{"drafts", std::move(drafts)}, {"skipped", std::move(skipped)}};
}

std::int64_t AttachmentMaxBytes(const AppContext& app) {
  return app.config->requests.attachment_max_bytes;
}

Result<jd::AttributionOptions> ReportOptions(const http::Request& request) {
  jd::AttributionOptions options;
  std::string type = AsciiLower(request.Header("Content-Type").value_or(""));
  type = type.substr(0, type.find(';'));
  if (type == "text/csv") {
    options.format = jd::FeedFormat::kCsv;
  } else if (type == "application/x-ndjson" || type == "application/ndjson") {
    options.format = jd::FeedFormat::kNdjson;
  } else {
    return Error::InvalidArgument("send the feed as text/csv or application/x-ndjson (gzip "
                                  "allowed)",
                                  "Content-Type", "unsupported_media_type");
  }
  options.address_field = request.Query("column").value_or("");
  options.category_field = request.Query("category_column").value_or("");
  options.time_field = request.Query("time_column").value_or("");
  ASSIGN_OR_RETURN(bool strict, QueryFlag(request, "strict"));
  options.strictness = strict ? jd::Strictness::kFailOnFirst : jd::Strictness::kReportAndSkip;
  options.threads = 2;
  options.max_observations = kMaxReportObservations;
  return options;
}

// The body is streamed (BodyMode::kStreamed): every check that can refuse the request runs before
// the first byte of it is read, so a refused caller never sends the feed.
Result<http::Response> Report(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, Authorize(app, request, security::Action::kJurisdictionReport));
  ASSIGN_OR_RETURN(auto options, ReportOptions(request));
  ASSIGN_OR_RETURN(bool drafting, QueryFlag(request, "drafts"));
  requests::MitigationDraftOptions draft_options;
  if (drafting) {
    // Refused before the feed is read, so a caller without the right does not wait for nothing.
    RETURN_IF_ERROR(requests::CheckMayDraftMitigation(principal));
    ASSIGN_OR_RETURN(draft_options, DraftOptions(request));
  }
  ASSIGN_OR_RETURN(auto index, CurrentIndex(app));
  auto read_body = [body = request.body_stream](char* buffer, std::size_t size) {
    return body->Read(buffer, size);
  };
  ASSIGN_OR_RETURN(auto source, jd::FeedFromReader(read_body));
  // Drafts carry each state's rows as an attachment, collected while the feed is read.
  std::optional<jd::GroupShareCollector> shares;
  if (drafting) {
    shares.emplace(*index, AttachmentMaxBytes(app), [&principal](const std::string& group) {
      return requests::MayGetDraft(principal, group);
    });
  }
  ASSIGN_OR_RETURN(auto summary, shares ? jd::Attribute(*source, *index, options, *shares)
                                        : jd::Attribute(*source, *index, options));
  array groups;
  for (const auto& g : summary.groups) {
    object categories;
    for (const auto& [category, count] : g.categories) categories[category] = count;
    array countries;
    for (const auto& c : g.countries) countries.push_back(value(c));
    groups.push_back(object{{"group", g.group},
                            {"state", OrNull(g.state)},
                            {"countries", std::move(countries)},
                            {"observations", g.observations},
                            {"distinct_addresses", g.distinct_addresses},
                            {"distinct_as_numbers", g.distinct_as_numbers},
                            {"first_seen", TimeJson(g.first_seen)},
                            {"last_seen", TimeJson(g.last_seen)},
                            {"categories", std::move(categories)}});
  }
  array errors;
  for (const auto& e : summary.errors) {
    errors.push_back(object{{"line", e.line}, {"message", e.message}});
  }
  object drafts{{"drafts", array()}, {"skipped", array()}};
  if (drafting) {
    ASSIGN_OR_RETURN(auto made, requests::DraftMitigationRequests(
                                    *app.db, principal, summary, draft_options, app.clock->Now(),
                                    {&*shares, AttachmentMaxBytes(app)}));
    drafts = DraftsJson(made);
  }
  return Json(200, {{"data_version", summary.data_version},
                    {"address_column", summary.address_field},
                    {"category_column", OrNull(summary.category_field)},
                    {"time_column", OrNull(summary.time_field)},
                    {"lines", summary.lines},
                    {"observations", summary.observations},
                    {"malformed", summary.malformed},
                    {"errors", std::move(errors)},
                    {"states", std::move(groups)},
                    {"drafts", std::move(drafts["drafts"])},
                    {"skipped", std::move(drafts["skipped"])}});
}

}  // namespace

void AddJurisdictionRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/api/v1/jurisdiction/ip/{address}", Bind(app, LookupIp));
  router.Add("GET", "/api/v1/jurisdiction/ip/{address}/{length}", Bind(app, LookupIp));
  router.Add("GET", "/api/v1/jurisdiction/asn/{number}", Bind(app, LookupAs));
  router.Add("GET", "/api/v1/jurisdiction/domain/{name}", Bind(app, LookupDomain));
  router.Add("POST", "/api/v1/jurisdiction/lookup", Bind(app, Batch));
  router.Add("POST", "/api/v1/jurisdiction/reports", Bind(app, Report),
             http::BodyMode::kStreamed);
}

}  // namespace liaison::api
