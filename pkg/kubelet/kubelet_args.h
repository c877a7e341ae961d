#pragma once
// `--kubelet-arg KEY=VALUE` (k3s' flag for passing settings to the kubelet): the keys sampan
// understands. k3s users write `--kubelet-arg=eviction-hard=memory.available<100Mi,
// nodefs.available<10%`; list flags split on commas, so an item without "KEY=" continues the
// previous item's value. Unknown keys are an error naming the key.

#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::kubelet {

struct KubeletArgs {
  std::string eviction_hard;  // "" = defaults; validated (eviction::ParseThresholds)
};

Result<KubeletArgs> ParseKubeletArgs(const std::vector<std::string>& items);

}  // namespace sampan::kubelet
