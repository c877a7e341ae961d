#include "cmd/sampan/ctr_image.h"

#include <sys/stat.h>

#include <filesystem>

#include "runtime/images/image_store.h"

namespace sampan::cmd {

Result<ImageRootfs> ResolveImage(const std::string& data_dir, const std::string& reference,
                                 const std::string& container_id) {
  ASSIGN_OR_RETURN(std::unique_ptr<images::ImageStore> store, images::ImageStore::Open(data_dir));
  Result<images::ResolvedImage> image = store->AddUse(container_id, reference);
  if (image.status().IsNotFound()) {
    return Status::NotFound(
        "image \"" + reference +
        "\" is not present (sampan images pull/import it, or use --rootfs DIR)");
  }
  if (!image.ok()) return image.status();
  ImageRootfs out;
  out.lower_dirs = image->layer_dirs;
  out.entrypoint = image->config.entrypoint;
  out.cmd = image->config.cmd;
  out.env = image->config.env;
  out.working_dir = image->config.working_dir;
  out.user = image->config.user;
  out.stop_signal = image->config.stop_signal;
  return out;
}

void ReleaseImage(const std::string& data_dir, const std::string& container_id) {
  Result<std::unique_ptr<images::ImageStore>> store = images::ImageStore::Open(data_dir);
  if (store.ok()) (void)(*store)->RemoveUse(container_id);
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
