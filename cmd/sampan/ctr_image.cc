#include "cmd/sampan/ctr_image.h"

#include <sys/stat.h>

#include <filesystem>

namespace sampan::cmd {

Result<ImageRootfs> ResolveImage(const std::string& data_dir, const std::string& reference) {
  (void)data_dir;
  return Status::NotFound("image \"" + reference +
                          "\" is not present (no image store yet: use --rootfs DIR)");
}

Result<ImageRootfs> RootfsDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::absolute(dir, ec);
  struct stat st;
  if (ec || ::stat(abs.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::NotFound("root file system directory not found: " + dir);
  }
  ImageRootfs out;
  out.lower_dirs.push_back(abs.lexically_normal().string());
  return out;
}

}  // namespace sampan::cmd
