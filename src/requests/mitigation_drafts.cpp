#include "requests/mitigation_drafts.hpp"

#include <algorithm>
#include <map>

#include "core/countries.hpp"
#include "directory/contacts.hpp"
#include "jurisdiction/ip_address.hpp"
#include "notify/templates.hpp"
#include "requests/request_records.hpp"
#include "security/accounts.hpp"

namespace liaison::requests {
namespace {

namespace jd = liaison::jurisdiction;
using store::Transaction;
using store::TxMode;

// How many categories and AS numbers the description and evidence name; the rest are counted.
constexpr std::size_t kListedCategories = 20;
constexpr std::size_t kListedAsNumbers = 50;
constexpr std::size_t kMaxCategoryLength = 60;

// A category from the feed as text for the description: control characters and bytes that are
// not UTF-8 become "?", and long names are cut (the feed is not trusted to be clean text).
std::string CleanCategory(std::string_view raw) {
  if (raw.empty()) return "-";
  std::string out;
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < raw.size() && code_points < kMaxCategoryLength; ++code_points) {
    const auto lead = static_cast<unsigned char>(raw[i]);
    const std::size_t length = lead < 0x80           ? 1
                               : (lead >> 5) == 0x6  ? 2
                               : (lead >> 4) == 0xe  ? 3
                               : (lead >> 3) == 0x1e ? 4
                                                     : 0;
    bool valid = length > 0 && i + length <= raw.size() && lead != 0xC0 && lead != 0xC1 &&
                 lead <= 0xF4;
    for (std::size_t k = 1; valid && k < length; ++k) {
      valid = (static_cast<unsigned char>(raw[i + k]) & 0xC0) == 0x80;
    }
    if (valid && length > 2) {
      // No overlong forms, no UTF-16 surrogates, nothing above U+10FFFF (RFC 3629 §4).
      const auto second = static_cast<unsigned char>(raw[i + 1]);
      valid = !(lead == 0xE0 && second < 0xA0) && !(lead == 0xED && second >= 0xA0) &&
              !(lead == 0xF0 && second < 0x90) && !(lead == 0xF4 && second >= 0x90);
    }
    if (!valid || lead < 0x20 || lead == 0x7f) {
      out += '?';
      ++i;
      continue;
    }
    out.append(raw.substr(i, length));
    i += length;
  }
  return out;
}

// "scanner 12, c2 3, … (4 more)": the most frequent first.
std::string CategoriesText(const jd::GroupSummary& g) {
  std::vector<std::pair<std::int64_t, std::string>> sorted;
  for (const auto& [category, count] : g.categories) sorted.emplace_back(-count, category);
  std::sort(sorted.begin(), sorted.end());
  std::string out;
  for (std::size_t i = 0; i < sorted.size() && i < kListedCategories; ++i) {
    if (!out.empty()) out += ", ";
    out += CleanCategory(sorted[i].second) + " " + std::to_string(-sorted[i].first);
  }
  if (sorted.size() > kListedCategories) {
    out += ", … (" + std::to_string(sorted.size() - kListedCategories) + " more)";
  }
  return out;
}

// "AS3215, AS12322, … (7 more)", or "-" when none is known.
std::string AsNumbersText(const jd::GroupSummary& g) {
  if (g.as_numbers.empty()) return "-";
  std::string out;
  for (std::size_t i = 0; i < g.as_numbers.size() && i < kListedAsNumbers; ++i) {
    if (!out.empty()) out += ", ";
    out += "AS" + std::to_string(g.as_numbers[i]);
  }
  if (g.as_numbers.size() > kListedAsNumbers) {
    out += ", … (" + std::to_string(g.as_numbers.size() - kListedAsNumbers) + " more)";
  }
  return out;
}

// The first `limit` distinct addresses of `g` (IPv4 then IPv6, each ascending) as indicators.
std::vector<Indicator> AddressIndicators(const jd::GroupSummary& g, std::size_t limit) {
  std::vector<Indicator> out;
  out.reserve(std::min(limit, g.addresses_v4.size() + g.addresses_v6.size()));
  for (std::uint32_t v4 : g.addresses_v4) {
    if (out.size() == limit) return out;
    out.push_back(
        {IndicatorType::kIpv4, jd::FormatIpAddress({jd::IpFamily::kIpv4, jd::Uint128{v4}}), ""});
  }
  for (const jd::Uint128& v6 : g.addresses_v6) {
    if (out.size() == limit) return out;
    out.push_back({IndicatorType::kIpv6, jd::FormatIpAddress({jd::IpFamily::kIpv6, v6}), ""});
  }
  return out;
}

// The state's figures, one per line, for mitigation.evidence. Field names are fixed English
// keys, so the receiving CERT can read them whatever the request's language.
std::string EvidenceText(const jd::AttributionSummary& summary, const jd::GroupSummary& g) {
  std::string countries;
  for (const auto& c : g.countries) countries += (countries.empty() ? "" : ", ") + c;
  std::string out;
  out += "observations: " + std::to_string(g.observations) + "\n";
  out += "distinct_addresses: " + std::to_string(g.distinct_addresses) + " (IPv4 " +
         std::to_string(g.addresses_v4.size()) + ", IPv6 " + std::to_string(g.addresses_v6.size()) +
         ")\n";
  out += "countries: " + countries + "\n";
  out += "categories: " + CategoriesText(g) + "\n";
  out += "as_numbers: " + AsNumbersText(g) + " (" + std::to_string(g.distinct_as_numbers) +
         " distinct)\n";
  if (g.first_seen && g.last_seen) {
    out +=
        "observed: " + FormatRfc3339(*g.first_seen) + " to " + FormatRfc3339(*g.last_seen) + "\n";
  }
  out += "feed: " + std::to_string(summary.observations) + " observations in " +
         std::to_string(summary.lines) + " records, " + std::to_string(summary.malformed) +
         " malformed; address field \"" + summary.address_field + "\"\n";
  out += "ip_data: " + summary.data_version + "\n";
  return out;
}

// The evidence line on the attached file.
std::string AttachmentEvidence(const jd::GroupShare& share) {
  std::string out = "attachment: " + share.filename + ", " + std::to_string(share.rows) + " of " +
                    std::to_string(share.total_rows) + " observations";
  if (share.truncated()) {
    out +=
        " (the first ones: the whole share is larger than the node's attachment limit even "
        "compressed)";
  }
  return out + "\n";
}

std::string StateName(const std::string& alpha2, const std::string& language) {
  const Country* c = FindCountry(alpha2);
  return c ? CountryName(*c, language) : alpha2;
}

// The draft for state `g.state`, written in `language`.
Result<RequestDraft> DraftFor(const security::Principal& actor,
                              const jd::AttributionSummary& summary, const jd::GroupSummary& g,
                              const jd::GroupShare* share, const MitigationDraftOptions& options,
                              const std::string& language, std::size_t max_indicators,
                              TimePoint now) {
  RequestDraft draft;
  draft.requested_state = g.state;
  draft.type = RequestType::kMitigation;
  draft.urgency = options.urgency;
  RequestContent& content = draft.content;
  content.indicators = AddressIndicators(g, max_indicators);
  // A window that starts in the future (a feed with wrong clocks) is left for the sender to set.
  const bool window = g.first_seen && g.last_seen && *g.first_seen <= now;
  const std::map<std::string, std::string> params = {
      {"requesting_state", StateName(actor.state, language)},
      {"requested_state", StateName(g.state, language)},
      {"observations", std::to_string(g.observations)},
      {"distinct_addresses", std::to_string(g.distinct_addresses)},
      {"listed_addresses", std::to_string(content.indicators.size())},
      {"as_numbers", AsNumbersText(g)},
      {"categories", CategoriesText(g)},
      {"observed_from", window ? FormatRfc3339(*g.first_seen) : "-"},
      {"observed_to", window ? FormatRfc3339(*g.last_seen) : "-"},
      {"data_version", summary.data_version},
      {"attachment", share ? share->filename : "-"},
      {"attached_observations", std::to_string(share ? share->rows : 0)}};
  ASSIGN_OR_RETURN(auto text, notify::RenderTemplate("request.mitigation_draft", language, params));
  content.subject = std::move(text.subject);
  content.description = std::move(text.body);
  content.language = text.language;
  content.tlp = options.tlp;
  MitigationDetails details;
  details.evidence = EvidenceText(summary, g);
  if (share) details.evidence += AttachmentEvidence(*share);
  details.impact = options.impact;
  if (window) {
    details.observed_from = *g.first_seen;
    details.observed_to = *g.last_seen;
    content.activity_started_at = *g.first_seen;
  }
  content.mitigation = std::move(details);
  return draft;
}

// Whether `state` can receive a request here: some contact at the level mitigation requests are
// routed to, or the policy level they fall back to.
Result<bool> OnNode(Transaction& tx, const std::string& state) {
  for (auto level : {RoutingLevel(RequestType::kMitigation), directory::ContactLevel::kPolicy}) {
    ASSIGN_OR_RETURN(auto contacts, directory::ContactsOfState(tx, state, level));
    if (!contacts.empty()) return true;
  }
  return false;
}

}  // namespace

std::string_view DraftSkipName(DraftSkip skip) {
  switch (skip) {
    case DraftSkip::kNoState:
      return "no_state";
    case DraftSkip::kOwnState:
      return "own_state";
    case DraftSkip::kNotOnNode:
      return "not_on_node";
  }
  return "no_state";
}

bool MayGetDraft(const security::Principal& actor, const std::string& group) {
  return group != actor.state && IsParticipatingState(group);
}

Status CheckMayDraftMitigation(const security::Principal& actor) {
  if (actor.anonymous()) return Error::Unauthenticated("sign in to make a request");
  CooperationRequest probe;
  probe.type = RequestType::kMitigation;
  probe.requesting_organization_id = actor.organization_id;
  probe.requesting_state = actor.state;
  return security::Authorize(actor, security::Action::kRequestCreate, RequestResource(probe));
}

Result<MitigationDrafts> DraftMitigationRequests(store::Database& db,
                                                 const security::Principal& actor,
                                                 const jd::AttributionSummary& summary,
                                                 const MitigationDraftOptions& options,
                                                 TimePoint now, const FeedShares& shares) {
  RETURN_IF_ERROR(CheckMayDraftMitigation(actor));
  const auto& languages = notify::TemplateLanguages();
  if (!options.language.empty() &&
      std::find(languages.begin(), languages.end(), options.language) == languages.end()) {
    return Error::InvalidArgument("one of ar, zh, en, fr, ru, es", "language", "invalid_language");
  }
  const std::size_t max_indicators =
      std::clamp<std::size_t>(options.max_indicators, 1, kMaxIndicators);
  // The files of every group that may get a draft, taken before the transaction so that a rerun
  // of its body finds them again.
  std::map<std::string, jd::GroupShare> files;
  if (shares.collector) {
    for (const jd::GroupSummary& g : summary.groups) {
      if (g.state.empty() || !MayGetDraft(actor, g.group)) continue;
      ASSIGN_OR_RETURN(auto share, shares.collector->Take(g.group));
      if (share) files.emplace(g.group, std::move(*share));
    }
  }
  return store::InTransaction(db, TxMode::kWrite, [&](Transaction& tx) -> Result<MitigationDrafts> {
    std::string language = options.language;
    if (language.empty()) {
      ASSIGN_OR_RETURN(auto account, security::FindAccount(tx, actor.account_id));
      language = account ? account->language : "en";
    }
    MitigationDrafts out;
    for (const jd::GroupSummary& g : summary.groups) {
      SkippedGroup skipped{g.group, g.state, DraftSkip::kNoState, g.observations};
      if (g.state.empty() || !IsParticipatingState(g.state)) {
        out.skipped.push_back(std::move(skipped));
        continue;
      }
      if (g.state == actor.state) {
        skipped.reason = DraftSkip::kOwnState;
        out.skipped.push_back(std::move(skipped));
        continue;
      }
      ASSIGN_OR_RETURN(bool on_node, OnNode(tx, g.state));
      if (!on_node) {
        skipped.reason = DraftSkip::kNotOnNode;
        out.skipped.push_back(std::move(skipped));
        continue;
      }
      const auto file = files.find(g.group);
      const jd::GroupShare* share = file == files.end() ? nullptr : &file->second;
      ASSIGN_OR_RETURN(RequestDraft draft,
                       DraftFor(actor, summary, g, share, options, language, max_indicators, now));
      ASSIGN_OR_RETURN(CooperationRequest r,
                       internal::NewRequest(actor, draft, Submission::kSaveAsDraft, now));
      RETURN_IF_ERROR(internal::StoreNewRequest(tx, actor, r, Submission::kSaveAsDraft,
                                                RequestSettings{}, now));
      MitigationDraft made;
      if (share) {
        AttachmentInput input;
        input.filename = share->filename;
        input.media_type = share->media_type;
        input.content = share->content;
        ASSIGN_OR_RETURN(Attachment a,
                         internal::AttachToRequest(tx, actor, r, input, shares.max_bytes, now));
        made.attachment = DraftAttachment{std::move(a), share->rows, share->total_rows};
      }
      made.indicators = static_cast<std::int64_t>(r.content->indicators.size());
      made.distinct_addresses = g.distinct_addresses;
      made.observations = g.observations;
      made.request = std::move(r);
      out.drafts.push_back(std::move(made));
    }
    return out;
  });
}

}  // namespace liaison::requests
