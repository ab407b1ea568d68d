#include "jurisdiction/feed_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace liaison::jurisdiction {
namespace {

// The raw bytes of a file or of memory.
class RawInput {
 public:
  virtual ~RawInput() = default;
  virtual Result<std::size_t> Read(char* buffer, std::size_t size) = 0;
};

class FileInput final : public RawInput {
 public:
  FileInput(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~FileInput() override { ::close(fd_); }
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    while (true) {
      ssize_t n = ::read(fd_, buffer, size);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return Error::Unavailable("cannot read " + path_ + ": " + std::strerror(errno));
    }
  }

 private:
  int fd_;
  std::string path_;
};

class MemoryInput final : public RawInput {
 public:
  explicit MemoryInput(std::string_view bytes) : bytes_(bytes) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    std::size_t n = std::min(size, bytes_.size() - pos_);
    std::memcpy(buffer, bytes_.data() + pos_, n);
    pos_ += n;
    return n;
  }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
};

class PulledInput final : public RawInput {
 public:
  explicit PulledInput(FeedReader read) : read_(std::move(read)) {}
  Result<std::size_t> Read(char* buffer, std::size_t size) override { return read_(buffer, size); }

 private:
  FeedReader read_;
};

constexpr std::size_t kInputBuffer = 1 << 20;

class Source final : public FeedSource {
 public:
  Source(std::unique_ptr<RawInput> input, std::uint64_t total)
      : input_(std::move(input)), total_(total), in_(kInputBuffer) {}
  ~Source() override {
    if (inflating_) inflateEnd(&z_);
  }

  // Reads the first bytes to see whether the feed is gzip.
  Status Start() {
    RETURN_IF_ERROR(Fill());
    // A pulled input may hand over a single byte first; the magic needs two.
    while (available_ == 1) {
      ASSIGN_OR_RETURN(std::size_t n, input_->Read(in_.data() + 1, in_.size() - 1));
      if (n == 0) break;
      available_ += n;
      consumed_ += n;
    }
    gzip_ = available_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f &&
            static_cast<unsigned char>(in_[1]) == 0x8b;
    if (gzip_) {
      std::memset(&z_, 0, sizeof z_);
      if (inflateInit2(&z_, 15 + 16) != Z_OK) return Error::Internal("zlib initialisation failed");
      inflating_ = true;
    }
    return OkStatus();
  }

  Result<std::size_t> Read(char* buffer, std::size_t size) override {
    if (!gzip_) {
      if (offset_ == available_ && size >= in_.size()) {
        // A large read goes straight into the caller's buffer, without a copy through ours.
        ASSIGN_OR_RETURN(std::size_t n, input_->Read(buffer, size));
        consumed_ += n;
        return n;
      }
      if (offset_ == available_) {
        RETURN_IF_ERROR(Fill());
        if (available_ == 0) return 0;
      }
      std::size_t n = std::min(size, available_ - offset_);
      std::memcpy(buffer, in_.data() + offset_, n);
      offset_ += n;
      return n;
    }
    while (true) {
      if (offset_ == available_) {
        RETURN_IF_ERROR(Fill());
        if (available_ == 0) {
          if (member_done_) return 0;
          return Fail("truncated_gzip", "the gzip stream is cut short at compressed byte ");
        }
      }
      if (member_done_) {
        // Another gzip member follows the previous one.
        inflateReset(&z_);
        member_done_ = false;
      }
      z_.next_in = reinterpret_cast<Bytef*>(in_.data() + offset_);
      z_.avail_in = static_cast<uInt>(available_ - offset_);
      z_.next_out = reinterpret_cast<Bytef*>(buffer);
      z_.avail_out = static_cast<uInt>(std::min<std::size_t>(size, 1u << 30));
      int rc = inflate(&z_, Z_NO_FLUSH);
      offset_ = available_ - z_.avail_in;
      std::size_t produced = size - z_.avail_out;
      if (rc == Z_STREAM_END) {
        member_done_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return Fail("corrupt_gzip", "the gzip stream is damaged at compressed byte ");
      }
      if (produced > 0) return produced;
    }
  }

  std::uint64_t consumed() const override { return consumed_ - (available_ - offset_); }
  std::uint64_t total() const override { return total_; }
  bool compressed() const override { return gzip_; }

 private:
  Status Fill() {
    ASSIGN_OR_RETURN(available_, input_->Read(in_.data(), in_.size()));
    consumed_ += available_;
    offset_ = 0;
    return OkStatus();
  }
  Error Fail(const char* reason, const char* message) {
    return Error::InvalidArgument(message + std::to_string(consumed()), "feed", reason);
  }

  std::unique_ptr<RawInput> input_;
  std::uint64_t total_;
  std::vector<char> in_;
  std::size_t available_ = 0, offset_ = 0;
  std::uint64_t consumed_ = 0;
  bool gzip_ = false, inflating_ = false, member_done_ = false;
  z_stream z_;
};

}  // namespace

Result<std::unique_ptr<FeedSource>> OpenFeedFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error::NotFound("cannot open " + path + ": " + std::strerror(errno));
  struct stat st {};
  std::uint64_t size = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? st.st_size : 0;
  auto source = std::make_unique<Source>(std::make_unique<FileInput>(fd, path), size);
  RETURN_IF_ERROR(source->Start());
  return std::unique_ptr<FeedSource>(std::move(source));
}

Result<std::unique_ptr<FeedSource>> FeedFromReader(FeedReader read) {
  auto source = std::make_unique<Source>(std::make_unique<PulledInput>(std::move(read)), 0);
  RETURN_IF_ERROR(source->Start());
  return std::unique_ptr<FeedSource>(std::move(source));
}

std::unique_ptr<FeedSource> FeedFromMemory(std::string_view bytes) {
  auto source = std::make_unique<Source>(std::make_unique<MemoryInput>(bytes), bytes.size());
  (void)source->Start();  // Reading memory cannot fail.
  return source;
}

}  // namespace liaison::jurisdiction
