// GET /api/v1/audit and /api/v1/audit/verify.
#include <charconv>

#include "api/app.hpp"
#include "audit/audit_log.hpp"
#include "security/access_policy.hpp"

namespace liaison::api {
namespace {

boost::json::object EntryJson(const audit::AuditEntry& e) {
  return {{"seq", e.seq},
          {"at", TimeJson(e.at)},
          {"account_id", e.account_id},
          {"organization_id", e.organization_id},
          {"action", e.action},
          {"record_type", e.record_type},
          {"record_id", e.record_id},
          {"owner_organization_id", e.owner_organization_id},
          {"before_digest", e.before_digest},
          {"after_digest", e.after_digest},
          {"prev_hash", e.prev_hash},
          {"hash", e.hash}};
}

security::Resource EntryResource(const audit::AuditEntry& e, const security::Principal& caller) {
  security::Resource r;
  r.audience = security::Audience::kOrganization;
  // An entry belongs to the organisation that owns the record, and is also visible to the
  // organisation whose account acted.
  r.owner_organization_id = e.owner_organization_id;
  if (e.organization_id == caller.organization_id) r.owner_organization_id = e.organization_id;
  return r;
}

Result<http::Response> ListAudit(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  ASSIGN_OR_RETURN(auto page, ParsePage(request));
  audit::AuditQuery query;
  query.limit = page.limit;
  if (!page.cursor.empty()) {
    std::int64_t after = 0;
    auto [end, ec] =
        std::from_chars(page.cursor.data(), page.cursor.data() + page.cursor.size(), after);
    if (ec != std::errc() || end != page.cursor.data() + page.cursor.size() || after < 0) {
      return Error::InvalidArgument("malformed cursor", "cursor");
    }
    query.after_seq = after;
  }
  query.record_type = request.Query("record_type").value_or("");
  query.record_id = request.Query("record_id").value_or("");
  query.action = request.Query("action").value_or("");
  // Non-operators only ever see their own organisation's entries; filter in the query so that
  // pages are full, then check each entry with the policy all the same.
  if (!principal.HasRole(security::Role::kOperator)) {
    query.organization_id = principal.organization_id;
  }
  ASSIGN_OR_RETURN(auto entries, audit::List(*app.db, query));
  boost::json::array items;
  for (const auto& e : entries) {
    if (security::Allows(principal, security::Action::kAuditRead, EntryResource(e, principal))) {
      items.push_back(EntryJson(e));
    }
  }
  boost::json::value next = nullptr;
  if (static_cast<int>(entries.size()) == query.limit && !entries.empty()) {
    next = boost::json::string(std::to_string(entries.back().seq));
  }
  return Json(200, {{"items", std::move(items)}, {"next", next}});
}

// An expected head from the query (expected_seq and expected_hash, both or neither).
Result<std::optional<audit::AuditHead>> ExpectedHead(const http::Request& request) {
  auto seq = request.Query("expected_seq");
  auto hash = request.Query("expected_hash");
  if (!seq && !hash) return std::optional<audit::AuditHead>();
  if (!seq) return Error::InvalidArgument("give expected_seq with expected_hash", "expected_seq");
  if (!hash) return Error::InvalidArgument("give expected_hash with expected_seq", "expected_hash");
  audit::AuditHead head;
  auto [end, ec] = std::from_chars(seq->data(), seq->data() + seq->size(), head.seq);
  if (ec != std::errc() || end != seq->data() + seq->size() || head.seq < 0) {
    return Error::InvalidArgument("expected_seq must be a non-negative integer", "expected_seq");
  }
  if (hash->size() != 64 || hash->find_first_not_of("0123456789abcdef") != std::string::npos) {
    return Error::InvalidArgument("expected_hash must be 64 lowercase hex digits", "expected_hash");
  }
  head.hash = *hash;
  return std::optional<audit::AuditHead>(std::move(head));
}

Result<http::Response> VerifyAudit(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kAuditVerify, {}));
  ASSIGN_OR_RETURN(auto expected, ExpectedHead(request));
  ASSIGN_OR_RETURN(auto report, audit::Verify(*app.db, expected));
  boost::json::object body{{"ok", report.ok}, {"entries_checked", report.entries_checked}};
  if (!report.ok) {
    body["first_bad_seq"] = report.first_bad_seq.value_or(0);
    body["problem"] = report.problem;
    body["detail"] = report.detail;
  }
  return Json(200, body);
}

// The newest entry (seq and hash): what an operator keeps outside the node.
Result<http::Response> AuditHeadRoute(const AppContext& app, http::Request& request) {
  ASSIGN_OR_RETURN(auto principal, RequireAccount(app, request));
  RETURN_IF_ERROR(security::Authorize(principal, security::Action::kAuditVerify, {}));
  ASSIGN_OR_RETURN(auto head, audit::Head(*app.db));
  return Json(200, {{"seq", head.seq}, {"hash", head.hash}});
}

}  // namespace

void AddAuditRoutes(http::Router& router, const AppContext& app) {
  router.Add("GET", "/api/v1/audit", Bind(app, ListAudit));
  router.Add("GET", "/api/v1/audit/verify", Bind(app, VerifyAudit));
  router.Add("GET", "/api/v1/audit/head", Bind(app, AuditHeadRoute));
}

}  // namespace liaison::api
