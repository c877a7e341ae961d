#pragma once
// Internals shared by the image store's source files (not for other modules).

#include <memory>
#include <string>

#include "runtime/images/image_store.h"

namespace sampan::images {

Result<int> OpenLockFile(const std::string& root);
// Exclusive flock on <root>/lock; Unavailable if busy and !wait.
Result<std::unique_ptr<ImageStore::WriteLock>> LockExclusive(const std::string& root, bool wait);
// statvfs: used blocks / (used + available to unprivileged) in percent, as df shows.
Result<double> DiskUsedPercent(const std::string& path);

}  // namespace sampan::images
