// The standard template of a cooperation request: its fixed vocabularies (types, urgency, TLP 2.0
// labels, critical-infrastructure sectors, requested actions, indicator types), the content a
// requester fills in, the fields each type adds (Budapest Convention Art. 29(2) for a
// preservation request), and the one JSON form of that content, used on the wire, in storage,
// in audit digests and in webhooks. Pure functions; thread-safe.
#pragma once

#include <boost/json.hpp>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "security/principal.hpp"

namespace liaison::requests {

// What is asked of the requested state (GGE 2015 norms 13(d), 13(h), 13(j) and §16-17).
enum class RequestType {
  kMitigation,                 // Malicious activity from its territory against the requester.
  kAssistance,                 // The requester's infrastructure is under attack; help wanted.
  kCriminalCooperation,        // To law-enforcement contacts (e.g. preservation of data).
  kInformation,                // A question or consultation between policy contacts.
  kIncidentNotification,       // An incident that may affect it; no action requested.
  kVulnerabilityNotification,  // A vulnerability in products or services in its territory.
};

enum class Urgency { kCritical, kUrgent, kRoutine };

// TLP 2.0 (FIRST), from least to most restrictive.
enum class Tlp { kClear, kGreen, kAmber, kAmberStrict, kRed };

// Critical-infrastructure sectors.
enum class Sector {
  kEnergy,
  kWater,
  kHealth,
  kFinance,
  kTransport,
  kTelecommunications,
  kGovernmentServices,
  kElections,
  kEmergencyServices,
  kFood,
  kSpace,
  kOther,
};

enum class RequestedAction {
  kBlockOrSinkhole,
  kTakeDown,
  kPreserveLogs,
  kIdentifyOperator,
  kShareInformation,
  kInvestigate,
  kNone,
};

enum class IndicatorType {
  kIpv4,
  kIpv6,
  kIpv4Prefix,
  kIpv6Prefix,
  kDomain,
  kUrl,
  kMd5,
  kSha1,
  kSha256,
  kSha512,
  kEmail,
};

// What kind of criminal-cooperation request: a preservation of stored data (Budapest
// Convention Art. 29) or any other request for cooperation.
enum class CriminalKind { kPreservation, kOther };

// Names on the wire and in storage: "mitigation", "critical", "AMBER+STRICT",
// "government_services", "block_or_sinkhole", "ipv4_prefix", "preservation", …
std::string_view RequestTypeName(RequestType v);
std::string_view UrgencyName(Urgency v);
std::string_view TlpName(Tlp v);
std::string_view SectorName(Sector v);
std::string_view RequestedActionName(RequestedAction v);
std::string_view IndicatorTypeName(IndicatorType v);
std::string_view CriminalKindName(CriminalKind v);
// Parsers of the names above; nullopt when unknown.
std::optional<RequestType> ParseRequestType(std::string_view name);
std::optional<Urgency> ParseUrgency(std::string_view name);
std::optional<Tlp> ParseTlp(std::string_view name);
std::optional<Sector> ParseSector(std::string_view name);
std::optional<RequestedAction> ParseRequestedAction(std::string_view name);
std::optional<IndicatorType> ParseIndicatorType(std::string_view name);
std::optional<CriminalKind> ParseCriminalKind(std::string_view name);

// Every value of each vocabulary, in declaration order (for documentation and error messages).
const std::vector<RequestType>& AllRequestTypes();
const std::vector<Sector>& AllSectors();
const std::vector<RequestedAction>& AllRequestedActions();
const std::vector<IndicatorType>& AllIndicatorTypes();

// The roles whose accounts may send, read and handle a request of `type`: policy always;
// technical for mitigation, assistance, incident and vulnerability notifications;
// law_enforcement for criminal cooperation.
std::set<security::Role> FittingRoles(RequestType type);

// One technical indicator, typed. Values are normalised: addresses in their canonical text form
// (RFC 5952 for IPv6), domains and hashes lower-case.
struct Indicator {
  IndicatorType type = IndicatorType::kIpv4;
  std::string value;
  std::string note;  // At most 500 characters.
};

// Checks `value` as an indicator of `type` and returns its normalised form; invalid_argument
// naming `field` with reason "invalid_indicator" otherwise.
Result<std::string> NormalizeIndicator(IndicatorType type, std::string_view value,
                                       const std::string& field);

// mitigation: the evidence, the observed window (UTC) and the impact.
struct MitigationDetails {
  std::string evidence;
  std::optional<TimePoint> observed_from;
  std::optional<TimePoint> observed_to;
  std::string impact;
};

// assistance: the help the requester needs.
struct AssistanceDetails {
  std::string help_needed;
};

// criminal_cooperation. Every kind names the authority, the offence and the facts; a
// preservation request adds the other fields of Budapest Convention Art. 29(2).
struct CriminalCooperationDetails {
  CriminalKind kind = CriminalKind::kOther;
  std::string authority;            // (a) the authority seeking the preservation.
  std::string offence;              // (b) the offence under investigation …
  std::string facts;                //     … and a brief summary of the related facts.
  std::string data_to_preserve;     // (c) the stored data to be preserved …
  std::string relation_to_offence;  //     … and its relationship to the offence.
  std::string data_location;        // (d) who holds the data or where the system is.
  std::string necessity;            // (e) why preservation is necessary.
  std::optional<bool> mutual_assistance_to_follow;  // (f) an MLA request will follow: true.
};

// vulnerability_notification: what is affected, and the remedies when known.
struct VulnerabilityDetails {
  std::string affected;
  std::string remedies;
};

// What a requester writes. Exactly the details of the request's type may be present.
struct RequestContent {
  std::string subject;      // At most 200 characters.
  std::string description;  // At most 20000 characters.
  std::string language;     // A BCP 47 tag (normalised), e.g. "fr" or "es-419".
  Tlp tlp = Tlp::kAmber;
  std::optional<Sector> sector;
  std::optional<TimePoint> activity_started_at;
  std::optional<bool> activity_ongoing;
  std::vector<Indicator> indicators;  // At most kMaxIndicators.
  std::vector<RequestedAction> requested_actions;
  std::optional<MitigationDetails> mitigation;
  std::optional<AssistanceDetails> assistance;
  std::optional<CriminalCooperationDetails> criminal_cooperation;
  std::optional<VulnerabilityDetails> vulnerability;
};

inline constexpr std::size_t kMaxIndicators = 1000;
inline constexpr std::size_t kMaxSubjectLength = 200;
inline constexpr std::size_t kMaxDescriptionLength = 20000;
inline constexpr std::size_t kMaxDetailLength = 10000;

// Whether a request is being saved as a draft (required fields may still be missing; what is
// present must be valid) or submitted (everything its type requires must be there).
enum class Completeness { kDraft, kSubmission };

// Checks `content` for a request of `type` at `now` and returns it normalised. invalid_argument
// naming the field: "subject", "language", "indicators[3].value",
// "criminal_cooperation.offence", "mitigation.observed_to", … with reasons "required",
// "invalid_indicator", "invalid_language", "unexpected_field", "invalid_window",
// "must_be_true", "in_the_future".
Result<RequestContent> ValidateContent(RequestType type, const RequestContent& content,
                                       Completeness completeness, TimePoint now);

// The JSON object of `content` (fixed key order; absent options left out).
boost::json::object ContentToJson(const RequestContent& content);

// Parses the content members of the JSON object read by `reader` (subject, description,
// language, tlp, sector, activity_started_at, activity_ongoing, indicators, requested_actions and
// the type details mitigation, assistance, criminal_cooperation, vulnerability_notification),
// marking them read; the caller rejects unknown members. A missing "tlp", wrong types and
// unknown vocabulary are invalid_argument naming the field; ValidateContent checks the rest.
Result<RequestContent> ParseContent(json::ObjectReader& reader);

}  // namespace liaison::requests
