#include "pkg/util/fs.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace sampan {

namespace {

Status WriteThroughTemporary(const std::string& path, std::string_view data, mode_t mode,
                             bool durable) {
  std::filesystem::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  // Hidden, unique and in the same directory, so rename() is atomic. mkostemp creates it
  // 0600: secrets are never readable by others, even for a moment.
  std::string temp = dir + "/." + target.filename().string() + ".tmp-XXXXXX";
  int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "cannot create a temporary file for " + path);
  auto fail = [&](std::string_view what) {
    Status status = Status::FromErrno(errno, fmt::format("cannot {} {}", what, path));
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return status;
  };
  if (::fchmod(fd, mode) != 0) return fail("set the mode of");
  size_t written = 0;
  while (written < data.size()) {
    ssize_t n = ::write(fd, data.data() + written, data.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail("write");
    written += static_cast<size_t>(n);
  }
  if (durable && ::fsync(fd) != 0) return fail("sync");
  int close_result = ::close(fd);
  fd = -1;
  if (close_result != 0) return fail("close");
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("rename a temporary file onto");
  if (!durable) return Status();
  // The rename is durable only once the directory entry is.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) return Status::FromErrno(errno, "cannot open directory " + dir);
  int sync_result = ::fsync(dir_fd);
  int err = errno;
  ::close(dir_fd);
  if (sync_result != 0) return Status::FromErrno(err, "cannot sync directory " + dir);
  return Status();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  return WriteThroughTemporary(path, data, mode, true);
}

Status ReplaceFile(const std::string& path, std::string_view data, mode_t mode) {
  return WriteThroughTemporary(path, data, mode, false);
}

Result<std::string> ReadFileToString(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "cannot open " + path);
  std::string content;
  char buffer[8192];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status status = Status::FromErrno(errno, "cannot read " + path);
      ::close(fd);
      return status;
    }
    if (n == 0) break;
    content.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return content;
}

Status MakeDirs(const std::filesystem::path& path, mode_t mode) {
  if (path.empty()) return Status();  // a file in the working directory
  std::filesystem::path prefix;
  for (const auto& part : path) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), mode) == 0 || errno == EEXIST) continue;
    return Status::FromErrno(errno, "cannot create directory " + prefix.string());
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status::Invalid(fmt::format("{} exists and is not a directory", path.string()));
  }
  return Status();
}

}  // namespace sampan
