#pragma once
// The tar streams `kubectl cp` sends through exec: ustar archives of regular files and
// directories (symlinks and other types are left out on writing and skipped with a warning
// on reading, as kubectl does). Archives are built and read in memory.

#include <ostream>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::kubectl {

// A tar of the local file or directory `local` (directories recursively), its top entry
// named `name` ("file.txt", or "dir" with "dir/a", "dir/sub/b" below it).
Result<std::string> TarOf(const std::string& local, const std::string& name);

// Writes the entries of `tar` under `dest`: each entry's name must start with `prefix`, the
// rest of it is the path below `dest` ("" = `dest` itself). Entries that would land outside
// `dest` are skipped with kubectl's warning on `warn`.
Status UntarInto(std::string_view tar, const std::string& prefix, const std::string& dest,
                 std::ostream& warn);

}  // namespace sampan::kubectl
