// JSON renderings of domain records for the wire, and parsers of request bodies into domain
// inputs. Shared by the api/*_api.cpp files.
#pragma once

#include <boost/json.hpp>

#include "core/json.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "directory/campaigns.hpp"
#include "directory/contacts.hpp"
#include "security/accounts.hpp"
#include "security/organizations.hpp"

namespace liaison::api {

boost::json::object OrganizationJson(const security::Organization& org);
boost::json::object AccountJson(const security::Account& account);
// A contact, with `in_working_hours_now` computed at `now`.
// `sp`: where the result's memory comes from; a list renders into one monotonic resource so that
// building and dropping it costs a few large allocations instead of hundreds of small ones.
boost::json::object ContactJson(const directory::PointOfContact& contact, TimePoint now,
                                boost::json::storage_ptr sp = {});
boost::json::object CampaignJson(const directory::PingCampaign& campaign);

// Parses a POST /contacts body. Unknown fields, wrong types and malformed values are
// invalid_argument naming the field; the domain validates the rest.
Result<directory::ContactInput> ParseContactInput(const boost::json::value& body);
// Parses a PATCH /contacts/{id} body: only the fields present change; null clears optional ones.
Result<directory::ContactPatch> ParseContactPatch(const boost::json::value& body);

}  // namespace liaison::api
