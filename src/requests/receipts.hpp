// Receipts: proof of what was sent and when. Each submission, acknowledgement and answer of a
// request gets a JSON Web Signature (compact, EdDSA) by the node's signing key over the
// canonical JSON (RFC 8785) of a statement naming the event, the request as it then stood, who
// acted and when. Anyone holding a receipt can check it against the node's published keys
// (/.well-known/liaison-keys.json) with a standard JOSE tool; docs/security.md shows how.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "core/time.hpp"
#include "requests/requests.hpp"
#include "security/principal.hpp"
#include "security/signing.hpp"
#include "store/database.hpp"

namespace liaison::requests {

// The statement's "kind": distinct from `liaison keys sign`'s "operator_statement", so that an
// operator's test document can never pass for a request receipt.
inline constexpr std::string_view kReceiptKind = "request_receipt";

struct Receipt {
  std::int64_t seq = 0;  // 1, 2, … per request.
  std::string event;     // "submitted", "acknowledged" or "answered".
  TimePoint at;
  std::string key_id;  // The signing key's kid.
  std::string jws;     // Compact JWS; its payload is the statement.
};

// The statement signed for `event` of `request` by `actor` at `now` on the node at `node_url`:
// {"kind","event","request_id","version","at","node","by":{account_id,organization_id,state},
//  "request": RequestJson(request)}.
boost::json::object ReceiptStatement(const CooperationRequest& request, std::string_view event,
                                     const security::Principal& actor, const std::string& node_url,
                                     TimePoint now);

// Signs and stores a receipt for `event` inside `tx` (a write transaction, with the change it
// proves).
Status IssueReceipt(store::Transaction& tx, const security::Signer& signer,
                    const CooperationRequest& request, std::string_view event,
                    const security::Principal& actor, const std::string& node_url, TimePoint now);

// The receipts of request `id`, oldest first, for its parties (those who may read its content);
// not_found for everyone else, operators included (a receipt carries the content).
Result<std::vector<Receipt>> GetReceipts(store::Database& db, const security::Principal& actor,
                                         const std::string& id);

}  // namespace liaison::requests
