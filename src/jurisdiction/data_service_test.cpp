#include "jurisdiction/data_service.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "jurisdiction/jurisdiction_test_support.hpp"

namespace liaison::jurisdiction {
namespace {

using testing::TempDir;
using testing::WriteFile;
using testing::WriteFixtureDataSet;

TEST(JurisdictionService, HasNoDataUntilAManifestNamesOne) {
  TempDir root;
  ManualClock clock(FromUnixMillis(1'700'000'000'000));
  JurisdictionService service(root.path().string(), clock);
  EXPECT_EQ(service.Current(), nullptr);
  auto reloaded = service.ReloadIfChanged();
  ASSERT_TRUE(reloaded.has_value());
  EXPECT_FALSE(*reloaded);
}

TEST(JurisdictionService, PicksUpAnUpdateAndKeepsOldSnapshotsValid) {
  TempDir root;
  ManualClock clock(FromUnixMillis(1'700'000'000'000));
  WriteFixtureDataSet(root.path() / "v1", 0, 1);
  WriteFixtureDataSet(root.path() / "v2", 0, 2);
  // v2 moves 1.0.0.0/24 from AU to NZ.
  WriteFile(root.path() / "v2" / kCountryIpv4File, "1.0.0.0,1.0.0.255,NZ\n");

  auto first = UpdateDataSet(root.path().string(), (root.path() / "v1").string(), clock.Now());
  ASSERT_TRUE(first.has_value()) << first.error().message;
  EXPECT_EQ(first->version, "fixture-1");
  JurisdictionService service(root.path().string(), clock);
  ASSERT_TRUE(*service.ReloadIfChanged());
  auto before = service.Current();
  ASSERT_NE(before, nullptr);
  EXPECT_FALSE(*service.ReloadIfChanged());  // Unchanged manifest: nothing to do.

  auto second = UpdateDataSet(root.path().string(), (root.path() / "v2").string(), clock.Now());
  ASSERT_TRUE(second.has_value());
  ASSERT_TRUE(*service.ReloadIfChanged());
  auto after = service.Current();
  auto address = *ParseIpAddress("1.0.0.1");
  EXPECT_EQ(after->stats().version, "fixture-2");
  EXPECT_EQ(after->Lookup(address).country, "NZ");
  EXPECT_EQ(before->Lookup(address).country, "AU");  // A reader's snapshot is unchanged.
}

TEST(JurisdictionService, AnInvalidUpdateLeavesTheManifestAndTheDataInUse) {
  TempDir root;
  ManualClock clock(FromUnixMillis(1'700'000'000'000));
  WriteFixtureDataSet(root.path() / "good");
  WriteFixtureDataSet(root.path() / "bad");
  WriteFile(root.path() / "bad" / kAsIpv4File, "1.0.0.0,not-an-address,5,X\n");
  ASSERT_TRUE(UpdateDataSet(root.path().string(), (root.path() / "good").string(), clock.Now())
                  .has_value());
  JurisdictionService service(root.path().string(), clock);
  ASSERT_TRUE(*service.ReloadIfChanged());
  auto refused = UpdateDataSet(root.path().string(), (root.path() / "bad").string(), clock.Now());
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("asn-ipv4.csv:1"), std::string::npos);
  EXPECT_FALSE(*service.ReloadIfChanged());
  EXPECT_EQ(service.Current()->stats().directory,
            std::filesystem::absolute(root.path() / "good").lexically_normal().string());
}

TEST(JurisdictionService, ReadersRaceAReloadSafely) {
  TempDir root;
  ManualClock clock(FromUnixMillis(1'700'000'000'000));
  WriteFixtureDataSet(root.path() / "a", 0, 1);
  WriteFixtureDataSet(root.path() / "b", 0, 2);
  JurisdictionService service(root.path().string(), clock);
  ASSERT_TRUE(UpdateDataSet(root.path().string(), (root.path() / "a").string(), clock.Now())
                  .has_value());
  ASSERT_TRUE(*service.ReloadIfChanged());
  std::atomic<bool> stop = false;
  std::atomic<int> wrong = 0;
  std::thread reader([&] {
    auto address = *ParseIpAddress("2.58.197.15");
    while (!stop) {
      auto index = service.Current();
      if (index->Lookup(address).country != "BE") ++wrong;
    }
  });
  for (int i = 0; i < 6; ++i) {
    std::string next = (i % 2 == 0) ? "b" : "a";
    ASSERT_TRUE(UpdateDataSet(root.path().string(), (root.path() / next).string(), clock.Now())
                    .has_value());
    ASSERT_TRUE(*service.ReloadIfChanged());
  }
  stop = true;
  reader.join();
  EXPECT_EQ(wrong, 0);
}

TEST(NewestDataDirectory, PicksTheHighestVersion) {
  TempDir root;
  WriteFixtureDataSet(root.path() / "2.3.2026061719");
  WriteFixtureDataSet(root.path() / "2.3.2026071719");
  std::filesystem::create_directories(root.path() / "9-empty");
  auto newest = NewestDataDirectory(root.path().string());
  ASSERT_TRUE(newest.has_value());
  EXPECT_EQ(std::filesystem::path(*newest).filename(), "2.3.2026071719");
  TempDir empty;
  EXPECT_FALSE(NewestDataDirectory(empty.path().string()).has_value());
}

}  // namespace
}  // namespace liaison::jurisdiction
