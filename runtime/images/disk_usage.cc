#include <sys/statvfs.h>

#include <cerrno>

#include "runtime/images/store_internal.h"

namespace sampan::images {

Result<double> DiskUsedPercent(const std::string& path) {
  struct statvfs s;
  if (statvfs(path.c_str(), &s) != 0) return Status::FromErrno(errno, "statvfs " + path);
  double used = static_cast<double>(s.f_blocks - s.f_bfree);
  double total = used + static_cast<double>(s.f_bavail);
  if (total <= 0) return 0.0;
  return 100.0 * used / total;
}

}  // namespace sampan::images
