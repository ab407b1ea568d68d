// Serves the built web UI (a single-page application) from a directory.
#pragma once

#include <string>

#include "http/message.hpp"

namespace liaison::http {

// Returns a handler serving GET and HEAD for files under `root_dir`: "/" and paths without a file
// extension that name no file get index.html (so client-side routes work); a missing file with an
// extension gets a 404 problem, as do other methods. Responses carry a content type by
// extension, an ETag (If-None-Match answers 304) and Cache-Control "public, max-age=31536000,
// immutable" under /assets/ (content-hashed names), "no-cache" elsewhere. Paths that would leave
// `root_dir` (.., symbolic links pointing out) get 404. The handler is thread-safe; it reads
// files on every request.
Handler StaticFiles(std::string root_dir);

// The Content-Type for a file name by its extension; "application/octet-stream" when unknown.
std::string ContentTypeFor(std::string_view file_name);

}  // namespace liaison::http
