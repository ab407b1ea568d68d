#include "requests/receipts.hpp"

#include "core/json.hpp"

namespace liaison::requests {

boost::json::object ReceiptStatement(const CooperationRequest& request, std::string_view event,
                                     const security::Principal& actor, const std::string& node_url,
                                     TimePoint now) {
  return {{"kind", kReceiptKind},
          {"event", event},
          {"request_id", request.id},
          {"version", request.version},
          {"at", FormatRfc3339(now)},
          {"node", node_url},
          {"by",
           {{"account_id", actor.account_id},
            {"organization_id", actor.organization_id},
            {"state", actor.state}}},
          {"request", RequestJson(request)}};
}

Status IssueReceipt(store::Transaction& tx, const security::Signer& signer,
                    const CooperationRequest& request, std::string_view event,
                    const security::Principal& actor, const std::string& node_url, TimePoint now) {
  ASSIGN_OR_RETURN(std::string jws,
                   signer.SignJson(ReceiptStatement(request, event, actor, node_url, now)));
  ASSIGN_OR_RETURN(
      store::Rows last,
      tx.Query("SELECT COALESCE(MAX(seq), 0) FROM request_receipts WHERE request_id = ?",
               {request.id}));
  const std::int64_t seq = last.empty() ? 1 : last[0].Int(0) + 1;
  RETURN_IF_ERROR(
      tx.Execute("INSERT INTO request_receipts (request_id, seq, event, at, key_id, jws)"
                 " VALUES (?, ?, ?, ?, ?, ?)",
                 {request.id, seq, std::string(event), ToUnixMillis(now), signer.key_id(), jws}));
  return OkStatus();
}

Result<std::vector<Receipt>> GetReceipts(store::Database& db, const security::Principal& actor,
                                         const std::string& id) {
  ASSIGN_OR_RETURN(CooperationRequest request, GetRequest(db, actor, id));
  if (!request.content_visible()) return Error::NotFound("no request " + id);
  return store::InTransaction(
      db, store::TxMode::kRead, [&](store::Transaction& tx) -> Result<std::vector<Receipt>> {
        ASSIGN_OR_RETURN(store::Rows rows,
                         tx.Query("SELECT seq, event, at, key_id, jws FROM request_receipts"
                                  " WHERE request_id = ? ORDER BY seq",
                                  {id}));
        std::vector<Receipt> out;
        out.reserve(rows.size());
        for (const store::Row& row : rows) {
          out.push_back(
              {row.Int(0), row.Text(1), FromUnixMillis(row.Int(2)), row.Text(3), row.Text(4)});
        }
        return out;
      });
}

}  // namespace liaison::requests
