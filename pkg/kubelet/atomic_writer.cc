#include "pkg/kubelet/atomic_writer.h"

#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <set>

#include "pkg/util/fs.h"
#include "pkg/util/random.h"

namespace sampan::kubelet {
namespace {

namespace fs = std::filesystem;

constexpr char kDataLink[] = "..data";
constexpr char kDataLinkTmp[] = "..data_tmp";

std::string TopLevel(const std::string& path) { return path.substr(0, path.find('/')); }

// What the version directory `version` holds, as a payload (regular files only).
Payload ReadVersion(const fs::path& version) {
  Payload out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(version, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    struct stat st;
    if (::lstat(it->path().c_str(), &st) != 0) continue;
    Result<std::string> data = ReadFileToString(it->path());
    if (!data.ok()) continue;
    out[fs::relative(it->path(), version, ec).string()] = {*data, st.st_mode & 07777};
  }
  return out;
}

std::string VersionName() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  auto nanos =
      std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count() %
      1000000000;
  return fmt::format("..{:04}_{:02}_{:02}_{:02}_{:02}_{:02}.{:09}{}", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, nanos,
                     RandomString(4, "0123456789"));
}

}  // namespace

Status ValidatePayloadPath(const std::string& path) {
  if (path.empty()) return Status::Invalid("invalid path: must not be empty");
  if (path.size() > 4096) return Status::Invalid("invalid path: must be less than 4096 characters");
  if (path[0] == '/') return Status::Invalid("invalid path: must be relative path: " + path);
  if (path.starts_with(".."))
    return Status::Invalid("invalid path: must not start with '..': " + path);
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string item =
        path.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (item == "..") return Status::Invalid("invalid path: must not contain '..': " + path);
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return Status::Ok();
}

Result<bool> WriteAtomic(const std::string& dir, const Payload& payload) {
  for (const auto& [path, file] : payload) RETURN_IF_ERROR(ValidatePayloadPath(path));
  RETURN_IF_ERROR(MakeDirs(dir, 0755));
  fs::path base(dir);
  std::error_code ec;
  fs::path data_link = base / kDataLink;
  std::string old_version;
  if (fs::is_symlink(data_link, ec)) {
    old_version = fs::read_symlink(data_link, ec).string();
    if (!old_version.empty() && ReadVersion(base / old_version) == payload) {
      // Same content: make sure the per-key links exist (a crash between steps) and stop.
      bool links_ok = true;
      for (const auto& [path, file] : payload) {
        if (!fs::is_symlink(base / TopLevel(path), ec)) links_ok = false;
      }
      if (links_ok) return false;
    }
  }
  // A new version directory with every file.
  std::string version = VersionName();
  fs::path version_dir = base / version;
  RETURN_IF_ERROR(MakeDirs(version_dir, 0755));
  for (const auto& [path, file] : payload) {
    fs::path target = version_dir / path;
    RETURN_IF_ERROR(MakeDirs(target.parent_path(), 0755));
    RETURN_IF_ERROR(WriteFileAtomic(target, file.data, file.mode));
    if (::chmod(target.c_str(), file.mode) != 0) {
      return Status::FromErrno(errno, "chmod " + target.string());
    }
  }
  // Swap ..data.
  fs::path tmp_link = base / kDataLinkTmp;
  fs::remove(tmp_link, ec);
  if (::symlink(version.c_str(), tmp_link.c_str()) != 0) {
    return Status::FromErrno(errno, "symlink " + tmp_link.string());
  }
  if (::rename(tmp_link.c_str(), data_link.c_str()) != 0) {
    return Status::FromErrno(errno, "rename " + tmp_link.string());
  }
  // Per-key links: new names linked, names gone unlinked.
  std::set<std::string> wanted;
  for (const auto& [path, file] : payload) wanted.insert(TopLevel(path));
  for (const std::string& name : wanted) {
    fs::path link = base / name;
    if (fs::is_symlink(link, ec)) continue;
    std::string target = std::string(kDataLink) + "/" + name;
    if (::symlink(target.c_str(), link.c_str()) != 0) {
      return Status::FromErrno(errno, "symlink " + link.string());
    }
  }
  for (auto it = fs::directory_iterator(base, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with("..") || wanted.count(name) != 0) continue;
    if (it->is_symlink(ec)) fs::remove(it->path(), ec);
  }
  if (!old_version.empty() && old_version != version && old_version.starts_with("..")) {
    fs::remove_all(base / old_version, ec);
  }
  return true;
}

}  // namespace sampan::kubelet
