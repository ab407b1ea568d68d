// The reviewed reference tables of data/ (compiled in): which state is responsible for a
// country code that is not itself a participating state (data/territories.csv), and which
// country a top-level domain belongs to (ISO 3166-1 codes, plus the exceptions and the
// internationalised ccTLDs of data/cctld.csv). Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::jurisdiction {

// Who answers for a country code.
struct Jurisdiction {
  std::string country;          // The code as given: "FR", "GP", "TW", "EU".
  std::string state;            // The responsible participating state; empty when there is
                                // none or when it is disputed.
  std::string administered_by;  // The state that administers it in fact, where one does.
  std::string status;           // "state", "territory", "disputed", "not_a_state", "unknown", …
  std::string note;             // Why, in a sentence; names every claimant of a dispute.
};

// The jurisdiction of `country` (upper-case alpha-2): a participating state answers for itself;
// territories and reserved codes as data/territories.csv says; any other code is "unknown"
// with no state.
Jurisdiction ResolveCountry(std::string_view country);

// A top-level domain's country.
struct DomainJurisdiction {
  std::string name;  // The name as looked up, lower-case, IDN labels in their xn-- form.
  std::string tld;   // "fr", "uk", "xn--p1ai".
  std::string tld_unicode;  // "рф" for an IDN ccTLD; empty otherwise.
  Jurisdiction jurisdiction;
  std::string note;  // The ccTLD's exception note (e.g. ".uk is GB"), if any.
};

// The country of `name`'s top-level domain. The name may end with a dot, be in any case, and
// carry internationalised labels in xn-- form or in UTF-8 (for the ccTLDs of data/cctld.csv).
// invalid_argument (field "name", reason "invalid_domain") for a malformed name; not_found
// (reason "not_cctld") for a generic TLD such as .com.
Result<DomainJurisdiction> LookupDomain(std::string_view name);

// The number of rows in each table, for tests and diagnostics.
std::size_t TerritoryCount();
std::size_t CctldExceptionCount();

}  // namespace liaison::jurisdiction
