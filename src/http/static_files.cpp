#include "http/static_files.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>

#include "http/response_cache.hpp"

namespace liaison::http {

namespace {

namespace fs = std::filesystem;

Response NotFound(const Request& request) {
  return ProblemResponse(Error::NotFound("no such resource"), request.request_id);
}

// True when `path` (decoded, starting with "/") has no "..", "." or empty-name tricks, no
// backslash and no NUL: only then is it joined to the root.
bool IsSafeRelative(std::string_view path) {
  if (path.empty() || path.front() != '/') return false;
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return false;
  }
  std::string_view rest = path.substr(1);
  while (!rest.empty()) {
    std::size_t slash = rest.find('/');
    std::string_view segment = rest.substr(0, slash);
    if (segment == "." || segment == "..") return false;
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return true;
}

bool IsWithin(const fs::path& root, const fs::path& candidate) {
  auto [root_end, unused] =
      std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
  return root_end == root.end();
}

bool HasExtension(std::string_view path) {
  std::size_t slash = path.rfind('/');
  std::string_view last = slash == std::string_view::npos ? path : path.substr(slash + 1);
  return last.find('.') != std::string_view::npos;
}

// An entity tag from size and modification time: cheap, and it changes when a deploy rewrites
// the file.
std::string EntityTag(std::uintmax_t size, fs::file_time_type mtime) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "\"%jx-%llx\"", size,
                static_cast<unsigned long long>(mtime.time_since_epoch().count()));
  return buf;
}

std::optional<std::string> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return content;
}

// Resolves `relative` under `root` to a regular file inside root, following symbolic links.
std::optional<fs::path> ResolveFile(const fs::path& root, std::string_view relative) {
  std::error_code ec;
  fs::path candidate = fs::canonical(root / fs::path(std::string(relative)), ec);
  if (ec || !IsWithin(root, candidate)) return std::nullopt;
  if (!fs::is_regular_file(candidate, ec) || ec) return std::nullopt;
  return candidate;
}

}  // namespace

std::string ContentTypeFor(std::string_view file_name) {
  std::size_t dot = file_name.rfind('.');
  std::string ext;
  if (dot != std::string_view::npos) {
    for (char c : file_name.substr(dot + 1)) ext.push_back(static_cast<char>(std::tolower(c)));
  }
  static const std::pair<const char*, const char*> kTypes[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"xml", "application/xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
      {"pdf", "application/pdf"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

Handler StaticFiles(std::string root_dir) {
  std::error_code ec;
  fs::path root = fs::weakly_canonical(fs::path(root_dir), ec);
  if (ec) root = fs::path(root_dir);
  return [root](Request& request) -> Response {
    if (request.method != "GET" && request.method != "HEAD") return NotFound(request);
    std::string_view path = request.path;
    if (!IsSafeRelative(path)) return NotFound(request);
    std::optional<fs::path> file;
    if (path != "/") file = ResolveFile(root, path.substr(1));
    bool is_index_fallback = !file;
    if (!file) {
      if (path != "/" && HasExtension(path)) return NotFound(request);
      file = ResolveFile(root, "index.html");
      if (!file) return NotFound(request);
    }
    std::error_code ec;
    std::uintmax_t size = fs::file_size(*file, ec);
    if (ec) return NotFound(request);
    fs::file_time_type mtime = fs::last_write_time(*file, ec);
    if (ec) return NotFound(request);
    std::string etag = EntityTag(size, mtime);
    // Only the requested asset itself is immutable; index.html served for a client-side route
    // must be revalidated.
    const char* cache_control = !is_index_fallback && path.rfind("/assets/", 0) == 0
                                    ? "public, max-age=31536000, immutable"
                                    : "no-cache";
    Response response;
    response.SetHeader("ETag", etag);
    response.SetHeader("Cache-Control", cache_control);
    if (auto inm = request.Header("If-None-Match"); inm && IfNoneMatchHits(*inm, etag)) {
      response.status = 304;
      return response;
    }
    std::optional<std::string> content = ReadFile(*file);
    if (!content) return NotFound(request);
    response.status = 200;
    response.SetHeader("Content-Type", ContentTypeFor(file->filename().string()));
    response.body = std::move(*content);
    return response;
  };
}

}  // namespace liaison::http
