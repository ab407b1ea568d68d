#include "jurisdiction/data_service.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/text.hpp"

namespace liaison::jurisdiction {
namespace {

namespace fs = std::filesystem;

// The manifest's text, or "" when there is none.
std::string ReadManifest(const std::string& data_root) {
  std::ifstream in(fs::path(data_root) / kManifestFile);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value of `key=` in the manifest.
std::string ManifestValue(const std::string& manifest, std::string_view key) {
  std::istringstream lines(manifest);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 &&
        line[key.size()] == '=') {
      return line.substr(key.size() + 1);
    }
  }
  return {};
}

}  // namespace

JurisdictionService::JurisdictionService(std::string data_root, const Clock& clock)
    : data_root_(std::move(data_root)), clock_(clock) {}

Result<bool> JurisdictionService::ReloadIfChanged() {
  std::lock_guard lock(mutex_);
  std::string manifest = ReadManifest(data_root_);
  if (manifest.empty() || manifest == loaded_manifest_) return false;
  std::string directory = ManifestValue(manifest, "directory");
  auto loaded = JurisdictionIndex::Load(directory, clock_.Now());
  if (!loaded.has_value()) {
    last_error_ = loaded.error().message;
    // Remember the manifest, so that a bad set is not reloaded on every tick.
    loaded_manifest_ = manifest;
    return loaded.error();
  }
  current_.store(std::move(*loaded));
  loaded_manifest_ = manifest;
  last_error_.clear();
  return true;
}

std::string JurisdictionService::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

Result<IndexStats> UpdateDataSet(const std::string& data_root, const std::string& source_dir,
                                 TimePoint now) {
  ASSIGN_OR_RETURN(auto index, JurisdictionIndex::Load(source_dir, now));
  const IndexStats& stats = index->stats();
  std::error_code ec;
  fs::create_directories(data_root, ec);
  if (ec) return Error::Unavailable("cannot create " + data_root + ": " + ec.message());
  fs::path manifest = fs::path(data_root) / kManifestFile;
  fs::path temp = manifest;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << "version=" << stats.version << "\n"
        << "directory=" << stats.directory << "\n"
        << "updated_at=" << FormatRfc3339(now) << "\n";
    out.flush();
    if (!out) return Error::Unavailable("cannot write " + temp.string());
  }
  fs::rename(temp, manifest, ec);
  if (ec) return Error::Unavailable("cannot write " + manifest.string() + ": " + ec.message());
  return stats;
}

Result<std::string> NewestDataDirectory(const std::string& data_root) {
  std::error_code ec;
  std::string newest;
  for (const auto& entry : fs::directory_iterator(data_root, ec)) {
    if (!entry.is_directory()) continue;
    if (!fs::exists(entry.path() / kCountryIpv4File)) continue;
    std::string path = entry.path().string();
    if (path > newest) newest = path;
  }
  if (newest.empty()) {
    return Error::NotFound("no data directory under " + data_root +
                           "; run scripts/fetch-data first");
  }
  return newest;
}

}  // namespace liaison::jurisdiction
