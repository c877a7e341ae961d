#include "pkg/kubelet/expansion.h"

namespace sampan::kubelet {

std::string ExpandVars(std::string_view input, const VarLookup& lookup) {
  std::string out;
  out.reserve(input.size());
  size_t i = 0;
  while (i < input.size()) {
    char c = input[i];
    if (c != '$' || i + 1 >= input.size()) {
      out += c;
      ++i;
      continue;
    }
    char next = input[i + 1];
    if (next == '$') {  // escaped
      out += '$';
      i += 2;
      continue;
    }
    if (next != '(') {
      out += c;
      ++i;
      continue;
    }
    size_t close = input.find(')', i + 2);
    if (close == std::string_view::npos) {  // unterminated: kept as written
      out.append(input.substr(i));
      break;
    }
    std::string_view name = input.substr(i + 2, close - i - 2);
    std::optional<std::string> value = name.empty() ? std::nullopt : lookup(name);
    if (value) {
      out += *value;
    } else {
      out.append(input.substr(i, close - i + 1));
    }
    i = close + 1;
  }
  return out;
}

}  // namespace sampan::kubelet
