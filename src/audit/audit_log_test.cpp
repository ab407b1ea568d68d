#include "audit/audit_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

namespace liaison::audit {
namespace {

// A fresh SQLite database with the audit migrations, removed afterwards.
class AuditLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::temp_directory_path() /
            ("liaison-audit-" + std::to_string(::getpid()) + "-" + info->name() + ".db");
    RemoveFiles();
    auto db = store::Open("sqlite://" + path_.string(), 2);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    db_ = std::move(*db);
    auto applied = store::ApplyMigrations(*db_, Migrations(), FromUnixMillis(1));
    ASSERT_TRUE(applied.has_value()) << applied.error().message;
  }
  void TearDown() override {
    db_.reset();
    RemoveFiles();
  }
  void RemoveFiles() {
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }

  // Appends `n` entries, one transaction each.
  void AppendEntries(int n) {
    for (int i = 1; i <= n; ++i) {
      auto status =
          store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
            AuditEvent event{"acc_1",
                             "org_1",
                             "contact.update",
                             "contact",
                             "ctc_" + std::to_string(i),
                             "org_1",
                             "{\"v\":" + std::to_string(i) + "}",
                             "{\"v\":" + std::to_string(i + 1) + "}"};
            ASSIGN_OR_RETURN(auto e, Append(tx, event, At(i)));
            (void)e;
            return OkStatus();
          });
      ASSERT_TRUE(status.has_value()) << status.error().message;
    }
  }

  static TimePoint At(int i) { return FromUnixMillis(1'700'000'000'000LL + i * 1000LL); }

  void Sql(const std::string& sql, const store::Params& params = {}) {
    auto status =
        store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
          ASSIGN_OR_RETURN(auto n, tx.Execute(sql, params));
          (void)n;
          return OkStatus();
        });
    ASSERT_TRUE(status.has_value()) << status.error().message;
  }

  AuditEntry EntryAt(std::int64_t seq) {
    AuditQuery query;
    query.after_seq = seq - 1;
    query.limit = 1;
    auto entries = List(*db_, query);
    EXPECT_TRUE(entries.has_value());
    EXPECT_EQ(entries->size(), 1u);
    return entries->at(0);
  }

  VerifyReport MustVerify(const std::optional<AuditHead>& head = std::nullopt) {
    auto report = Verify(*db_, head);
    EXPECT_TRUE(report.has_value()) << report.error().message;
    return report.value_or(VerifyReport{});
  }

  std::filesystem::path path_;
  std::unique_ptr<store::Database> db_;
};

TEST_F(AuditLogTest, AppendsAChainThatVerifies) {
  AppendEntries(5);
  auto report = MustVerify();
  EXPECT_TRUE(report.ok) << report.detail;
  EXPECT_EQ(report.entries_checked, 5);
  EXPECT_FALSE(report.first_bad_seq.has_value());

  auto first = EntryAt(1);
  EXPECT_EQ(first.prev_hash, kGenesisHash);
  EXPECT_EQ(first.hash.size(), 64u);
  EXPECT_EQ(first.before_digest.size(), 64u);
  EXPECT_EQ(first.at, At(1));
  EXPECT_EQ(EntryAt(2).prev_hash, first.hash);
  EXPECT_EQ(ComputeEntryHash(first), first.hash);
  auto head = Head(*db_);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->seq, 5);
  EXPECT_EQ(head->hash, EntryAt(5).hash);
  EXPECT_EQ(*HeadHash(*db_), head->hash);
}

TEST_F(AuditLogTest, EmptyLogVerifiesAndHasGenesisHead) {
  EXPECT_TRUE(MustVerify().ok);
  EXPECT_EQ(*HeadHash(*db_), kGenesisHash);
}

TEST_F(AuditLogTest, EmptyTextsHaveNoDigest) {
  auto status =
      store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        AuditEvent event{"system", "",  "organization.create", "organization", "org_1", "org_1",
                         "",       "{}"};
        ASSIGN_OR_RETURN(auto e, Append(tx, event, At(1)));
        EXPECT_EQ(e.before_digest, "");
        EXPECT_EQ(e.after_digest.size(), 64u);
        return OkStatus();
      });
  ASSERT_TRUE(status.has_value());
}

TEST_F(AuditLogTest, ReportsAnEditedFieldAtItsSeq) {
  AppendEntries(5);
  Sql("UPDATE audit_log SET account_id = 'acc_mallory' WHERE seq = 3");
  auto report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "edited");
  EXPECT_EQ(report.first_bad_seq, 3);
  EXPECT_EQ(report.entries_checked, 2);
}

TEST_F(AuditLogTest, ReportsAnEditedDigest) {
  AppendEntries(3);
  Sql("UPDATE audit_log SET after_digest = before_digest WHERE seq = 2");
  auto report = MustVerify();
  EXPECT_EQ(report.problem, "edited");
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_F(AuditLogTest, ReportsADeletedMiddleEntry) {
  AppendEntries(5);
  Sql("DELETE FROM audit_log WHERE seq = 3");
  auto report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "deleted");
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(AuditLogTest, ReportsADeletedFirstEntry) {
  AppendEntries(3);
  Sql("DELETE FROM audit_log WHERE seq = 1");
  auto report = MustVerify();
  EXPECT_EQ(report.problem, "deleted");
  EXPECT_EQ(report.first_bad_seq, 1);
}

TEST_F(AuditLogTest, ReportsADeletionHiddenByRenumbering) {
  AppendEntries(5);
  Sql("DELETE FROM audit_log WHERE seq = 3");
  Sql("UPDATE audit_log SET seq = 3 WHERE seq = 4");
  Sql("UPDATE audit_log SET seq = 4 WHERE seq = 5");
  auto report = MustVerify();
  EXPECT_EQ(report.problem, "deleted");
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(AuditLogTest, ReportsSwappedEntriesAsReorderedAtTheFirst) {
  AppendEntries(5);
  // Swap the contents (every column but seq) of entries 2 and 3.
  Sql("UPDATE audit_log SET seq = -2 WHERE seq = 2");
  Sql("UPDATE audit_log SET seq = 2 WHERE seq = 3");
  Sql("UPDATE audit_log SET seq = 3 WHERE seq = -2");
  auto report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "reordered");
  EXPECT_EQ(report.first_bad_seq, 2);
}

TEST_F(AuditLogTest, ReportsAForgedEntryInsertedInTheMiddle) {
  AppendEntries(5);
  auto second = EntryAt(2);
  // Make room at seq 3 and insert an entry forged with a correctly computed hash.
  for (int seq = 5; seq >= 3; --seq) {
    Sql("UPDATE audit_log SET seq = ? WHERE seq = ?", {seq + 1, seq});
  }
  AuditEntry forged = second;
  forged.seq = 3;
  forged.account_id = "acc_mallory";
  forged.prev_hash = second.hash;
  forged.hash = ComputeEntryHash(forged);
  Sql("INSERT INTO audit_log (seq, at, account_id, organization_id, action, record_type, "
      "record_id, owner_organization_id, before_digest, after_digest, prev_hash, hash) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {forged.seq, ToUnixMillis(forged.at), forged.account_id, forged.organization_id,
       forged.action, forged.record_type, forged.record_id, forged.owner_organization_id,
       forged.before_digest, forged.after_digest, forged.prev_hash, forged.hash});
  auto report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "inserted");
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(AuditLogTest, ReportsAForgedEntryWithAMadeUpHash) {
  AppendEntries(5);
  for (int seq = 5; seq >= 3; --seq) {
    Sql("UPDATE audit_log SET seq = ? WHERE seq = ?", {seq + 1, seq});
  }
  Sql("INSERT INTO audit_log VALUES (3, 0, 'acc_mallory', 'org_1', 'contact.delete', 'contact', "
      "'ctc_9', 'org_1', '', '', 'x', 'y')");
  auto report = MustVerify();
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "inserted");
  EXPECT_EQ(report.first_bad_seq, 3);
}

TEST_F(AuditLogTest, VerifiesAcrossPagesAndFindsAnEditFarIn) {
  auto status =
      store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        for (int i = 1; i <= 2500; ++i) {
          AuditEvent event{
              "acc_1", "org_1", "contact.update", "contact", "ctc_" + std::to_string(i), "org_1",
              "a",     "b"};
          ASSIGN_OR_RETURN(auto e, Append(tx, event, At(i)));
          (void)e;
        }
        return OkStatus();
      });
  ASSERT_TRUE(status.has_value());
  auto report = MustVerify();
  EXPECT_TRUE(report.ok) << report.detail;
  EXPECT_EQ(report.entries_checked, 2500);
  Sql("UPDATE audit_log SET record_id = 'ctc_x' WHERE seq = 1999");
  report = MustVerify();
  EXPECT_EQ(report.problem, "edited");
  EXPECT_EQ(report.first_bad_seq, 1999);
}

TEST_F(AuditLogTest, ReportsAForgedEntryAppendedWithoutTheChain) {
  AppendEntries(3);
  AuditEntry forged = EntryAt(3);
  forged.seq = 4;
  forged.prev_hash = std::string(64, 'a');
  forged.hash = ComputeEntryHash(forged);
  Sql("INSERT INTO audit_log (seq, at, account_id, organization_id, action, record_type, "
      "record_id, owner_organization_id, before_digest, after_digest, prev_hash, hash) VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {forged.seq, ToUnixMillis(forged.at), forged.account_id, forged.organization_id,
       forged.action, forged.record_type, forged.record_id, forged.owner_organization_id,
       forged.before_digest, forged.after_digest, forged.prev_hash, forged.hash});
  auto report = MustVerify();
  EXPECT_EQ(report.problem, "inserted");
  EXPECT_EQ(report.first_bad_seq, 4);
}

TEST_F(AuditLogTest, DetectsTruncationOnlyAgainstAKeptHead) {
  AppendEntries(5);
  auto head = Head(*db_);
  ASSERT_TRUE(head.has_value());
  Sql("DELETE FROM audit_log WHERE seq >= 4");
  // The shortened chain is still a valid chain on its own.
  EXPECT_TRUE(MustVerify().ok);
  auto report = MustVerify(*head);
  EXPECT_FALSE(report.ok);
  EXPECT_EQ(report.problem, "truncated");
  EXPECT_EQ(report.first_bad_seq, 4);
}

TEST_F(AuditLogTest, DetectsARewrittenTailAgainstAKeptHead) {
  AppendEntries(3);
  auto head = *Head(*db_);
  // Rewrite entry 3 and recompute its hash: the chain alone still verifies.
  AuditEntry third = EntryAt(3);
  third.account_id = "acc_mallory";
  third.hash = ComputeEntryHash(third);
  Sql("UPDATE audit_log SET account_id = ?, hash = ? WHERE seq = 3",
      {third.account_id, third.hash});
  EXPECT_TRUE(MustVerify().ok);
  auto report = MustVerify(head);
  EXPECT_EQ(report.problem, "edited");
  EXPECT_EQ(report.first_bad_seq, 3);
  // A head kept earlier than later, honest appends still verifies.
  AppendEntries(1);
  Sql("DELETE FROM audit_log WHERE seq = 4");
  EXPECT_TRUE(MustVerify(AuditHead{2, EntryAt(2).hash}).ok);
}

TEST_F(AuditLogTest, RolledBackTransactionLeavesNoEntry) {
  {
    auto tx = db_->Begin(store::TxMode::kWrite);
    ASSERT_TRUE(tx.has_value());
    AuditEvent event{"acc_1", "org_1", "contact.create", "contact", "ctc_1", "org_1", "", "{}"};
    ASSERT_TRUE(Append(**tx, event, At(1)).has_value());
    // Destroyed without Commit(): rolled back.
  }
  auto entries = List(*db_, AuditQuery{});
  ASSERT_TRUE(entries.has_value());
  EXPECT_TRUE(entries->empty());
  EXPECT_EQ(*HeadHash(*db_), kGenesisHash);
}

TEST_F(AuditLogTest, ListsWithFiltersAndCursor) {
  AppendEntries(5);
  auto status =
      store::InTransaction(*db_, store::TxMode::kWrite, [&](store::Transaction& tx) -> Status {
        AuditEvent event{"acc_2", "org_2", "contact.create", "contact", "ctc_x", "org_3", "", "{}"};
        return Append(tx, event, At(9)).has_value() ? OkStatus()
                                                    : Status(Error::Internal("append"));
      });
  ASSERT_TRUE(status.has_value());

  AuditQuery page;
  page.limit = 2;
  auto first = *List(*db_, page);
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].seq, 2);
  page.after_seq = first.back().seq;
  auto second = *List(*db_, page);
  ASSERT_EQ(second.size(), 2u);
  EXPECT_EQ(second[0].seq, 3);

  AuditQuery by_record;
  by_record.record_type = "contact";
  by_record.record_id = "ctc_4";
  auto records = *List(*db_, by_record);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].seq, 4);

  AuditQuery by_action;
  by_action.action = "contact.create";
  EXPECT_EQ(List(*db_, by_action)->size(), 1u);

  AuditQuery by_actor_org;
  by_actor_org.organization_id = "org_2";
  EXPECT_EQ(List(*db_, by_actor_org)->size(), 1u);
  AuditQuery by_owner_org;
  by_owner_org.organization_id = "org_3";
  EXPECT_EQ(List(*db_, by_owner_org)->size(), 1u);
  AuditQuery by_org1;
  by_org1.organization_id = "org_1";
  EXPECT_EQ(List(*db_, by_org1)->size(), 5u);
}

}  // namespace
}  // namespace liaison::audit
