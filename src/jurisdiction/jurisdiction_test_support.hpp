// Fixture data sets for the jurisdiction tests: small, hand-written ranges whose boundaries the
// tests check exactly, optionally followed by many generated ranges (deterministic, seeded) for
// comparison with an independent implementation. Not thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace liaison::jurisdiction::testing {

// Writes the four CSVs and a VERSION file ("fixture-<seed>") of a fixture data set into `dir`
// (created if needed). With `generated` > 0, that many extra country and AS ranges per family
// are generated after the hand-written ones, nested and overlapping as real data is.
void WriteFixtureDataSet(const std::filesystem::path& dir, int generated = 0,
                         std::uint32_t seed = 1);

// A fresh, empty temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path`.
void WriteFile(const std::filesystem::path& path, const std::string& text);

// `text` compressed as one gzip member.
std::string Gzip(const std::string& text);

}  // namespace liaison::jurisdiction::testing
