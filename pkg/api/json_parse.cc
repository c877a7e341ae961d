// Parsing JSON into api::Json. Bodies and stored objects are parsed on every write and on
// many reads, and nlohmann's parser spends most of its time per character (an input
// adapter, a token buffer, position tracking). FastParser reads plain JSON straight into
// the value: runs of ordinary string bytes are copied in one piece. Whatever it does not
// handle (a syntax error, a byte-order mark, very deep nesting, a number out of range)
// goes to nlohmann, so values and error messages stay exactly as they were.
#include <fmt/core.h>

#include <charconv>
#include <cstring>
#include <set>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/utf8.h"

namespace sampan::api {
namespace {

// Deeper documents go to nlohmann's parser, which does not recurse.
constexpr int kMaxDepth = 200;

class FastParser {
 public:
  explicit FastParser(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  // False when the text is not JSON this parser handles; then `out` is unspecified.
  bool Parse(Json& out) {
    SkipSpace();
    if (!Value(out, 0)) return false;
    SkipSpace();
    return p_ == end_;
  }
  // The first key repeated within one object, if any (the later value was kept).
  const std::string& duplicate() const { return duplicate_; }

 private:
  void SkipSpace() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool Value(Json& out, int depth) {
    if (p_ == end_) return false;
    switch (*p_) {
      case '{': return depth < kMaxDepth && Object(out, depth + 1);
      case '[': return depth < kMaxDepth && Array(out, depth + 1);
      case '"': {
        out = std::string();
        return String(out.get_ref<std::string&>());
      }
      case 't': return Literal("true", true, out);
      case 'f': return Literal("false", false, out);
      case 'n': return Literal("null", nullptr, out);
      default: return Number(out);
    }
  }

  // Past `c` and the space after it, if `c` is next.
  bool Take(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    SkipSpace();
    return true;
  }

  bool Object(Json& out, int depth) {
    Take('{');
    out = Json::object();
    auto& fields = out.get_ref<Json::object_t&>();
    if (Take('}')) return true;
    std::string key;
    for (;;) {
      if (p_ == end_ || *p_ != '"') return false;
      key.clear();
      if (!String(key)) return false;
      SkipSpace();
      if (!Take(':')) return false;
      // A repeated key keeps its first place and takes the later value, as in nlohmann.
      auto [it, inserted] = fields.emplace(key, Json());
      if (!inserted) {
        if (duplicate_.empty()) duplicate_ = key;
        it->second = Json();
      }
      bool closed = false;
      if (!Value(it->second, depth) || !NextItem('}', closed)) return false;
      if (closed) return true;
    }
  }

  bool Array(Json& out, int depth) {
    Take('[');
    out = Json::array();
    auto& items = out.get_ref<Json::array_t&>();
    if (Take(']')) return true;
    for (;;) {
      items.emplace_back();
      bool closed = false;
      if (!Value(items.back(), depth) || !NextItem(']', closed)) return false;
      if (closed) return true;
    }
  }

  // After a member or an element: past its ',' (closed = false) or the `close` bracket
  // (closed = true); false for anything else.
  bool NextItem(char close, bool& closed) {
    SkipSpace();
    closed = Take(close);
    return closed || Take(',');
  }

  template <class T>
  bool Literal(std::string_view word, T value, Json& out) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return false;
    }
    p_ += word.size();
    out = value;
    return true;
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, typed as nlohmann types it: integers
  // without sign unsigned, with a sign signed, the rest double.
  bool Number(Json& out) {
    const char* start = p_;
    auto digits = [&] {
      const char* from = p_;
      while (p_ < end_ && *p_ >= '0' && *p_ <= '9') ++p_;
      return p_ - from;
    };
    bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_) return false;
    if (*p_ == '0') {
      ++p_;
    } else if (digits() == 0) {
      return false;
    }
    bool integer = true;
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (digits() == 0) return false;
      integer = false;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (digits() == 0) return false;
      integer = false;
    }
    if (integer && negative) {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || ptr != p_) return false;  // out of range: nlohmann's double
      out = v;
      return true;
    }
    if (integer) {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(start, p_, v);
      if (ec != std::errc() || ptr != p_) return false;
      out = v;
      return true;
    }
    double v = 0;
    auto [ptr, ec] = std::from_chars(start, p_, v);
    if (ec != std::errc() || ptr != p_) return false;
    out = v;
    return true;
  }

  // Reads a string literal (at its opening quote) and appends its text to `out`.
  bool String(std::string& out) {
    ++p_;  // '"'
    for (;;) {
      const char* run = p_;
      while (p_ < end_ && Plain(*p_)) ++p_;
      out.append(run, p_);
      if (p_ == end_) return false;
      auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c == '\\') {
        if (!Escape(out)) return false;
      } else if (c >= 0x80) {
        if (!Utf8Sequence(out)) return false;
      } else {
        return false;  // a control character must be escaped
      }
    }
  }

  static bool Plain(char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
  }

  bool Escape(std::string& out) {
    if (end_ - p_ < 2) return false;
    char e = p_[1];
    p_ += 2;
    switch (e) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case '/': out += '/'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;
    }
    int cp = Hex4();
    if (cp < 0 || (cp >= 0xDC00 && cp <= 0xDFFF)) return false;
    if (cp >= 0xD800 && cp <= 0xDBFF) {  // a surrogate pair: \uD8xx\uDCxx
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
      p_ += 2;
      int low = Hex4();
      if (low < 0xDC00 || low > 0xDFFF) return false;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    AppendUtf8(out, static_cast<uint32_t>(cp));
    return true;
  }

  // Four hex digits after "\u", or -1.
  int Hex4() {
    if (end_ - p_ < 4) return -1;
    int v = 0;
    for (int i = 0; i < 4; ++i) {
      char c = p_[i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    p_ += 4;
    return v;
  }

  static void AppendUtf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // One multi-byte UTF-8 character (see utf8.h), copied to `out`.
  bool Utf8Sequence(std::string& out) {
    size_t n = Utf8SequenceLength(p_, end_);
    out.append(p_, n);
    p_ += n;
    return n != 0;
  }

  const char* p_;
  const char* end_;
  std::string duplicate_;
};

Status DuplicateFieldError(const std::string& key) {
  return Status::BadRequest(
      fmt::format("strict decoding error: json: duplicate field \"{}\"", key));
}

// nlohmann's parser: for what FastParser leaves, with its own error messages.
Result<Json> ParseWithNlohmann(std::string_view text, DuplicateFields duplicates) {
  std::string duplicate;
  // One set of seen keys per open object; the parser reports keys as it meets them.
  std::vector<std::set<std::string>> seen;
  Json::parser_callback_t callback = [&](int /*depth*/, Json::parse_event_t event, Json& parsed) {
    switch (event) {
      case Json::parse_event_t::object_start: seen.emplace_back(); break;
      case Json::parse_event_t::object_end: seen.pop_back(); break;
      case Json::parse_event_t::key:
        if (!seen.empty() && !seen.back().insert(parsed.get<std::string>()).second &&
            duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default: break;
    }
    return true;
  };
  try {
    Json value =
        duplicates == DuplicateFields::kReject ? Json::parse(text, callback) : Json::parse(text);
    if (!duplicate.empty()) return DuplicateFieldError(duplicate);
    return value;
  } catch (const Json::exception& e) {
    return Status::BadRequest(fmt::format("invalid JSON in request body: {}", e.what()));
  }
}

}  // namespace

Result<Json> ParseJson(std::string_view text, DuplicateFields duplicates) {
  FastParser fast(text);
  Json value;
  if (!fast.Parse(value)) return ParseWithNlohmann(text, duplicates);
  if (duplicates == DuplicateFields::kReject && !fast.duplicate().empty()) {
    return DuplicateFieldError(fast.duplicate());
  }
  return value;
}

}  // namespace sampan::api
