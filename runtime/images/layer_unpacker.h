#pragma once
// Unpacks one layer (an uncompressed tar stream) into an empty directory, as an overlayfs
// lower layer: `.wh.NAME` becomes a 0/0 character device NAME and `.wh..wh..opq` sets
// `trusted.overlay.opaque=y` on its directory. Hard links, symlinks, device nodes, fifos,
// xattrs, ownership (numeric uid/gid), modes and mtimes are applied.
//
// Safety: every path is resolved component by component from the root with O_NOFOLLOW, so
// an entry whose path is absolute, has "..", or goes through a symlink is refused, as is a
// hard link to something outside this layer. Xattrs in the trusted.* namespace (overlayfs'
// own) are never taken from the archive. On error the directory holds a partial tree that
// the caller discards. Not thread-safe; one call unpacks one layer.

#include <cstdint>
#include <string>

#include "pkg/util/status.h"
#include "runtime/images/stream.h"

namespace sampan::images {

struct UnpackOptions {
  // Apply uid/gid and create device nodes (needs root). Default: whether we are root.
  bool privileged;
  UnpackOptions();
};

struct UnpackStats {
  uint64_t entries = 0;
  uint64_t file_bytes = 0;  // regular file data written
};

// Reads the tar from `tar` until its end-of-archive marker (the caller drains the rest if it
// hashes the stream) and writes it under `root_dir`, which must exist.
Result<UnpackStats> UnpackLayer(Reader* tar, const std::string& root_dir,
                                const UnpackOptions& options = UnpackOptions());

}  // namespace sampan::images
