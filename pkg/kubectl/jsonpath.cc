#include "pkg/kubectl/jsonpath.h"

#include <fmt/format.h>

#include <vector>

namespace sampan::kubectl {
namespace {

using api::Json;

struct Step {
  enum Kind { kField, kIndex, kAll } kind;
  std::string field;
  long index = 0;
};

// ".a.b[0][*]['x.y']" -> steps. A backslash escapes a dot in a field name.
Result<std::vector<Step>> ParsePath(std::string_view p) {
  std::vector<Step> steps;
  size_t i = 0;
  if (!p.empty() && p[0] == '$') ++i;
  while (i < p.size()) {
    if (p[i] == '.') {
      ++i;
      std::string field;
      while (i < p.size() && p[i] != '.' && p[i] != '[') {
        if (p[i] == '\\' && i + 1 < p.size()) ++i;
        field += p[i++];
      }
      if (!field.empty()) steps.push_back({Step::kField, field});
    } else if (p[i] == '[') {
      size_t close = p.find(']', i);
      if (close == std::string_view::npos) return Status::Invalid("unclosed [ in jsonpath");
      std::string_view inner = p.substr(i + 1, close - i - 1);
      if (inner == "*") {
        steps.push_back({Step::kAll, ""});
      } else if (!inner.empty() && (inner[0] == '\'' || inner[0] == '"')) {
        steps.push_back({Step::kField, std::string(inner.substr(1, inner.size() - 2))});
      } else {
        try {
          steps.push_back({Step::kIndex, "", std::stol(std::string(inner))});
        } catch (...) {
          return Status::Invalid(fmt::format("unsupported jsonpath index [{}]", inner));
        }
      }
      i = close + 1;
    } else {
      return Status::Invalid(fmt::format("unexpected '{}' in jsonpath {}", p[i], p));
    }
  }
  return steps;
}

std::vector<const Json*> Walk(const std::vector<Step>& steps, const Json& root) {
  std::vector<const Json*> cur{&root};
  for (const Step& s : steps) {
    std::vector<const Json*> next;
    for (const Json* v : cur) {
      if (s.kind == Step::kField && v->is_object()) {
        if (const Json* f = api::Find(*v, s.field)) next.push_back(f);
      } else if (s.kind == Step::kIndex && v->is_array()) {
        long n = static_cast<long>(v->size());
        long at = s.index < 0 ? n + s.index : s.index;
        if (at >= 0 && at < n) next.push_back(&(*v)[static_cast<size_t>(at)]);
      } else if (s.kind == Step::kAll) {
        if (v->is_array() || v->is_object()) {
          for (const Json& e : *v) next.push_back(&e);
        }
      }
    }
    cur = std::move(next);
  }
  return cur;
}

std::string Text(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return api::Dump(v);
}

std::string Unescape(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      char c = s[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

struct Token {
  bool expr;
  std::string text;
};

Result<std::vector<Token>> Tokenize(const std::string& t) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < t.size()) {
    size_t open = t.find('{', i);
    if (open == std::string::npos) {
      out.push_back({false, t.substr(i)});
      break;
    }
    if (open > i) out.push_back({false, t.substr(i, open - i)});
    size_t close = open + 1;
    bool quoted = false;
    for (; close < t.size(); ++close) {
      if (t[close] == '"') quoted = !quoted;
      if (!quoted && t[close] == '}') break;
    }
    if (close >= t.size()) return Status::Invalid("unclosed { in jsonpath template");
    out.push_back({true, t.substr(open + 1, close - open - 1)});
    i = close + 1;
  }
  return out;
}

Status Run(const std::vector<Token>& tokens, size_t& pos, const Json& node, std::string& out,
           bool until_end) {
  while (pos < tokens.size()) {
    const Token& tok = tokens[pos++];
    if (!tok.expr) {
      out += tok.text;
      continue;
    }
    std::string e = tok.text;
    while (!e.empty() && e.front() == ' ') e.erase(0, 1);
    while (!e.empty() && e.back() == ' ') e.pop_back();
    if (e == "end") {
      if (!until_end) return Status::Invalid("jsonpath: {end} without {range}");
      return Status::Ok();
    }
    if (e.rfind("range ", 0) == 0) {
      ASSIGN_OR_RETURN(std::vector<Step> steps, ParsePath(e.substr(6)));
      std::vector<const Json*> items = Walk(steps, node);
      size_t body = pos;
      if (items.empty()) {  // skip the body
        size_t depth = 1;
        for (; pos < tokens.size() && depth > 0; ++pos) {
          if (tokens[pos].expr && tokens[pos].text.rfind("range ", 0) == 0) ++depth;
          if (tokens[pos].expr && tokens[pos].text == "end") --depth;
        }
        continue;
      }
      for (const Json* item : items) {
        pos = body;
        RETURN_IF_ERROR(Run(tokens, pos, *item, out, true));
      }
      continue;
    }
    if (!e.empty() && e.front() == '"') {
      out += Unescape(std::string_view(e).substr(1, e.size() >= 2 ? e.size() - 2 : 0));
      continue;
    }
    ASSIGN_OR_RETURN(std::vector<Step> steps, ParsePath(e));
    std::vector<const Json*> found = Walk(steps, node);
    for (size_t i = 0; i < found.size(); ++i) {
      if (i > 0) out += ' ';
      out += Text(*found[i]);
    }
  }
  if (until_end) return Status::Invalid("jsonpath: {range} without {end}");
  return Status::Ok();
}

}  // namespace

Result<std::string> EvalJsonPath(const std::string& tmpl, const Json& root) {
  ASSIGN_OR_RETURN(std::vector<Token> tokens, Tokenize(tmpl));
  std::string out;
  size_t pos = 0;
  RETURN_IF_ERROR(Run(tokens, pos, root, out, false));
  return out;
}

}  // namespace sampan::kubectl
