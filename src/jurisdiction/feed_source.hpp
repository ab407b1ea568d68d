// Byte sources for observation feeds: a file, a buffer in memory or a pull function (a request
// body arriving over the network), either plain or gzip
// (detected by its magic bytes; concatenated gzip members are read in turn). Reading is
// sequential; one instance per feed; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace liaison::jurisdiction {

class FeedSource {
 public:
  virtual ~FeedSource() = default;
  // Reads up to `size` bytes into `buffer`; 0 at the end. invalid_argument (reason
  // "truncated_gzip" or "corrupt_gzip", message with the compressed byte offset) for a gzip
  // stream that is cut short or damaged; unavailable for I/O errors.
  virtual Result<std::size_t> Read(char* buffer, std::size_t size) = 0;
  // Bytes consumed from the underlying file or buffer so far, and its size (0 if unknown), for
  // progress reports.
  virtual std::uint64_t consumed() const = 0;
  virtual std::uint64_t total() const = 0;
  // True when the feed is gzip-compressed.
  virtual bool compressed() const = 0;
};

// Opens `path` (not_found when it cannot be opened).
Result<std::unique_ptr<FeedSource>> OpenFeedFile(const std::string& path);

// A source over `bytes`, which must outlive it.
std::unique_ptr<FeedSource> FeedFromMemory(std::string_view bytes);

// Reads up to `size` bytes into `buffer`, blocking until some are available; 0 at the end.
using FeedReader = std::function<Result<std::size_t>(char* buffer, std::size_t size)>;

// A source pulling its bytes from `read` (total unknown). Reads the first bytes at once to detect
// gzip: returns the error of `read`, if any. The source's Read passes on the errors of `read`.
Result<std::unique_ptr<FeedSource>> FeedFromReader(FeedReader read);

}  // namespace liaison::jurisdiction
