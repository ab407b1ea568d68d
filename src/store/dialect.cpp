#include "store/dialect.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace liaison::store {
namespace {

struct Token {
  enum class Kind { kWord, kPlaceholder, kSpace, kOther };
  Kind kind;
  std::string_view text;
};

bool IsWordStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

// Ends a quoted run that started at `start` with `quote`; a doubled quote is part of the text.
std::size_t EndOfQuoted(std::string_view sql, std::size_t start, char quote) {
  std::size_t i = start + 1;
  while (i < sql.size()) {
    if (sql[i] == quote) {
      if (i + 1 < sql.size() && sql[i + 1] == quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    ++i;
  }
  return sql.size();
}

std::vector<Token> Tokenise(std::string_view sql) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    std::size_t end = i + 1;
    Token::Kind kind = Token::Kind::kOther;
    if (c == '\'' || c == '"') {
      end = EndOfQuoted(sql, i, c);
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      end = sql.find('\n', i);
      end = end == std::string_view::npos ? sql.size() : end;
    } else if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      end = sql.find("*/", i + 2);
      end = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '?') {
      kind = Token::Kind::kPlaceholder;
    } else if (std::isspace(static_cast<unsigned char>(c))) {
      kind = Token::Kind::kSpace;
      while (end < sql.size() && std::isspace(static_cast<unsigned char>(sql[end]))) ++end;
    } else if (IsWordStart(c)) {
      kind = Token::Kind::kWord;
      while (end < sql.size() && IsWordChar(sql[end])) ++end;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      // A number, possibly with an exponent: never a keyword.
      while (end < sql.size() && (IsWordChar(sql[end]) || sql[end] == '.')) ++end;
    }
    tokens.push_back({kind, sql.substr(i, end - i)});
    i = end;
  }
  return tokens;
}

bool Is(const Token& token, std::string_view keyword) {
  if (token.kind != Token::Kind::kWord || token.text.size() != keyword.size()) return false;
  for (std::size_t i = 0; i < keyword.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(token.text[i])) != keyword[i]) return false;
  }
  return true;
}

// The index of the first token at or after `i` that is not white space.
std::size_t SkipSpace(const std::vector<Token>& tokens, std::size_t i) {
  while (i < tokens.size() && tokens[i].kind == Token::Kind::kSpace) ++i;
  return i;
}

// True when tokens from `i` (skipping white space) are the keywords `words`; sets `*end` past
// the last one.
bool Matches(const std::vector<Token>& tokens, std::size_t i,
             std::initializer_list<std::string_view> words, std::size_t* end) {
  for (std::string_view word : words) {
    i = SkipSpace(tokens, i);
    if (i >= tokens.size() || !Is(tokens[i], word)) return false;
    ++i;
  }
  *end = i;
  return true;
}

int CountPlaceholders(const std::vector<Token>& tokens) {
  int n = 0;
  for (const auto& t : tokens) n += t.kind == Token::Kind::kPlaceholder ? 1 : 0;
  return n;
}

std::string ToPostgres(const std::vector<Token>& tokens);

// The index of the last token before `i` that is not white space, or tokens.size() if none.
std::size_t PreviousNonSpace(const std::vector<Token>& tokens, std::size_t i) {
  while (i > 0) {
    --i;
    if (tokens[i].kind != Token::Kind::kSpace) return i;
  }
  return tokens.size();
}

// A trigger body for PL/pgSQL: each statement `SELECT '<channel>';` (a no-op on SQLite) becomes
// `PERFORM pg_notify('<channel>', '');`, so that listening servers are told at commit; the rest
// is translated as any statement.
std::string TriggerBodyToPostgres(const std::vector<Token>& body) {
  std::string out;
  std::vector<Token> run;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const std::size_t before = PreviousNonSpace(body, i);
    const std::size_t literal = SkipSpace(body, i + 1);
    const std::size_t end = SkipSpace(body, literal + 1);
    const bool notify =
        Is(body[i], "SELECT") && (before == body.size() || body[before].text == ";") &&
        literal < body.size() && body[literal].text.size() >= 2 &&
        body[literal].text.front() == '\'' && end < body.size() && body[end].text == ";";
    if (!notify) {
      run.push_back(body[i]);
      continue;
    }
    out += ToPostgres(run);
    run.clear();
    out += "PERFORM pg_notify(" + std::string(body[literal].text) + ", '');";
    i = end;
  }
  return out + ToPostgres(run);
}

// The next word token at or after `i`, or nullptr; sets `*at` to its index.
const Token* WordAt(const std::vector<Token>& tokens, std::size_t i, std::size_t* at) {
  i = SkipSpace(tokens, i);
  *at = i;
  return i < tokens.size() && tokens[i].kind == Token::Kind::kWord ? &tokens[i] : nullptr;
}

// SQLite's `CREATE TRIGGER name AFTER|BEFORE INSERT|UPDATE|DELETE ON table [FOR EACH ROW] BEGIN
// body END` as PostgreSQL's pair of a trigger function and a row trigger calling it (a script of
// two statements). Returns nullopt when `tokens` are not such a trigger.
std::optional<std::string> TriggerToPostgres(const std::vector<Token>& tokens) {
  std::size_t i = 0;
  if (!Matches(tokens, 0, {"CREATE", "TRIGGER"}, &i)) return std::nullopt;
  const Token* name = WordAt(tokens, i, &i);
  const Token* timing = name ? WordAt(tokens, i + 1, &i) : nullptr;
  const Token* event = timing ? WordAt(tokens, i + 1, &i) : nullptr;
  if (!event || !(Is(*timing, "AFTER") || Is(*timing, "BEFORE"))) return std::nullopt;
  std::size_t after = 0;
  if (!Matches(tokens, i + 1, {"ON"}, &after)) return std::nullopt;
  const Token* table = WordAt(tokens, after, &i);
  if (!table) return std::nullopt;
  ++i;
  if (Matches(tokens, i, {"FOR", "EACH", "ROW"}, &after)) i = after;
  if (!Matches(tokens, i, {"BEGIN"}, &after)) return std::nullopt;
  std::size_t end = tokens.size();
  while (end > after && tokens[end - 1].kind == Token::Kind::kSpace) --end;
  if (end == after || !Is(tokens[end - 1], "END")) return std::nullopt;
  --end;  // END
  while (end > after && tokens[end - 1].kind == Token::Kind::kSpace) --end;
  std::vector<Token> body(tokens.begin() + static_cast<std::ptrdiff_t>(after),
                          tokens.begin() + static_cast<std::ptrdiff_t>(end));
  std::string function = std::string(name->text) + "_fn";
  return "CREATE FUNCTION " + function + "() RETURNS trigger LANGUAGE plpgsql AS $liaison$ BEGIN" +
         TriggerBodyToPostgres(body) + " RETURN NULL; END $liaison$; CREATE TRIGGER " +
         std::string(name->text) + " " + std::string(timing->text) + " " +
         std::string(event->text) + " ON " + std::string(table->text) +
         " FOR EACH ROW EXECUTE FUNCTION " + function + "()";
}

std::string ToPostgres(const std::vector<Token>& tokens) {
  std::string out;
  int placeholder = 0;
  bool on_conflict_do_nothing = false;
  std::size_t i = 0;
  std::size_t after = 0;
  std::size_t first = SkipSpace(tokens, 0);
  if (Matches(tokens, first, {"INSERT", "OR", "IGNORE"}, &after)) {
    out.append(tokens[first].text);
    i = after;
    on_conflict_do_nothing = true;
  }
  for (; i < tokens.size(); ++i) {
    const Token& t = tokens[i];
    if (t.kind == Token::Kind::kPlaceholder) {
      out += "$" + std::to_string(++placeholder);
    } else if (Is(t, "INTEGER") &&
               Matches(tokens, i + 1, {"PRIMARY", "KEY", "AUTOINCREMENT"}, &after)) {
      out += "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
      i = after - 1;
    } else if (Is(t, "INTEGER")) {
      out += "BIGINT";
    } else if (Is(t, "REAL")) {
      out += "DOUBLE PRECISION";
    } else if (Is(t, "BLOB")) {
      out += "BYTEA";
    } else if (Is(t, "LIKE")) {
      out += "ILIKE";
    } else {
      out.append(t.text);
    }
  }
  if (on_conflict_do_nothing) {
    while (!out.empty() &&
           (std::isspace(static_cast<unsigned char>(out.back())) || out.back() == ';')) {
      out.pop_back();
    }
    out += " ON CONFLICT DO NOTHING";
  }
  return out;
}

}  // namespace

TranslatedSql Translate(std::string_view sql, Dialect dialect) {
  auto tokens = Tokenise(sql);
  TranslatedSql translated;
  translated.parameters = CountPlaceholders(tokens);
  if (dialect == Dialect::kSqlite) {
    translated.text = std::string(sql);
  } else if (auto trigger = TriggerToPostgres(tokens); trigger && translated.parameters == 0) {
    translated.text = std::move(*trigger);
    translated.script = true;
  } else {
    translated.text = ToPostgres(tokens);
  }
  return translated;
}

}  // namespace liaison::store
