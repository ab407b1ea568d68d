// Internal to directory/: how contacts are stored and read back, shared by contacts.cpp,
// campaigns.cpp and export.cpp. Not for other modules. Thread-safe (no state).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "directory/contacts.hpp"
#include "store/database.hpp"

namespace liaison::directory::internal {

// The column list that ContactFromRow() reads, in order, for "SELECT <columns> FROM contacts".
extern const char kContactColumns[];

// Decodes a row selected with kContactColumns. organization_name stays empty.
PointOfContact ContactFromRow(const store::Row& row);

// The contact `id` with its organisation's name, or nullopt; no policy check.
Result<std::optional<PointOfContact>> LoadContact(store::Transaction& tx, const std::string& id);

// The first of the contact's languages whose primary subtag is a UN official language ("fr" for
// "fr-CA"); "en" when none is.
std::string FirstUnLanguage(const PointOfContact& contact);

// `text` with ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic capitals lowered; other bytes
// unchanged. Used for the search column and search terms alike.
std::string LowerForSearch(std::string_view text);

// Working hours as a JSON object {"mon":["09:00-17:00"],…} and back.
std::string WorkingHoursToJson(const WorkingHours& hours);
WorkingHours WorkingHoursFromJson(std::string_view json_text);

}  // namespace liaison::directory::internal
