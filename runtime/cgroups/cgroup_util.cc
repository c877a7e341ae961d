#include "runtime/cgroups/cgroup_util.h"

#include <cstdlib>

namespace sampan::runtime::cgroup_util {

std::string Join(std::string_view a, std::string_view b) {
  std::string out(a);
  while (!out.empty() && out.back() == '/' && out.size() > 1) out.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (b.empty()) return out;
  if (!out.empty() && out.back() != '/') out += '/';
  out += b;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

std::vector<std::string> Prefixes(std::string_view relative) {
  std::vector<std::string> out;
  std::string current;
  size_t i = 0;
  while (i < relative.size()) {
    size_t j = relative.find('/', i);
    if (j == std::string_view::npos) j = relative.size();
    if (j > i) {
      current = Join(current, relative.substr(i, j - i));
      out.push_back(current);
    }
    i = j + 1;
  }
  return out;
}

std::optional<uint64_t> StatValue(std::string_view text, std::string_view key) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      return ParseU64(line.substr(key.size() + 1));
    }
    pos = end + 1;
  }
  return std::nullopt;
}

std::optional<uint64_t> ParseU64(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i == text.size() || text[i] < '0' || text[i] > '9') return std::nullopt;
  uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    v = v * 10 + static_cast<uint64_t>(text[i] - '0');
    ++i;
  }
  return v;
}

std::vector<pid_t> ParsePids(std::string_view text) {
  std::vector<pid_t> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    if (auto v = ParseU64(text.substr(pos, end - pos))) out.push_back(static_cast<pid_t>(*v));
    pos = end + 1;
  }
  return out;
}

}  // namespace sampan::runtime::cgroup_util
