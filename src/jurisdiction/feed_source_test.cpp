#include "jurisdiction/feed_source.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "jurisdiction/jurisdiction_test_support.hpp"

namespace liaison::jurisdiction {
namespace {

using testing::Gzip;

// A reader handing over `bytes` at most `step` bytes per call, as a network body does.
FeedReader Trickle(std::string bytes, std::size_t step) {
  return [bytes = std::move(bytes), step, pos = std::size_t{0}](char* buffer,
                                                                std::size_t size) mutable {
    std::size_t n = std::min({size, step, bytes.size() - pos});
    std::copy_n(bytes.data() + pos, n, buffer);
    pos += n;
    return Result<std::size_t>(n);
  };
}

Result<std::string> ReadWhole(FeedSource& source) {
  std::string out;
  char buffer[4096];
  while (true) {
    ASSIGN_OR_RETURN(std::size_t n, source.Read(buffer, sizeof buffer));
    if (n == 0) return out;
    out.append(buffer, n);
  }
}

std::string Feed() {
  std::string feed = "ip,category\n";
  for (int i = 0; i < 20000; ++i) feed += "10.0." + std::to_string(i % 250) + ".1,scanner\n";
  return feed;
}

TEST(FeedFromReader, ReadsAPlainFeedPulledAByteAtATime) {
  auto source = FeedFromReader(Trickle("ip\n10.0.0.1\n", 1));
  ASSERT_TRUE(source.has_value()) << source.error().message;
  EXPECT_FALSE((*source)->compressed());
  EXPECT_EQ(ReadWhole(**source).value(), "ip\n10.0.0.1\n");
  EXPECT_EQ((*source)->total(), 0u);
}

TEST(FeedFromReader, DetectsGzipWhenTheFirstPullGivesOneByte) {
  const std::string feed = Feed();
  for (std::size_t step : {std::size_t{1}, std::size_t{7}, std::size_t{1} << 20}) {
    auto source = FeedFromReader(Trickle(Gzip(feed), step));
    ASSERT_TRUE(source.has_value()) << source.error().message;
    EXPECT_TRUE((*source)->compressed()) << step;
    EXPECT_EQ(ReadWhole(**source).value(), feed) << step;
  }
}

TEST(FeedFromReader, NamesTheCompressedOffsetWhereAGzipStreamIsCutShort) {
  const std::string gzip = Gzip(Feed());
  const std::size_t cut = gzip.size() / 2;
  auto source = FeedFromReader(Trickle(gzip.substr(0, cut), 1000));
  ASSERT_TRUE(source.has_value());
  Result<std::string> read = ReadWhole(**source);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().reason, "truncated_gzip");
  EXPECT_EQ(read.error().field, "feed");
  EXPECT_NE(read.error().message.find(std::to_string(cut)), std::string::npos)
      << read.error().message;
}

TEST(FeedFromReader, PassesOnTheReadersErrors) {
  auto failing = [](char*, std::size_t) -> Result<std::size_t> {
    return Error::Unavailable("the client went away");
  };
  auto at_start = FeedFromReader(failing);
  ASSERT_FALSE(at_start.has_value());
  EXPECT_EQ(at_start.error().code, ErrorCode::kUnavailable);

  int calls = 0;
  auto later = FeedFromReader([&calls](char* buffer, std::size_t) -> Result<std::size_t> {
    if (++calls > 1) return Error::InvalidArgument("too large", "body", "body_too_large");
    buffer[0] = 'i';
    buffer[1] = 'p';
    return std::size_t{2};
  });
  ASSERT_TRUE(later.has_value());
  Result<std::string> read = ReadWhole(**later);
  ASSERT_FALSE(read.has_value());
  EXPECT_EQ(read.error().reason, "body_too_large");
}

}  // namespace
}  // namespace liaison::jurisdiction
