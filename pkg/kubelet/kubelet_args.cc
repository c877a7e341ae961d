#include "pkg/kubelet/kubelet_args.h"

#include <fmt/format.h>

#include <utility>

#include "pkg/kubelet/eviction/thresholds.h"

namespace sampan::kubelet {

Result<KubeletArgs> ParseKubeletArgs(const std::vector<std::string>& items) {
  std::vector<std::pair<std::string, std::string>> args;
  for (const std::string& item : items) {
    size_t eq = item.find('=');
    // "nodefs.available<10%" after a split on commas: no key of its own.
    bool continuation = eq == std::string::npos || item.find('<') < eq;
    if (continuation) {
      if (args.empty()) {
        return Status::Invalid(fmt::format("invalid --kubelet-arg \"{}\": want KEY=VALUE", item));
      }
      args.back().second += "," + item;
      continue;
    }
    std::string key = item.substr(0, eq);
    if (key.starts_with("--")) key = key.substr(2);
    args.emplace_back(key, item.substr(eq + 1));
  }
  KubeletArgs out;
  for (const auto& [key, value] : args) {
    if (key == "eviction-hard") {
      Result<std::vector<eviction::Threshold>> parsed = eviction::ParseThresholds(value);
      if (!parsed.ok()) {
        return Status::Invalid(
            fmt::format("invalid --kubelet-arg eviction-hard: {}", parsed.status().message()));
      }
      out.eviction_hard = value;
      continue;
    }
    return Status::Invalid(fmt::format(
        "unsupported --kubelet-arg \"{}\": sampan's node agent understands eviction-hard", key));
  }
  return out;
}

}  // namespace sampan::kubelet
