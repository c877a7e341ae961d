#include "pkg/api/label_selector.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include "pkg/api/json.h"
#include <set>

#include "pkg/api/validation.h"

namespace sampan::api {
namespace {

// strconv.ParseInt(s, 10, 64): optional sign, at least one digit, no overflow.
std::optional<int64_t> ParseInt64(std::string_view s) {
  std::string_view digits = s;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::string copy(s);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(copy.c_str(), &end, 10);
  if (errno == ERANGE || end != copy.c_str() + copy.size()) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::string_view OperatorString(SelectorOperator op) {
  switch (op) {
    case SelectorOperator::kIn: return " in ";
    case SelectorOperator::kNotIn: return " notin ";
    case SelectorOperator::kEquals: return "=";
    case SelectorOperator::kDoubleEquals: return "==";
    case SelectorOperator::kNotEquals: return "!=";
    case SelectorOperator::kGreaterThan: return ">";
    case SelectorOperator::kLessThan: return "<";
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist: return "";
  }
  return "";
}

// Upstream joins the messages of one validator with "; " into a single field error.
std::string JoinMessages(const std::vector<std::string>& msgs) {
  std::string joined;
  for (size_t i = 0; i < msgs.size(); ++i) joined += (i ? "; " : "") + msgs[i];
  return joined;
}

// labels.NewRequirement's checks. Upstream passes no field path, so errors name "key",
// "values", "values[0][key]"; `values_nil` says whether upstream's slice would be nil (it
// prints as []string(nil)).
FieldErrors CheckRequirement(const std::string& key, SelectorOperator op,
                             const std::vector<std::string>& values, bool values_nil) {
  FieldErrors errs;
  const FieldPath root;  // upstream passes no path: children start fresh ("key", "values")
  if (auto msgs = IsQualifiedName(key); !msgs.empty()) {
    errs.Invalid(root.Child("key"), key, JoinMessages(msgs));
  }
  FieldPath value_path = root.Child("values");
  std::string rendered = RenderBadValue(values, values_nil);
  switch (op) {
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      if (values.empty()) {
        errs.InvalidRendered(value_path, rendered,
                             "for 'in', 'notin' operators, values set can't be empty");
      }
      break;
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
    case SelectorOperator::kNotEquals:
      if (values.size() != 1) {
        errs.InvalidRendered(value_path, rendered,
                             "exact-match compatibility requires one single value");
      }
      break;
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist:
      if (!values.empty()) {
        errs.InvalidRendered(value_path, rendered,
                             "values set must be empty for exists and does not exist");
      }
      break;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan:
      if (values.size() != 1) {
        errs.InvalidRendered(value_path, rendered,
                             "for 'Gt', 'Lt' operators, exactly one value is required");
      }
      for (size_t i = 0; i < values.size(); ++i) {
        if (!ParseInt64(values[i])) {
          errs.Invalid(value_path.Index(static_cast<int64_t>(i)), values[i],
                       "for 'Gt', 'Lt' operators, the value must be an integer");
        }
      }
      break;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (auto msgs = IsValidLabelValue(values[i]); !msgs.empty()) {
      errs.Invalid(value_path.Index(static_cast<int64_t>(i)).Key(key), values[i],
                   JoinMessages(msgs));
    }
  }
  return errs;
}

// ---- the string parser: a port of upstream's lexer and recursive-descent parser ----------

enum class Token {
  kError,
  kEndOfString,
  kClosedPar,
  kComma,
  kDoesNotExist,
  kDoubleEquals,
  kEquals,
  kGreaterThan,
  kIdentifier,
  kIn,
  kLessThan,
  kNotEquals,
  kNotIn,
  kOpenPar,
};

std::optional<Token> LiteralToken(std::string_view s) {
  if (s == ")") return Token::kClosedPar;
  if (s == ",") return Token::kComma;
  if (s == "!") return Token::kDoesNotExist;
  if (s == "==") return Token::kDoubleEquals;
  if (s == "=") return Token::kEquals;
  if (s == ">") return Token::kGreaterThan;
  if (s == "in") return Token::kIn;
  if (s == "<") return Token::kLessThan;
  if (s == "!=") return Token::kNotEquals;
  if (s == "notin") return Token::kNotIn;
  if (s == "(") return Token::kOpenPar;
  return std::nullopt;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

bool IsSpecialSymbol(char c) {
  switch (c) {
    case '=':
    case '!':
    case '(':
    case ')':
    case ',':
    case '>':
    case '<': return true;
    default: return false;
  }
}

struct Item {
  Token tok;
  std::string literal;
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Item Lex() {
    char ch = Read();
    while (IsWhitespace(ch)) ch = Read();
    if (ch == 0) return {Token::kEndOfString, ""};
    Unread();
    return IsSpecialSymbol(ch) ? ScanSpecialSymbol() : ScanIdOrKeyword();
  }

 private:
  // A NUL byte ends a token exactly like the end of input, as upstream's read() does.
  char Read() { return pos_ < s_.size() ? s_[pos_++] : 0; }
  void Unread() { --pos_; }

  Item ScanIdOrKeyword() {
    std::string buf;
    while (true) {
      char ch = Read();
      if (ch == 0) break;
      if (IsSpecialSymbol(ch) || IsWhitespace(ch)) {
        Unread();
        break;
      }
      buf += ch;
    }
    if (auto tok = LiteralToken(buf)) return {*tok, buf};
    return {Token::kIdentifier, buf};
  }

  // The longest operator made of special symbols ("!=" rather than "!").
  Item ScanSpecialSymbol() {
    std::optional<Item> last;
    std::string buf;
    while (true) {
      char ch = Read();
      if (ch == 0) break;
      if (!IsSpecialSymbol(ch)) {
        Unread();
        break;
      }
      buf += ch;
      if (auto tok = LiteralToken(buf)) {
        last = Item{*tok, buf};
      } else if (last) {
        Unread();
        break;
      }
    }
    if (!last) return {Token::kError, "error expected: keyword found '" + buf + "'"};
    return *last;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

enum class Context { kKeyAndOperator, kValues };

class Parser {
 public:
  explicit Parser(std::string_view s) {
    Lexer lexer(s);
    while (true) {
      items_.push_back(lexer.Lex());
      if (items_.back().tok == Token::kEndOfString) break;
    }
  }

  Result<std::vector<LabelRequirement>> Parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      auto [tok, lit] = Lookahead(Context::kValues);
      switch (tok) {
        case Token::kIdentifier:
        case Token::kDoesNotExist: {
          auto r = ParseRequirement();
          if (!r.ok())
            return Status::BadRequest("unable to parse requirement: " + r.status().message());
          reqs.push_back(std::move(r).value());
          auto [t, l] = Consume(Context::kValues);
          if (t == Token::kEndOfString) return reqs;
          if (t == Token::kComma) {
            auto [t2, l2] = Lookahead(Context::kValues);
            if (t2 != Token::kIdentifier && t2 != Token::kDoesNotExist) {
              return Status::BadRequest("found '" + l2 + "', expected: identifier after ','");
            }
            break;
          }
          return Status::BadRequest("found '" + l + "', expected: ',' or 'end of string'");
        }
        case Token::kEndOfString: return reqs;
        default:
          return Status::BadRequest("found '" + lit +
                                    "', expected: !, identifier, or 'end of string'");
      }
    }
  }

 private:
  // Parse-internal errors carry the bare message; Parse() adds the prefix.
  static Status Err(std::string message) { return Status::BadRequest(std::move(message)); }

  Item Lookahead(Context ctx) const {
    Item item = items_[std::min(pos_, items_.size() - 1)];
    if (ctx == Context::kValues && (item.tok == Token::kIn || item.tok == Token::kNotIn)) {
      item.tok = Token::kIdentifier;  // "in"/"notin" are ordinary words as values
    }
    return item;
  }

  Item Consume(Context ctx) {
    Item item = Lookahead(ctx);
    ++pos_;
    return item;
  }

  Result<LabelRequirement> ParseRequirement() {
    std::optional<SelectorOperator> op;
    auto [tok, literal] = Consume(Context::kValues);
    if (tok == Token::kDoesNotExist) {
      op = SelectorOperator::kDoesNotExist;
      Item next = Consume(Context::kValues);
      tok = next.tok;
      literal = next.literal;
    }
    if (tok != Token::kIdentifier) return Err("found '" + literal + "', expected: identifier");
    if (auto msgs = IsQualifiedName(literal); !msgs.empty()) {
      FieldErrors errs;
      errs.Invalid(FieldPath(), literal, JoinMessages(msgs));  // a nil path prints "<nil>"
      return Err(errs.ToString());
    }
    Token next = Lookahead(Context::kValues).tok;
    if ((next == Token::kEndOfString || next == Token::kComma) && !op) {
      op = SelectorOperator::kExists;
    }
    if (op) return LabelRequirement::Make(literal, *op, {});

    auto [op_tok, op_lit] = Consume(Context::kKeyAndOperator);
    switch (op_tok) {
      case Token::kIn: op = SelectorOperator::kIn; break;
      case Token::kEquals: op = SelectorOperator::kEquals; break;
      case Token::kDoubleEquals: op = SelectorOperator::kDoubleEquals; break;
      case Token::kGreaterThan: op = SelectorOperator::kGreaterThan; break;
      case Token::kLessThan: op = SelectorOperator::kLessThan; break;
      case Token::kNotIn: op = SelectorOperator::kNotIn; break;
      case Token::kNotEquals: op = SelectorOperator::kNotEquals; break;
      default: return Err("found '" + op_lit + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    std::set<std::string> values;
    Status st = (*op == SelectorOperator::kIn || *op == SelectorOperator::kNotIn)
                    ? ParseValues(&values)
                    : ParseExactValue(&values);
    if (!st.ok()) return st;
    return LabelRequirement::Make(literal, *op, {values.begin(), values.end()});
  }

  // "(a,b,c)"; empty items are the empty string.
  Status ParseValues(std::set<std::string>* values) {
    auto [tok, lit] = Consume(Context::kValues);
    if (tok != Token::kOpenPar) return Err("found '" + lit + "' expected: '('");
    Item next = Lookahead(Context::kValues);
    lit = next.literal;
    switch (next.tok) {
      case Token::kIdentifier:
      case Token::kComma: {
        RETURN_IF_ERROR(ParseIdentifiersList(values));
        if (Consume(Context::kValues).tok != Token::kClosedPar) {
          return Err("found '" + lit + "', expected: ')'");
        }
        return Status::Ok();
      }
      case Token::kClosedPar:
        Consume(Context::kValues);
        values->insert("");
        return Status::Ok();
      default: return Err("found '" + lit + "', expected: ',', ')' or identifier");
    }
  }

  Status ParseIdentifiersList(std::set<std::string>* values) {
    while (true) {
      auto [tok, lit] = Consume(Context::kValues);
      if (tok == Token::kIdentifier) {
        values->insert(lit);
        auto [tok2, lit2] = Lookahead(Context::kValues);
        if (tok2 == Token::kComma) continue;
        if (tok2 == Token::kClosedPar) return Status::Ok();
        return Err("found '" + lit2 + "', expected: ',' or ')'");
      }
      if (tok == Token::kComma) {  // "(," and ",," and ",)" all contribute ""
        if (values->empty()) values->insert("");
        Token tok2 = Lookahead(Context::kValues).tok;
        if (tok2 == Token::kClosedPar) {
          values->insert("");
          return Status::Ok();
        }
        if (tok2 == Token::kComma) values->insert("");
        continue;
      }
      return Err("found '" + lit + "', expected: ',', or identifier");
    }
  }

  Status ParseExactValue(std::set<std::string>* values) {
    Token next = Lookahead(Context::kValues).tok;
    if (next == Token::kEndOfString || next == Token::kComma) {
      values->insert("");
      return Status::Ok();
    }
    auto [tok, lit] = Consume(Context::kValues);
    if (tok == Token::kIdentifier) {
      values->insert(lit);
      return Status::Ok();
    }
    return Err("found '" + lit + "', expected: identifier");
  }

  std::vector<Item> items_;
  size_t pos_ = 0;
};

void SortByKey(std::vector<LabelRequirement>* reqs) {
  std::stable_sort(reqs->begin(), reqs->end(),
                   [](const auto& a, const auto& b) { return a.key() < b.key(); });
}

std::string Join(const std::vector<std::string>& values, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += sep;
    out += values[i];
  }
  return out;
}

}  // namespace

// --- LabelRequirement --------------------------------------------------------------------------

Result<LabelRequirement> LabelRequirement::Make(std::string key, SelectorOperator op,
                                                std::vector<std::string> values) {
  return MakeImpl(std::move(key), op, std::move(values), /*values_nil=*/false);
}

Result<LabelRequirement> LabelRequirement::MakeImpl(std::string key, SelectorOperator op,
                                                    std::vector<std::string> values,
                                                    bool values_nil) {
  FieldErrors errs = CheckRequirement(key, op, values, values_nil);
  if (!errs.empty()) return Status::BadRequest(errs.ToString());
  LabelRequirement r;
  r.key_ = std::move(key);
  r.op_ = op;
  r.values_ = std::move(values);
  return r;
}

bool LabelRequirement::Matches(std::optional<std::string_view> value) const {
  auto has = [&](std::string_view v) {
    return std::find(values_.begin(), values_.end(), v) != values_.end();
  };
  switch (op_) {
    case SelectorOperator::kIn:
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals: return value && has(*value);
    case SelectorOperator::kNotIn:
    case SelectorOperator::kNotEquals: return !value || !has(*value);
    case SelectorOperator::kExists: return value.has_value();
    case SelectorOperator::kDoesNotExist: return !value;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      if (!value || values_.size() != 1) return false;
      auto have = ParseInt64(*value);
      auto want = ParseInt64(values_[0]);
      if (!have || !want) return false;
      return op_ == SelectorOperator::kGreaterThan ? *have > *want : *have < *want;
    }
  }
  return false;
}

std::string LabelRequirement::ToString() const {
  std::string out;
  if (op_ == SelectorOperator::kDoesNotExist) out += '!';
  out += key_;
  if (op_ == SelectorOperator::kExists || op_ == SelectorOperator::kDoesNotExist) return out;
  out += OperatorString(op_);
  bool set = op_ == SelectorOperator::kIn || op_ == SelectorOperator::kNotIn;
  if (set) out += '(';
  if (values_.size() == 1) {
    out += values_[0];
  } else {
    std::vector<std::string> sorted = values_;  // output order only; values_ stays as given
    std::sort(sorted.begin(), sorted.end());
    out += Join(sorted, ",");
  }
  if (set) out += ')';
  return out;
}

// --- LabelSelector -----------------------------------------------------------------------------

LabelSelector LabelSelector::Nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

LabelSelector LabelSelector::FromSet(const std::map<std::string, std::string>& set) {
  LabelSelector s;
  for (const auto& [k, v] : set) {
    LabelRequirement r;
    r.key_ = k;
    r.op_ = SelectorOperator::kEquals;
    r.values_ = {v};
    s.requirements_.push_back(std::move(r));
  }
  return s;  // std::map iterates in key order: already sorted
}

Result<LabelSelector> LabelSelector::Parse(std::string_view selector) {
  Parser parser(selector);
  ASSIGN_OR_RETURN(auto reqs, parser.Parse());
  SortByKey(&reqs);
  LabelSelector s;
  s.requirements_ = std::move(reqs);
  return s;
}

Result<LabelSelector> LabelSelector::FromJson(const Json& selector) {
  if (selector.is_null()) return Nothing();
  if (!selector.is_object()) {
    return Status::BadRequest("invalid label selector: expected an object");
  }
  LabelSelector s;
  if (auto it = selector.find("matchLabels"); it != selector.end() && !it->is_null()) {
    if (!it->is_object()) return Status::BadRequest("invalid label selector: matchLabels");
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return Status::BadRequest("invalid label selector: matchLabels." + k);
      ASSIGN_OR_RETURN(auto r, LabelRequirement::MakeImpl(k, SelectorOperator::kEquals,
                                                          {v.get<std::string>()}, false));
      s.requirements_.push_back(std::move(r));
    }
  }
  if (auto it = selector.find("matchExpressions"); it != selector.end() && !it->is_null()) {
    if (!it->is_array()) return Status::BadRequest("invalid label selector: matchExpressions");
    for (const auto& expr : *it) {
      if (!expr.is_object()) return Status::BadRequest("invalid label selector: matchExpressions");
      std::string key, op_name;
      std::vector<std::string> values;
      if (auto k = expr.find("key"); k != expr.end() && k->is_string()) key = k->get<std::string>();
      if (auto o = expr.find("operator"); o != expr.end() && o->is_string()) {
        op_name = o->get<std::string>();
      }
      if (auto v = expr.find("values"); v != expr.end() && v->is_array()) {
        for (const auto& item : *v) {
          if (!item.is_string()) return Status::BadRequest("invalid label selector: values");
          values.push_back(item.get<std::string>());
        }
      }
      SelectorOperator op;
      if (op_name == "In") {
        op = SelectorOperator::kIn;
      } else if (op_name == "NotIn") {
        op = SelectorOperator::kNotIn;
      } else if (op_name == "Exists") {
        op = SelectorOperator::kExists;
      } else if (op_name == "DoesNotExist") {
        op = SelectorOperator::kDoesNotExist;
      } else {
        return Status::BadRequest(GoQuote(op_name) + " is not a valid label selector operator");
      }
      // Upstream copies the values with append(nil, ...): an empty list is a nil slice.
      ASSIGN_OR_RETURN(auto r, LabelRequirement::MakeImpl(std::move(key), op, std::move(values),
                                                          /*values_nil=*/true));
      s.requirements_.push_back(std::move(r));
    }
  }
  SortByKey(&s.requirements_);
  return s;
}

LabelSelector LabelSelector::Add(LabelRequirement requirement) const {
  if (nothing_) return *this;
  LabelSelector s = *this;
  s.requirements_.push_back(std::move(requirement));
  SortByKey(&s.requirements_);
  return s;
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  return MatchesLookup([&](std::string_view key) -> std::optional<std::string_view> {
    auto it = labels.find(std::string(key));
    if (it == labels.end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

bool LabelSelector::MatchesJson(const Json& labels) const {
  return MatchesLookup([&](std::string_view key) -> std::optional<std::string_view> {
    if (!labels.is_object()) return std::nullopt;
    auto it = labels.find(std::string(key));
    if (it == labels.end() || !it->is_string()) return std::nullopt;
    return std::string_view(it->get_ref<const std::string&>());
  });
}

std::string LabelSelector::ToString() const {
  std::vector<std::string> parts;
  parts.reserve(requirements_.size());
  for (const auto& r : requirements_) parts.push_back(r.ToString());
  return Join(parts, ",");
}

std::optional<std::string> LabelSelector::RequiresExactMatch(std::string_view key) const {
  for (const auto& r : requirements_) {
    if (r.key() != key) continue;
    // Only the first requirement on the key is considered, as upstream.
    bool exact = r.op() == SelectorOperator::kEquals || r.op() == SelectorOperator::kDoubleEquals ||
                 r.op() == SelectorOperator::kIn;
    if (exact && r.values().size() == 1) return r.values()[0];
    return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace sampan::api
