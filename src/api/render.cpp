#include "api/render.hpp"

#include "api/context.hpp"
#include "directory/working_hours.hpp"

namespace liaison::api {
namespace {

boost::json::array Strings(const std::vector<std::string>& values,
                           boost::json::storage_ptr sp = {}) {
  boost::json::array out(sp);
  out.reserve(values.size());
  for (const auto& v : values) out.emplace_back(v);
  return out;
}

boost::json::object WorkingHoursJson(const directory::WorkingHours& hours,
                                     boost::json::storage_ptr sp = {}) {
  boost::json::object out(sp);
  for (std::size_t d = 0; d < directory::kWeekdays.size(); ++d) {
    if (!hours[d].empty()) out[directory::kWeekdays[d]] = Strings(hours[d], sp);
  }
  return out;
}

boost::json::value OptionalText(const std::string& s, boost::json::storage_ptr sp = {}) {
  if (s.empty()) return boost::json::value(nullptr, sp);
  return boost::json::value(boost::json::string_view(s), sp);
}

Result<directory::WorkingHours> ParseWorkingHours(const boost::json::value& v,
                                                  const std::string& field) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(v, field));
  directory::WorkingHours hours;
  for (std::size_t d = 0; d < directory::kWeekdays.size(); ++d) {
    ASSIGN_OR_RETURN(
        hours[d], reader.StringArray(directory::kWeekdays[d], directory::kMaxIntervalsPerDay, 11));
  }
  RETURN_IF_ERROR(reader.RejectUnknown());
  return hours;
}

Result<std::vector<directory::Channel>> ParseChannels(json::ObjectReader& reader) {
  ASSIGN_OR_RETURN(auto names, reader.StringArray("preferred_channels", 3, 16));
  std::vector<directory::Channel> channels;
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto c = directory::ParseChannel(names[i]);
    if (!c) {
      return Error::InvalidArgument("must be email, phone or liaison",
                                    "preferred_channels[" + std::to_string(i) + "]",
                                    "invalid_channel");
    }
    channels.push_back(*c);
  }
  return channels;
}

Result<directory::ContactRole> ParseRole(json::ObjectReader& reader) {
  ASSIGN_OR_RETURN(auto text, reader.RequiredString("role", 16));
  auto role = directory::ParseContactRole(text);
  if (!role) return Error::InvalidArgument("must be primary or backup", "role", "invalid_role");
  return *role;
}

Result<directory::ContactLevel> ParseLevel(const std::string& text) {
  auto level = directory::ParseContactLevel(text);
  if (!level)
    return Error::InvalidArgument("must be policy, technical or law_enforcement", "level",
                                  "invalid_level");
  return *level;
}

}  // namespace

boost::json::object OrganizationJson(const security::Organization& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"category", security::OrgCategoryName(org.category)},
          {"kind", security::OrgKindName(org.kind)},
          {"state", OptionalText(org.state)},
          {"website", OptionalText(org.website)},
          {"version", org.version},
          {"created_at", TimeJson(org.created_at)},
          {"updated_at", TimeJson(org.updated_at)}};
}

boost::json::object AccountJson(const security::Account& account) {
  boost::json::array roles;
  for (auto r : account.roles) roles.emplace_back(security::RoleName(r));
  return {{"id", account.id},
          {"organization_id", account.organization_id},
          {"email", account.email},
          {"display_name", account.display_name},
          {"roles", std::move(roles)},
          {"language", account.language},
          {"time_zone", account.time_zone},
          {"disabled", account.disabled},
          {"version", account.version},
          {"created_at", TimeJson(account.created_at)},
          {"updated_at", TimeJson(account.updated_at)}};
}

boost::json::object ContactJson(const directory::PointOfContact& c, TimePoint now,
                                boost::json::storage_ptr sp) {
  boost::json::array channels(sp);
  for (auto ch : c.preferred_channels) channels.emplace_back(directory::ChannelName(ch));
  return boost::json::object({{"id", c.id},
                              {"organization_id", c.organization_id},
                              {"organization_name", c.organization_name},
                              {"state", OptionalText(c.state, sp)},
                              {"level", directory::ContactLevelName(c.level)},
                              {"role", directory::ContactRoleName(c.role)},
                              {"name", c.name},
                              {"title", c.title},
                              {"emails", Strings(c.emails, sp)},
                              {"phones", Strings(c.phones, sp)},
                              {"languages", Strings(c.languages, sp)},
                              {"time_zone", c.time_zone},
                              {"working_hours", WorkingHoursJson(c.working_hours, sp)},
                              {"available_24_7", c.available_24_7},
                              {"openpgp_fingerprint", OptionalText(c.openpgp_fingerprint, sp)},
                              {"openpgp_key", OptionalText(c.openpgp_key, sp)},
                              {"preferred_channels", std::move(channels)},
                              {"notes", c.notes},
                              {"stale", c.stale},
                              {"in_working_hours_now", directory::IsWithinWorkingHours(c, now)},
                              {"version", c.version},
                              {"created_at", FormatRfc3339(c.created_at)},
                              {"updated_at", FormatRfc3339(c.updated_at)}},
                             /*min_capacity=*/22, sp);
}

boost::json::object CampaignJson(const directory::PingCampaign& c) {
  return {{"id", c.id},
          {"organization_id", c.organization_id},
          {"owner_state", OptionalText(c.owner_state)},
          {"created_by", c.created_by},
          {"scope", directory::CampaignScopeName(c.scope)},
          {"group", c.scope == directory::CampaignScope::kRegionalGroup
                        ? boost::json::value(RegionalGroupName(c.regional_group))
                        : boost::json::value(nullptr)},
          {"states", Strings(c.states)},
          {"level", directory::CampaignLevelName(c.level)},
          {"deadline", TimeJson(c.deadline)},
          {"created_at", TimeJson(c.created_at)},
          {"closed_at", TimeJson(c.closed_at)},
          {"targets", c.targets},
          {"acknowledged", c.acknowledged},
          {"emails_queued", c.emails_queued}};
}

Result<directory::ContactInput> ParseContactInput(const boost::json::value& body) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  directory::ContactInput in;
  ASSIGN_OR_RETURN(in.organization_id, reader.RequiredString("organization_id", 64));
  ASSIGN_OR_RETURN(auto level, reader.RequiredString("level", 16));
  ASSIGN_OR_RETURN(in.level, ParseLevel(level));
  if (reader.Has("role")) {
    ASSIGN_OR_RETURN(in.role, ParseRole(reader));
  }
  ASSIGN_OR_RETURN(in.name, reader.RequiredString("name", 200));
  ASSIGN_OR_RETURN(auto title, reader.OptionalString("title", 200));
  in.title = title.value_or("");
  ASSIGN_OR_RETURN(in.emails, reader.StringArray("emails", directory::kMaxEmails, 254));
  ASSIGN_OR_RETURN(in.phones, reader.StringArray("phones", directory::kMaxPhones, 32));
  ASSIGN_OR_RETURN(in.languages, reader.StringArray("languages", directory::kMaxLanguages, 35));
  ASSIGN_OR_RETURN(in.time_zone, reader.RequiredString("time_zone", 64));
  if (const auto* wh = reader.Find("working_hours")) {
    ASSIGN_OR_RETURN(in.working_hours, ParseWorkingHours(*wh, "working_hours"));
  }
  ASSIGN_OR_RETURN(auto always, reader.OptionalBool("available_24_7"));
  in.available_24_7 = always.value_or(false);
  ASSIGN_OR_RETURN(auto fingerprint, reader.OptionalString("openpgp_fingerprint", 60));
  in.openpgp_fingerprint = fingerprint.value_or("");
  ASSIGN_OR_RETURN(auto key, reader.OptionalString("openpgp_key", directory::kMaxOpenPgpKeyBytes));
  in.openpgp_key = key.value_or("");
  ASSIGN_OR_RETURN(in.preferred_channels, ParseChannels(reader));
  ASSIGN_OR_RETURN(auto notes, reader.OptionalString("notes", 4000));
  in.notes = notes.value_or("");
  RETURN_IF_ERROR(reader.RejectUnknown());
  return in;
}

Result<directory::ContactPatch> ParseContactPatch(const boost::json::value& body) {
  ASSIGN_OR_RETURN(auto reader, json::ObjectReader::Create(body));
  directory::ContactPatch patch;
  auto text = [&](const char* key, std::size_t max, std::optional<std::string>& out) -> Status {
    if (!reader.Has(key)) return OkStatus();
    ASSIGN_OR_RETURN(auto v, reader.OptionalString(key, max));
    out = v.value_or("");
    return OkStatus();
  };
  auto list = [&](const char* key, std::size_t max_items, std::size_t max,
                  std::optional<std::vector<std::string>>& out) -> Status {
    if (!reader.Has(key)) return OkStatus();
    ASSIGN_OR_RETURN(auto v, reader.StringArray(key, max_items, max));
    out = std::move(v);
    return OkStatus();
  };
  if (reader.Has("organization_id")) {
    return Error::InvalidArgument("a contact cannot move to another organisation; create a new one",
                                  "organization_id", "immutable_field");
  }
  if (reader.Has("level")) {
    ASSIGN_OR_RETURN(auto level, reader.RequiredString("level", 16));
    ASSIGN_OR_RETURN(patch.level, ParseLevel(level));
  }
  if (reader.Has("role")) {
    ASSIGN_OR_RETURN(patch.role, ParseRole(reader));
  }
  if (reader.Has("name")) {
    ASSIGN_OR_RETURN(patch.name, reader.RequiredString("name", 200));
  }
  RETURN_IF_ERROR(text("title", 200, patch.title));
  RETURN_IF_ERROR(list("emails", directory::kMaxEmails, 254, patch.emails));
  RETURN_IF_ERROR(list("phones", directory::kMaxPhones, 32, patch.phones));
  RETURN_IF_ERROR(list("languages", directory::kMaxLanguages, 35, patch.languages));
  if (reader.Has("time_zone")) {
    ASSIGN_OR_RETURN(patch.time_zone, reader.RequiredString("time_zone", 64));
  }
  if (reader.Has("working_hours")) {
    const auto* wh = reader.Find("working_hours");
    if (wh) {
      ASSIGN_OR_RETURN(patch.working_hours, ParseWorkingHours(*wh, "working_hours"));
    } else {
      patch.working_hours = directory::WorkingHours{};
    }
  }
  if (reader.Has("available_24_7")) {
    ASSIGN_OR_RETURN(auto v, reader.OptionalBool("available_24_7"));
    patch.available_24_7 = v.value_or(false);
  }
  RETURN_IF_ERROR(text("openpgp_fingerprint", 60, patch.openpgp_fingerprint));
  RETURN_IF_ERROR(text("openpgp_key", directory::kMaxOpenPgpKeyBytes, patch.openpgp_key));
  if (reader.Has("preferred_channels")) {
    ASSIGN_OR_RETURN(patch.preferred_channels, ParseChannels(reader));
  }
  RETURN_IF_ERROR(text("notes", 4000, patch.notes));
  RETURN_IF_ERROR(reader.RejectUnknown());
  return patch;
}

}  // namespace liaison::api
