#include "requests/receipts.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "requests/requests_test_support.hpp"

namespace liaison::requests {
namespace {


class ReceiptsTest : public testing::RequestsTest {
 protected:
  void SetUp() override {
    RequestsTest::SetUp();
    Parties parties = MakeParties();
    const security::Organization& de_cert = parties.de_cert;
    fr_ = parties.fr;
    de_ = parties.de;
    it_ = parties.it;
    operator_ = parties.op;
    MakeContact(ValidInput(de_cert, "Lagezentrum"));
    auto signer = security::Signer::LoadOrCreate(*db_, RandomHex(32), clock_);
    ASSERT_TRUE(signer.has_value()) << signer.error().message;
    signer_.emplace(std::move(*signer));
    settings_.signer = &*signer_;
  }

  // The receipts of `id` as the requester sees them; fails the test on error.
  std::vector<Receipt> Receipts(const std::string& id) {
    auto receipts = GetReceipts(*db_, fr_, id);
    EXPECT_TRUE(receipts.has_value()) << receipts.error().message;
    return receipts.value_or(std::vector<Receipt>{});
  }

  // `jws` with its part `index` (0 header, 1 payload) replaced by base64url(`bytes`).
  static std::string WithPart(const std::string& jws, int index, const std::string& bytes) {
    const std::size_t first = jws.find('.');
    const std::size_t second = jws.find('.', first + 1);
    if (index == 0) return Base64UrlEncode(bytes) + jws.substr(first);
    return jws.substr(0, first + 1) + Base64UrlEncode(bytes) + jws.substr(second);
  }

  static std::string Part(const std::string& jws, int index) {
    const std::size_t first = jws.find('.');
    const std::size_t second = jws.find('.', first + 1);
    const std::string encoded =
        index == 0 ? jws.substr(0, first) : jws.substr(first + 1, second - first - 1);
    return Base64UrlDecode(encoded).value_or("");
  }

  std::optional<security::Signer> signer_;
  security::Principal fr_, de_, it_, operator_;
};

TEST_F(ReceiptsTest, SignedReceiptsVerifyAndStateWhatWasSent) {
  CooperationRequest r = Create(fr_, Mitigation("DE"));
  TransitionInput ack;
  ack.transition = Transition::kAcknowledge;
  ASSERT_TRUE(Apply(de_, r, ack).has_value());

  std::vector<Receipt> receipts = Receipts(r.id);
  ASSERT_EQ(receipts.size(), 2u);
  EXPECT_EQ(receipts[0].event, "submitted");
  EXPECT_EQ(receipts[1].event, "acknowledged");
  EXPECT_EQ(receipts[0].seq, 1);
  for (const Receipt& receipt : receipts) {
    EXPECT_EQ(receipt.key_id, signer_->key_id());
    auto payload = security::VerifyCompact(*db_, receipt.jws);
    ASSERT_TRUE(payload.has_value()) << payload.error().message;
    EXPECT_EQ(*payload, Part(receipt.jws, 1));
    auto statement = json::Parse(*payload);
    ASSERT_TRUE(statement.has_value() && statement->is_object());
    const auto& o = statement->get_object();
    EXPECT_EQ(o.at("kind").as_string(), kReceiptKind);
    EXPECT_EQ(o.at("event").as_string(), receipt.event);
    EXPECT_EQ(o.at("request_id").as_string(), r.id);
    EXPECT_EQ(o.at("at").as_string(), FormatRfc3339(receipt.at));
    EXPECT_EQ(o.at("request").at("content").at("subject").as_string(), r.content->subject);
  }
  // The submission is signed by the requester, the acknowledgement by the requested state.
  EXPECT_NE(Part(receipts[0].jws, 1).find(fr_.account_id), std::string::npos);
  EXPECT_NE(Part(receipts[1].jws, 1).find(de_.account_id), std::string::npos);
  // Both parties read them; nobody else learns that they exist.
  EXPECT_EQ(GetReceipts(*db_, de_, r.id)->size(), 2u);
  EXPECT_EQ(GetReceipts(*db_, it_, r.id).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(GetReceipts(*db_, operator_, r.id).error().code, ErrorCode::kNotFound);
}

TEST_F(ReceiptsTest, ATamperedPayloadFailsVerification) {
  CooperationRequest r = Create(fr_, Mitigation("DE"));
  const std::string jws = Receipts(r.id).at(0).jws;
  std::string payload = Part(jws, 1);
  const std::size_t at = payload.find(r.id);
  ASSERT_NE(at, std::string::npos);
  payload[at + 4] = payload[at + 4] == 'x' ? 'y' : 'x';  // One byte of the request id.
  auto tampered = security::VerifyCompact(*db_, WithPart(jws, 1, payload));
  ASSERT_FALSE(tampered.has_value());
  EXPECT_EQ(tampered.error().reason, "bad_signature");
  // The untouched receipt still verifies.
  EXPECT_TRUE(security::VerifyCompact(*db_, jws).has_value());
}

TEST_F(ReceiptsTest, AReceiptNamingAnUnknownKeyFails) {
  CooperationRequest r = Create(fr_, Mitigation("DE"));
  const std::string jws = Receipts(r.id).at(0).jws;
  const std::string header = Part(jws, 0);
  const std::string kid = signer_->key_id();
  const std::size_t at = header.find(kid);
  ASSERT_NE(at, std::string::npos) << header;
  std::string other = header;
  other.replace(at, kid.size(), std::string(kid.size(), 'A'));
  auto unknown = security::VerifyCompact(*db_, WithPart(jws, 0, other));
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().reason, "unknown_key");
  EXPECT_EQ(unknown.error().field, "jws");
}

TEST_F(ReceiptsTest, WithoutASignerNoReceiptIsIssued) {
  settings_.signer = nullptr;
  CooperationRequest r = Create(fr_, Mitigation("DE"));
  EXPECT_TRUE(Receipts(r.id).empty());
}

}  // namespace
}  // namespace liaison::requests
