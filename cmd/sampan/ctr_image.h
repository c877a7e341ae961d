#pragma once
// Where `sampan ctr run IMAGE` turns an image reference into a root file system and process
// defaults, from the node's image store (runtime/images), or from `--rootfs DIR`. The
// container holds a use of its image, so image GC keeps it until the container is removed.

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

// Resolves `reference` in the image store under `data_dir` and records `container_id` as a
// user of the image.
Result<ImageRootfs> ResolveImage(const std::string& data_dir, const std::string& reference,
                                 const std::string& container_id);
// The container is gone: its image may be collected again. No-op for --rootfs containers.
void ReleaseImage(const std::string& data_dir, const std::string& container_id);

// `--rootfs DIR`: the directory is the single lower dir; no process defaults.
Result<ImageRootfs> RootfsDirectory(const std::string& dir);

}  // namespace sampan::cmd
