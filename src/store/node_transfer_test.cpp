#include "store/node_transfer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <sstream>

namespace liaison::store {
namespace {

std::vector<Migration> TestMigrations() {
  return {
      {"things",
       1,
       "create things and gone",
       {"CREATE TABLE things (id TEXT PRIMARY KEY, n BIGINT NOT NULL, r REAL, b BLOB,"
        " note TEXT, UNIQUE (n))",
        "CREATE INDEX things_by_n ON things (n)", "CREATE TABLE gone (x INTEGER)"}},
      {"things",
       2,
       "drop gone, add colour",
       {"DROP TABLE gone", "ALTER TABLE things ADD COLUMN colour TEXT"}},
      {"other",
       1,
       "create links",
       {"CREATE TABLE links (thing_id TEXT NOT NULL REFERENCES things (id), \"rank\" INTEGER,"
        " PRIMARY KEY (thing_id, \"rank\"))"}},
  };
}

class NodeTransfer : public ::testing::Test {
 protected:
  std::unique_ptr<Database> Fresh(const std::string& label,
                                  const std::vector<Migration>& migrations) {
    auto path =
        std::filesystem::temp_directory_path() /
        ("liaison-transfer-" + std::to_string(::getpid()) + "-" +
         ::testing::UnitTest::GetInstance()->current_test_info()->name() + "-" + label + ".db");
    paths_.push_back(path);
    std::filesystem::remove(path);
    auto db = Open("sqlite://" + path.string(), 2);
    EXPECT_TRUE(db.has_value());
    EXPECT_TRUE(ApplyMigrations(**db, migrations, clock_.Now()).has_value());
    return std::move(*db);
  }
  void TearDown() override {
    for (const auto& p : paths_) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(p.string() + suffix);
    }
  }
  // Each value with its type: what a round trip must keep.
  static std::string Typed(const Value& v) {
    if (v.is_null()) return "null";
    if (v.is_int()) return "int:" + std::to_string(v.as_int());
    if (v.is_real()) return "real:" + std::to_string(v.as_real());
    if (v.is_blob()) return "blob:" + std::to_string(v.as_text().size()) + ":" + v.as_text();
    return "text:" + v.as_text();
  }
  static std::vector<std::string> Dump(Database& db) {
    auto rows = InTransaction(db, TxMode::kRead, [](Transaction& tx) -> Result<Rows> {
      ASSIGN_OR_RETURN(Rows things,
                       tx.Query("SELECT id, n, r, b, note, colour FROM things ORDER BY id"));
      ASSIGN_OR_RETURN(Rows links, tx.Query("SELECT thing_id, rank FROM links ORDER BY 1, 2"));
      for (auto& r : links) things.push_back(std::move(r));
      return things;
    });
    std::vector<std::string> out;
    for (const Row& r : rows.value()) {
      std::string line;
      for (std::size_t i = 0; i < r.size(); ++i) line += Typed(r[i]) + "|";
      out.push_back(line);
    }
    return out;
  }
  void Fill(Database& db) {
    ASSERT_TRUE(
        InTransaction(db, TxMode::kWrite, [](Transaction& tx) -> Status {
          RETURN_IF_ERROR(tx.Execute(
              "INSERT INTO things (id, n, r, b, note, colour) VALUES (?, ?, ?, ?, ?, ?)",
              {"a", 1, 1.0, Value::Blob(std::string("\0\xff\n", 3)), "Ünïcode \"q\"\n", nullptr}));
          RETURN_IF_ERROR(
              tx.Execute("INSERT INTO things (id, n, r, b, note, colour) VALUES (?, ?, ?, ?, ?, ?)",
                         {"b", -9007199254740993LL, 2.5, nullptr, "", "red"}));
          RETURN_IF_ERROR(
              tx.Execute("INSERT INTO links (thing_id, rank) VALUES ('a', 1), ('b', 2)"));
          return OkStatus();
        }).has_value());
  }

  ManualClock clock_{FromUnixMillis(1795932000000)};
  std::vector<std::filesystem::path> paths_;
};

TEST_F(NodeTransfer, TablesAndColumnsComeFromTheMigrations) {
  auto tables = TablesFromMigrations(TestMigrations());
  ASSERT_TRUE(tables.has_value());
  ASSERT_EQ(tables->size(), 2u);
  EXPECT_EQ((*tables)[0].name, "things");
  EXPECT_EQ((*tables)[0].columns,
            (std::vector<std::string>{"id", "n", "r", "b", "note", "colour"}));
  EXPECT_EQ((*tables)[1].name, "links");
  EXPECT_EQ((*tables)[1].columns, (std::vector<std::string>{"thing_id", "rank"}));
  auto renamed = TestMigrations();
  renamed.push_back({"things", 3, "rename", {"ALTER TABLE things RENAME TO stuff"}});
  EXPECT_FALSE(TablesFromMigrations(renamed).has_value());
}

TEST_F(NodeTransfer, RoundTripKeepsEveryValueAndItsType) {
  auto source = Fresh("source", TestMigrations());
  Fill(*source);
  std::stringstream file;
  auto exported = ExportNode(*source, TestMigrations(), file, clock_.Now());
  ASSERT_TRUE(exported.has_value()) << exported.error().message;
  EXPECT_EQ(exported->rows.at("things"), 2);
  EXPECT_EQ(exported->rows.at("links"), 2);

  auto target = Fresh("target", TestMigrations());
  std::stringstream in(file.str());
  auto imported = ImportNode(*target, TestMigrations(), in);
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  EXPECT_EQ(imported->rows, exported->rows);
  EXPECT_EQ(Dump(*target), Dump(*source));

  // A second import into the now non-empty database is refused.
  std::stringstream again(file.str());
  auto twice = ImportNode(*target, TestMigrations(), again);
  ASSERT_FALSE(twice.has_value());
  EXPECT_EQ(twice.error().reason, "database_not_empty");
}

TEST_F(NodeTransfer, RowsTheMigrationsSeededAreReplacedByTheExports) {
  auto migrations = TestMigrations();
  migrations.push_back({"other",
                        2,
                        "a counter",
                        {"CREATE TABLE counter (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)",
                         "INSERT INTO counter (id, value) VALUES (1, 0)"}});
  auto tables = TablesFromMigrations(migrations);
  ASSERT_TRUE(tables.has_value());
  ASSERT_EQ(tables->size(), 3u);
  EXPECT_FALSE((*tables)[0].seeded);
  EXPECT_TRUE((*tables)[2].seeded);

  auto source = Fresh("source", migrations);
  Fill(*source);
  ASSERT_TRUE(InTransaction(*source, TxMode::kWrite, [](Transaction& tx) {
                return tx.Execute("UPDATE counter SET value = 41 WHERE id = 1");
              }).has_value());
  std::stringstream file;
  ASSERT_TRUE(ExportNode(*source, migrations, file, clock_.Now()).has_value());

  auto target = Fresh("target", migrations);
  std::stringstream in(file.str());
  auto imported = ImportNode(*target, migrations, in);
  ASSERT_TRUE(imported.has_value()) << imported.error().message;
  auto counter = InTransaction(*target, TxMode::kRead, [](Transaction& tx) {
    return tx.Query("SELECT id, value FROM counter");
  });
  ASSERT_TRUE(counter.has_value());
  ASSERT_EQ(counter->size(), 1u);
  EXPECT_EQ((*counter)[0].Int(1), 41);
  // The other tables still make a used database refuse a second import.
  std::stringstream again(file.str());
  EXPECT_FALSE(ImportNode(*target, migrations, again).has_value());
}

TEST_F(NodeTransfer, RefusesOtherMigrationsAndIncompleteFilesWritingNothing) {
  auto source = Fresh("source", TestMigrations());
  Fill(*source);
  std::stringstream file;
  ASSERT_TRUE(ExportNode(*source, TestMigrations(), file, clock_.Now()).has_value());
  std::string text = file.str();

  auto fewer = TestMigrations();
  fewer.pop_back();
  auto older = Fresh("older", fewer);
  std::stringstream in(text);
  auto differ = ImportNode(*older, fewer, in);
  ASSERT_FALSE(differ.has_value());
  EXPECT_EQ(differ.error().reason, "migrations_differ");

  auto target = Fresh("target", TestMigrations());
  std::string truncated = text.substr(0, text.rfind("{\"end\""));
  std::stringstream cut(truncated);
  auto incomplete = ImportNode(*target, TestMigrations(), cut);
  ASSERT_FALSE(incomplete.has_value());
  EXPECT_EQ(incomplete.error().reason, "malformed_export");
  EXPECT_TRUE(Dump(*target).empty()) << "nothing of a failed import stays";

  // The export refuses a database with pending migrations.
  std::stringstream sink;
  auto pending = ExportNode(*older, TestMigrations(), sink, clock_.Now());
  ASSERT_FALSE(pending.has_value());
  EXPECT_EQ(pending.error().reason, "migrations_pending");
}

}  // namespace
}  // namespace liaison::store
