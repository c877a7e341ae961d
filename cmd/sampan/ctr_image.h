#pragma once
// Where `sampan ctr run IMAGE` turns an image reference into a root file system and process
// defaults. Until the image store (runtime/images) is wired in, only `--rootfs DIR` works:
// ResolveImage reports that the image is not present.

#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::cmd {

struct ImageRootfs {
  std::vector<std::string> lower_dirs;  // top-most first
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;
  std::string working_dir;
  std::string user;
  std::string stop_signal;
};

// The one place an image reference is resolved (wire the image store here).
Result<ImageRootfs> ResolveImage(const std::string& data_dir, const std::string& reference);

// `--rootfs DIR`: the directory is the single lower dir; no process defaults.
Result<ImageRootfs> RootfsDirectory(const std::string& dir);

}  // namespace sampan::cmd
