#include "store/node_transfer.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace liaison::store {
namespace {

constexpr std::string_view kFormat = "liaison-export";
constexpr std::int64_t kFormatVersion = 1;
// Rows read per query while exporting, so that a large table never sits in memory whole.
constexpr int kPageRows = 500;

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

// Splits SQL into words and single punctuation characters, dropping quotes around names.
std::vector<std::string> Tokens(std::string_view sql) {
  std::vector<std::string> tokens;
  std::size_t i = 0;
  while (i < sql.size()) {
    unsigned char c = sql[i];
    if (std::isspace(c)) {
      ++i;
    } else if (std::isalnum(c) || c == '_') {
      std::size_t start = i;
      while (i < sql.size() &&
             (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) {
        ++i;
      }
      tokens.emplace_back(sql.substr(start, i - start));
    } else if (c == '"') {
      std::size_t end = sql.find('"', i + 1);
      if (end == std::string_view::npos) end = sql.size();
      tokens.emplace_back(sql.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '\'') {
      std::size_t end = sql.find('\'', i + 1);
      if (end == std::string_view::npos) end = sql.size();
      tokens.emplace_back("'");
      i = end + 1;
    } else {
      tokens.emplace_back(1, static_cast<char>(c));
      ++i;
    }
  }
  return tokens;
}

// The column names of a CREATE TABLE's parenthesised body (tokens after the opening
// parenthesis): the first word of each top-level element that is not a table constraint.
std::vector<std::string> ColumnsOf(const std::vector<std::string>& tokens, std::size_t start) {
  static const std::set<std::string> kConstraints = {"PRIMARY", "UNIQUE", "FOREIGN", "CHECK",
                                                     "CONSTRAINT"};
  std::vector<std::string> columns;
  int depth = 0;
  bool element_start = true;
  for (std::size_t i = start; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    if (t == "(") {
      ++depth;
    } else if (t == ")") {
      if (depth == 0) break;
      --depth;
    } else if (t == "," && depth == 0) {
      element_start = true;
      continue;
    } else if (element_start && depth == 0 && !kConstraints.count(Upper(t))) {
      columns.push_back(t);
    }
    element_start = false;
  }
  return columns;
}

boost::json::value ValueToJson(const Value& v) {
  if (v.is_null()) return nullptr;
  if (v.is_int()) return v.as_int();
  if (v.is_real()) return v.as_real();
  if (v.is_blob()) return boost::json::object{{"base64url", Base64UrlEncode(v.as_text())}};
  return boost::json::string(v.as_text());
}

Result<Value> ValueFromJson(const boost::json::value& j) {
  if (j.is_null()) return Value();
  if (j.is_int64()) return Value(static_cast<long long>(j.as_int64()));
  if (j.is_uint64()) return Error::InvalidArgument("integer out of range");
  if (j.is_double()) return Value(j.as_double());
  if (j.is_string()) return Value(std::string(j.as_string().c_str(), j.as_string().size()));
  if (j.is_object()) {
    const auto* b64 = j.as_object().if_contains("base64url");
    if (b64 != nullptr && b64->is_string() && j.as_object().size() == 1) {
      auto bytes =
          Base64UrlDecode(std::string_view(b64->as_string().data(), b64->as_string().size()));
      if (bytes) return Value::Blob(std::move(*bytes));
    }
  }
  return Error::InvalidArgument("not a value of the export format");
}

struct AppliedRow {
  std::string module;
  std::int64_t number = 0;
  std::string name;
  std::string checksum;
  auto Key() const { return std::tie(module, number, checksum); }
};

Result<std::vector<AppliedRow>> ReadApplied(Transaction& tx) {
  ASSIGN_OR_RETURN(Rows rows, tx.Query("SELECT module, number, name, checksum"
                                       " FROM schema_migrations ORDER BY module, number"));
  std::vector<AppliedRow> applied;
  for (const Row& r : rows) applied.push_back({r.Text(0), r.Int(1), r.Text(2), r.Text(3)});
  return applied;
}

std::string ColumnList(const TableSchema& table) {
  std::string list;
  for (const auto& c : table.columns) list += (list.empty() ? "" : ", ") + c;
  return list;
}

Error Malformed(std::int64_t line, const std::string& what) {
  return Error::InvalidArgument("line " + std::to_string(line) + " of the export: " + what, "",
                                "malformed_export");
}

}  // namespace

Result<std::vector<TableSchema>> TablesFromMigrations(const std::vector<Migration>& migrations) {
  std::vector<TableSchema> tables;
  auto find = [&](const std::string& name) {
    return std::find_if(tables.begin(), tables.end(),
                        [&](const TableSchema& t) { return t.name == name; });
  };
  for (const Migration& m : migrations) {
    for (const std::string& statement : m.statements) {
      std::vector<std::string> t = Tokens(statement);
      auto word = [&](std::size_t i) { return i < t.size() ? Upper(t[i]) : std::string(); };
      std::string where = m.module + "/" + std::to_string(m.number);
      if (word(0) == "CREATE" && word(1) == "TABLE") {
        std::size_t i = 2;
        if (word(2) == "IF" && word(3) == "NOT" && word(4) == "EXISTS") i = 5;
        if (i + 1 >= t.size() || t[i + 1] != "(") {
          return Error::InvalidArgument("migration " + where + ": unreadable CREATE TABLE");
        }
        if (find(t[i]) == tables.end()) tables.push_back({t[i], ColumnsOf(t, i + 2)});
      } else if (word(0) == "INSERT" && word(1) == "INTO") {
        auto it = find(t.size() > 2 ? t[2] : "");
        if (it != tables.end()) it->seeded = true;
      } else if (word(0) == "DROP" && word(1) == "TABLE") {
        std::size_t i = (word(2) == "IF" && word(3) == "EXISTS") ? 4 : 2;
        if (i < t.size()) {
          auto it = find(t[i]);
          if (it != tables.end()) tables.erase(it);
        }
      } else if (word(0) == "ALTER" && word(1) == "TABLE") {
        auto it = find(t.size() > 2 ? t[2] : "");
        std::size_t column = word(4) == "COLUMN" ? 5 : 4;
        if (it == tables.end() || word(3) != "ADD" || column >= t.size()) {
          return Error::InvalidArgument("migration " + where +
                                        ": an ALTER TABLE other than ADD COLUMN is not understood"
                                        " by export and import");
        }
        it->columns.push_back(t[column]);
      }
    }
  }
  return tables;
}

Result<TransferSummary> ExportNode(Database& db, const std::vector<Migration>& migrations,
                                   std::ostream& out, TimePoint now) {
  ASSIGN_OR_RETURN(std::vector<TableSchema> tables, TablesFromMigrations(migrations));
  // Once: the body writes to `out`, which a second run would repeat.
  return InTransactionOnce(db, TxMode::kRead, [&](Transaction& tx) -> Result<TransferSummary> {
    ASSIGN_OR_RETURN(std::vector<AppliedRow> applied, ReadApplied(tx));
    std::set<std::pair<std::string, std::int64_t>> known;
    for (const Migration& m : migrations) known.insert({m.module, m.number});
    std::set<std::pair<std::string, std::int64_t>> done;
    for (const AppliedRow& a : applied) {
      if (!known.count({a.module, a.number})) {
        return Error::FailedPrecondition("the database has migration " + a.module + "/" +
                                             std::to_string(a.number) +
                                             ", which this build does not know",
                                         "migrations_unknown");
      }
      done.insert({a.module, a.number});
    }
    if (done.size() != known.size()) {
      return Error::FailedPrecondition("migrations are pending; run liaison migrate first",
                                       "migrations_pending");
    }
    boost::json::array migration_list;
    for (const AppliedRow& a : applied) {
      migration_list.push_back(boost::json::object{
          {"module", a.module}, {"number", a.number}, {"name", a.name}, {"checksum", a.checksum}});
    }
    boost::json::array table_list;
    for (const TableSchema& t : tables) {
      boost::json::array columns;
      for (const auto& c : t.columns) columns.emplace_back(c);
      table_list.push_back(boost::json::object{{"name", t.name}, {"columns", columns}});
    }
    out << json::Serialize(boost::json::object{{"format", kFormat},
                                               {"version", kFormatVersion},
                                               {"exported_at", FormatRfc3339(now)},
                                               {"source", std::string(db.Kind())},
                                               {"migrations", migration_list},
                                               {"tables", table_list}})
        << "\n";
    TransferSummary summary;
    for (const TableSchema& t : tables) {
      std::string order;
      for (std::size_t i = 1; i <= t.columns.size(); ++i) {
        order += (i == 1 ? "" : ", ") + std::to_string(i);
      }
      std::string sql = "SELECT " + ColumnList(t) + " FROM " + t.name + " ORDER BY " + order +
                        " LIMIT ? OFFSET ?";
      std::int64_t count = 0;
      while (true) {
        ASSIGN_OR_RETURN(Rows rows, tx.Query(sql, {kPageRows, count}));
        for (const Row& row : rows) {
          boost::json::array values;
          for (std::size_t i = 0; i < row.size(); ++i) values.push_back(ValueToJson(row[i]));
          out << json::Serialize(boost::json::object{{"table", t.name}, {"values", values}})
              << "\n";
        }
        count += static_cast<std::int64_t>(rows.size());
        if (rows.size() < static_cast<std::size_t>(kPageRows)) break;
      }
      summary.rows[t.name] = count;
    }
    boost::json::object counts;
    for (const auto& [name, n] : summary.rows) counts[name] = n;
    out << json::Serialize(boost::json::object{{"end", boost::json::object{{"rows", counts}}}})
        << "\n";
    out.flush();
    if (!out) return Error::Unavailable("cannot write the export");
    return summary;
  });
}

Result<TransferSummary> ImportNode(Database& db, const std::vector<Migration>& migrations,
                                   std::istream& in) {
  ASSIGN_OR_RETURN(std::vector<TableSchema> tables, TablesFromMigrations(migrations));
  std::string line;
  std::int64_t line_number = 1;
  if (!std::getline(in, line)) return Malformed(1, "the file is empty");
  auto header = json::Parse(line);
  if (!header.has_value() || !header->is_object()) return Malformed(1, "no header");
  const auto& h = header->as_object();
  const auto* format = h.if_contains("format");
  const auto* version = h.if_contains("version");
  if (format == nullptr || !format->is_string() || format->as_string() != kFormat ||
      version == nullptr || !version->is_int64() || version->as_int64() != kFormatVersion) {
    return Malformed(1, "not a liaison export of format version 1");
  }
  std::vector<AppliedRow> exported;
  const auto* list = h.if_contains("migrations");
  if (list == nullptr || !list->is_array()) return Malformed(1, "no migration list");
  for (const auto& m : list->as_array()) {
    const auto* o = m.if_object();
    if (o == nullptr || !o->contains("module") || !o->at("module").is_string() ||
        !o->contains("number") || !o->at("number").is_int64() || !o->contains("checksum") ||
        !o->at("checksum").is_string()) {
      return Malformed(1, "a migration entry lacks module, number or checksum");
    }
    exported.push_back({std::string(o->at("module").as_string()), o->at("number").as_int64(), "",
                        std::string(o->at("checksum").as_string())});
  }
  std::map<std::string, const TableSchema*> by_name;
  for (const TableSchema& t : tables) by_name[t.name] = &t;

  // Once: the body reads `in` as it goes, which a second run would find consumed.
  return InTransactionOnce(db, TxMode::kWrite, [&](Transaction& tx) -> Result<TransferSummary> {
    ASSIGN_OR_RETURN(std::vector<AppliedRow> applied, ReadApplied(tx));
    auto key_set = [](const std::vector<AppliedRow>& rows) {
      std::set<std::tuple<std::string, std::int64_t, std::string>> keys;
      for (const auto& r : rows) keys.insert({r.module, r.number, r.checksum});
      return keys;
    };
    if (key_set(applied) != key_set(exported)) {
      return Error::FailedPrecondition(
          "the export's migrations differ from this database's; migrate both to the same "
          "version of liaison first",
          "migrations_differ");
    }
    for (const TableSchema& t : tables) {
      if (t.seeded) {
        // What the migrations put there is replaced by the export's rows.
        RETURN_IF_ERROR(tx.Execute("DELETE FROM " + t.name));
        continue;
      }
      ASSIGN_OR_RETURN(Rows any, tx.Query("SELECT 1 FROM " + t.name + " LIMIT 1"));
      if (!any.empty()) {
        return Error::FailedPrecondition("table " + t.name +
                                             " is not empty: import only into a freshly "
                                             "migrated database",
                                         "database_not_empty");
      }
    }
    std::map<std::string, std::string> inserts;
    for (const TableSchema& t : tables) {
      std::string marks;
      for (std::size_t i = 0; i < t.columns.size(); ++i) marks += i == 0 ? "?" : ", ?";
      inserts[t.name] = "INSERT INTO " + t.name + " (" + ColumnList(t) + ") VALUES (" + marks + ")";
    }
    TransferSummary summary;
    for (const TableSchema& t : tables) summary.rows[t.name] = 0;
    while (std::getline(in, line)) {
      ++line_number;
      auto parsed = json::Parse(line);
      if (!parsed.has_value() || !parsed->is_object()) return Malformed(line_number, "not JSON");
      const auto& o = parsed->as_object();
      if (const auto* end = o.if_contains("end")) {
        const auto* rows = end->is_object() ? end->as_object().if_contains("rows") : nullptr;
        if (rows == nullptr || !rows->is_object()) return Malformed(line_number, "bad trailer");
        for (const auto& [name, n] : summary.rows) {
          const auto* expected = rows->as_object().if_contains(name);
          if (expected == nullptr || !expected->is_int64() || expected->as_int64() != n) {
            return Malformed(line_number, "table " + name + " has " + std::to_string(n) +
                                              " rows, not as many as the trailer says");
          }
        }
        if (std::getline(in, line) && !line.empty()) {
          return Malformed(line_number + 1, "text after the trailer");
        }
        return summary;
      }
      const auto* table = o.if_contains("table");
      const auto* values = o.if_contains("values");
      if (table == nullptr || !table->is_string() || values == nullptr || !values->is_array()) {
        return Malformed(line_number, "expected {\"table\", \"values\"}");
      }
      auto schema = by_name.find(std::string(table->as_string()));
      if (schema == by_name.end()) {
        return Malformed(line_number, "unknown table " + std::string(table->as_string()));
      }
      const auto& array = values->as_array();
      if (array.size() != schema->second->columns.size()) {
        return Malformed(line_number, "wrong number of values for " + schema->first);
      }
      Params params;
      for (const auto& v : array) {
        auto value = ValueFromJson(v);
        if (!value.has_value()) return Malformed(line_number, value.error().message);
        params.push_back(std::move(*value));
      }
      RETURN_IF_ERROR(tx.Execute(inserts[schema->first], params));
      ++summary.rows[schema->first];
    }
    return Malformed(line_number, "the file ends without its trailer (incomplete export)");
  });
}

}  // namespace liaison::store
