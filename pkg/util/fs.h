#pragma once
// Small file-system helpers with Status errors: atomic writes for files that must never be
// seen half-written (keys, tokens, kubeconfigs), whole-file reads, mkdir -p.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan {

// Writes `data` to `path` through a temporary file in the same directory: write, fsync,
// chmod to `mode` (umask does not apply), rename over `path`, fsync the directory. The
// directory must exist.
Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode);
// The same without the fsyncs: readers never see a half-written file, but a power loss may
// lose the update. For files that are rebuilt anyway (a pod's /etc files).
Status ReplaceFile(const std::string& path, std::string_view data, mode_t mode);
// Reads a whole (small) file. A missing file gives NotFound (errno ENOENT kept).
Result<std::string> ReadFileToString(const std::string& path);
// mkdir -p; directories that exist keep their mode. A non-directory in the way is Invalid.
Status MakeDirs(const std::filesystem::path& path, mode_t mode);

}  // namespace sampan
