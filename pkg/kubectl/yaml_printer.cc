#include "pkg/kubectl/yaml_printer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace sampan::kubectl {
namespace {

using api::Json;

bool LooksLikeNumber(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != '-' && c != '+' && c != 'x' &&
               c != 'o') {
      return false;
    }
  }
  return digit;
}

// "2026-11-27" or "2026-11-27T17:50:00Z": YAML would read a timestamp.
bool LooksLikeTimestamp(std::string_view s) {
  return s.size() >= 10 && std::isdigit(static_cast<unsigned char>(s[0])) && s[4] == '-' &&
         s[7] == '-' && (s.size() == 10 || s[10] == 'T' || s[10] == 't' || s[10] == ' ');
}

// Plain text YAML would read as another type: go-yaml double-quotes these.
bool Ambiguous(std::string_view s) {
  if (s.empty()) return true;
  static const std::vector<std::string_view> kWords = {
      "true",  "false", "yes", "no", "on",  "off", "y", "n",    "null", "~",    "True",
      "False", "Yes",   "No",  "On", "Off", "Y",   "N", "Null", "NULL", "TRUE", "FALSE"};
  if (std::find(kWords.begin(), kWords.end(), s) != kWords.end()) return true;
  return LooksLikeNumber(s) || LooksLikeTimestamp(s);
}

// Text YAML cannot hold plain (indicators, ": ", " #", edges): go-yaml single-quotes these.
bool NeedsQuotes(std::string_view s) {
  if (Ambiguous(s)) return true;
  if (std::string_view(",[]{}#&*!|>'\"%@`").find(s[0]) != std::string_view::npos) return true;
  // "-", "?" and ":" start a plain scalar unless a space (or nothing) follows ("-c" is fine).
  if (std::string_view("-?:").find(s[0]) != std::string_view::npos &&
      (s.size() == 1 || s[1] == ' ')) {
    return true;
  }
  if (s.front() == ' ' || s.back() == ' ' || s.back() == ':') return true;
  if (s.find(": ") != std::string_view::npos || s.find(" #") != std::string_view::npos) {
    return true;
  }
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') return true;
  }
  return false;
}

std::string Quote(std::string_view s) {
  if (Ambiguous(s)) return Json(std::string(s)).dump();
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) return Json(std::string(s)).dump();  // "..." escapes
  }
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

void Scalar(const Json& v, int indent, std::string& out) {
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.find('\n') != std::string::npos && s.find_first_of("\t\r") == std::string::npos) {
      // A literal block: `|` keeps the final newline, `|-` strips it.
      out += s.back() == '\n' ? "|" : "|-";
      std::string pad(static_cast<size_t>(indent), ' ');
      size_t start = 0;
      std::string_view text(s);
      if (text.back() == '\n') text.remove_suffix(1);
      while (start <= text.size()) {
        size_t nl = text.find('\n', start);
        std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
        out += '\n';
        if (!line.empty()) out += pad;
        out += line;
        if (nl == std::string_view::npos) break;
        start = nl + 1;
      }
      out += '\n';
      return;
    }
    out += NeedsQuotes(s) ? Quote(s) : s;
  } else if (v.is_null()) {
    out += "null";
  } else {
    out += v.dump();
  }
  out += '\n';
}

void Emit(const Json& v, int indent, std::string& out);

// A value after "key:" or "- ": inline when scalar or empty, else on the next lines.
void AfterKey(const Json& v, int indent, std::string& out, bool in_list_item) {
  if (v.is_object() && !v.empty()) {
    out += '\n';
    Emit(v, indent + 2, out);
  } else if (v.is_array() && !v.empty()) {
    out += '\n';
    Emit(v, in_list_item ? indent + 2 : indent, out);
  } else if (v.is_object()) {
    out += " {}\n";
  } else if (v.is_array()) {
    out += " []\n";
  } else {
    out += ' ';
    Scalar(v, indent + 2, out);
  }
}

void Emit(const Json& v, int indent, std::string& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  if (v.is_object()) {
    std::vector<std::string> keys;
    for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(it.key());
    std::sort(keys.begin(), keys.end());
    for (const std::string& key : keys) {
      out += pad;
      out += NeedsQuotes(key) ? Quote(key) : key;
      out += ':';
      AfterKey(v.at(key), indent, out, false);
    }
  } else if (v.is_array()) {
    for (const Json& item : v) {
      out += pad;
      out += '-';
      if ((item.is_object() || item.is_array()) && !item.empty()) {
        // The first key (or item) goes on the dash's line, the others under it.
        std::string inner;
        Emit(item, indent + 2, inner);
        out += ' ';
        out += inner.substr(static_cast<size_t>(indent) + 2);
      } else {
        AfterKey(item, indent, out, true);
      }
    }
  } else {
    out += pad;
    Scalar(v, indent, out);
  }
}

}  // namespace

std::string ToYaml(const Json& value) {
  std::string out;
  Emit(value, 0, out);
  return out;
}

}  // namespace sampan::kubectl
