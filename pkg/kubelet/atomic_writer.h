#pragma once
// The atomic writer of projected volumes (secret, configMap, downwardAPI, projected), with
// upstream's on-disk layout so that a reader never sees a half-updated set of files:
//
//   DIR/..2026_11_27_17_30_00.123456789/   the files of one version (subdirectories allowed)
//   DIR/..data -> ..2026_11_27_17_30_00.123456789   swapped by rename(2) of a new symlink
//   DIR/KEY -> ..data/KEY                   one link per top-level name of the payload
//
// A write whose payload equals what ..data holds (contents and modes) changes nothing.
// Otherwise a new timestamped directory is filled, ..data is swapped to it, links of
// top-level names no longer in the payload are removed, new ones made, and the old version
// directory is deleted. Paths must be relative, without `..` elements and not start with
// `..`. Not thread-safe for one DIR (the kubelet writes a pod's volumes from one worker).

#include <sys/types.h>

#include <map>
#include <string>

#include "pkg/util/status.h"

namespace sampan::kubelet {

struct FileProjection {
  std::string data;
  mode_t mode = 0644;
  bool operator==(const FileProjection&) const = default;
};

// Relative path -> content and mode.
using Payload = std::map<std::string, FileProjection>;

// Writes `payload` into `dir` (created 0755 when missing). Returns whether anything changed.
Result<bool> WriteAtomic(const std::string& dir, const Payload& payload);

// Checks one payload path (upstream's validatePath): Invalid with the reason when bad.
Status ValidatePayloadPath(const std::string& path);

}  // namespace sampan::kubelet
