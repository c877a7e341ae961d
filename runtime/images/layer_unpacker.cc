#include "runtime/images/layer_unpacker.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "pkg/util/log.h"
#include "runtime/images/tar_reader.h"
#include "pkg/util/unique_fd.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");

constexpr std::string_view kWhiteoutPrefix = ".wh.";
constexpr std::string_view kOpaqueMarker = ".wh..wh..opq";
constexpr std::string_view kWhiteoutMetaPrefix = ".wh..wh.";

std::string Join(const std::vector<std::string>& parts, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    if (i) out += '/';
    out += parts[i];
  }
  return out;
}

// Removes `name` in `dir`, recursively if it is a directory (never following symlinks).
Status RemoveAt(int dir, const std::string& name) {
  if (unlinkat(dir, name.c_str(), 0) == 0 || errno == ENOENT) return Status::Ok();
  if (errno != EISDIR && errno != EPERM) return Status::FromErrno(errno, "unlink " + name);
  int fd = openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + name);
  DIR* d = fdopendir(fd);
  if (d == nullptr) {
    close(fd);
    return Status::FromErrno(errno, "opendir " + name);
  }
  std::vector<std::string> children;
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") children.emplace_back(n);
  }
  Status st;
  for (const std::string& c : children) {
    st = RemoveAt(dirfd(d), c);
    if (!st.ok()) break;
  }
  closedir(d);
  RETURN_IF_ERROR(st);
  if (unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0) {
    return Status::FromErrno(errno, "rmdir " + name);
  }
  return Status::Ok();
}

class Unpacker {
 public:
  Unpacker(const UnpackOptions& options, UniqueFd root)
      : options_(options), root_(std::move(root)) {}

  Result<UnpackStats> Run(Reader* in) {
    TarReader tar(in);
    while (true) {
      ASSIGN_OR_RETURN(archive_entry * entry, tar.Next());
      if (entry == nullptr) break;
      const char* raw = archive_entry_pathname(entry);
      std::string path = raw ? raw : "";
      Status st = Apply(tar, entry, path);
      if (!st.ok()) return st.WithContext("layer entry \"" + path.substr(0, 200) + "\"");
      ++stats_.entries;
    }
    RETURN_IF_ERROR(FixDirectoryTimes());
    return stats_;
  }

 private:
  struct DirTime {
    std::vector<std::string> path;
    timespec mtime;
  };

  // Opens (creating missing ones with mode 0755 if `create`) the directory made of the
  // first `n` components, refusing symlinks and non-directories on the way.
  Result<int> OpenDir(const std::vector<std::string>& parts, size_t n, bool create) {
    std::string key = Join(parts, n);
    if (cached_fd_.valid() && cached_key_ == key) return cached_fd_.get();
    UniqueFd cur(dup(root_.get()));
    if (!cur.valid()) return Status::FromErrno(errno, "dup");
    for (size_t i = 0; i < n; ++i) {
      const char* name = parts[i].c_str();
      int fd = openat(cur.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0 && errno == ENOENT && create) {
        if (mkdirat(cur.get(), name, 0755) != 0 && errno != EEXIST) {
          return Status::FromErrno(errno, "mkdir " + Join(parts, i + 1));
        }
        fd = openat(cur.get(), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      }
      if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR) {
          return Status::Invalid("path goes through a symlink or non-directory \"" +
                                 Join(parts, i + 1) + "\"");
        }
        return Status::FromErrno(errno, "open " + Join(parts, i + 1));
      }
      cur.Reset(fd);
    }
    cached_fd_ = std::move(cur);
    cached_key_ = std::move(key);
    return cached_fd_.get();
  }

  void ForgetCache() {
    cached_fd_.Reset();
    cached_key_.clear();
  }

  Status Apply(TarReader& tar, archive_entry* entry, const std::string& path) {
    ASSIGN_OR_RETURN(std::vector<std::string> parts, CleanEntryPath(path));
    mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    if (parts.empty()) {  // the layer root itself
      if (type != AE_IFDIR) return Status::Invalid("the root of a layer must be a directory");
      return ApplyMetadata(root_.get(), entry, /*is_symlink=*/false);
    }
    const std::string& name = parts.back();
    ASSIGN_OR_RETURN(int parent, OpenDir(parts, parts.size() - 1, /*create=*/true));

    if (name.starts_with(kWhiteoutPrefix)) {
      RETURN_IF_ERROR(tar.SkipData());
      if (name == kOpaqueMarker) return MarkOpaque(parent);
      if (name.starts_with(kWhiteoutMetaPrefix)) return Status::Ok();  // aufs metadata
      std::string hidden = name.substr(kWhiteoutPrefix.size());
      if (hidden.empty() || hidden == "." || hidden == "..") {
        return Status::Invalid("bad whiteout name");
      }
      RETURN_IF_ERROR(ReplaceExisting(parent, hidden, /*keep_dir=*/false));
      if (mknodat(parent, hidden.c_str(), S_IFCHR | 0000, makedev(0, 0)) != 0) {
        return Status::FromErrno(errno, "create whiteout");
      }
      return Chown(parent, hidden, entry);
    }

    if (hardlink != nullptr) {
      RETURN_IF_ERROR(tar.SkipData());
      ASSIGN_OR_RETURN(std::vector<std::string> target, CleanEntryPath(hardlink));
      if (target.empty()) return Status::Invalid("hard link to the layer root");
      // Resolve the target's directory first: it may evict the cached parent.
      ASSIGN_OR_RETURN(int tdir_cached, OpenDir(target, target.size() - 1, /*create=*/false));
      UniqueFd tdir(dup(tdir_cached));
      ASSIGN_OR_RETURN(parent, OpenDir(parts, parts.size() - 1, /*create=*/true));
      RETURN_IF_ERROR(ReplaceExisting(parent, name, /*keep_dir=*/false));
      if (linkat(tdir.get(), target.back().c_str(), parent, name.c_str(), 0) != 0) {
        return Status::FromErrno(errno, "hard link to \"" + std::string(hardlink) + "\"");
      }
      return Status::Ok();
    }

    switch (type) {
      case AE_IFREG: return WriteFile(tar, parent, name, entry);
      case AE_IFDIR: return MakeDir(parent, name, parts, entry);
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        if (target == nullptr) return Status::Invalid("symlink without target");
        RETURN_IF_ERROR(ReplaceExisting(parent, name, false));
        if (symlinkat(target, parent, name.c_str()) != 0) {
          return Status::FromErrno(errno, "symlink");
        }
        RETURN_IF_ERROR(Chown(parent, name, entry));
        timespec times[2] = {archive_entry_mtime_ts(entry), archive_entry_mtime_ts(entry)};
        utimensat(parent, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
        return Status::Ok();
      }
      case AE_IFCHR:
      case AE_IFBLK:
      case AE_IFIFO: {
        RETURN_IF_ERROR(ReplaceExisting(parent, name, false));
        if (type != AE_IFIFO && !options_.privileged) {
          kLog.Debug("skipping device node {} (not privileged)", path);
          return Status::Ok();
        }
        mode_t mode = type | (archive_entry_perm(entry) & 07777);
        if (mknodat(parent, name.c_str(), mode, archive_entry_rdev(entry)) != 0) {
          return Status::FromErrno(errno, "mknod");
        }
        RETURN_IF_ERROR(Chown(parent, name, entry));
        if (fchmodat(parent, name.c_str(), archive_entry_perm(entry) & 07777, 0) != 0) {
          return Status::FromErrno(errno, "chmod");
        }
        return Status::Ok();
      }
      case AE_IFSOCK: return tar.SkipData();
    }
    return Status::Invalid("unsupported entry type");
  }

  timespec archive_entry_mtime_ts(archive_entry* entry) {
    timespec ts{};
    if (archive_entry_mtime_is_set(entry)) {
      ts.tv_sec = archive_entry_mtime(entry);
      ts.tv_nsec = archive_entry_mtime_nsec(entry);
    } else {
      ts.tv_nsec = UTIME_OMIT;
    }
    return ts;
  }

  // Makes room for a new entry `name`: later entries replace earlier ones, except that a
  // directory entry over a directory merges (`keep_dir`).
  Status ReplaceExisting(int parent, const std::string& name, bool keep_dir) {
    struct stat st;
    if (fstatat(parent, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return Status::Ok();
      return Status::FromErrno(errno, "stat");
    }
    if (keep_dir && S_ISDIR(st.st_mode)) return Status::Ok();
    // The cached directory is `parent` itself, never inside what is removed here.
    return RemoveAt(parent, name);
  }

  Status Chown(int dir, const std::string& name, archive_entry* entry) {
    if (!options_.privileged) return Status::Ok();
    if (fchownat(dir, name.c_str(), static_cast<uid_t>(archive_entry_uid(entry)),
                 static_cast<gid_t>(archive_entry_gid(entry)), AT_SYMLINK_NOFOLLOW) != 0) {
      return Status::FromErrno(errno, "chown");
    }
    return Status::Ok();
  }

  Status MarkOpaque(int dir) {
    if (fsetxattr(dir, "trusted.overlay.opaque", "y", 1, 0) != 0) {
      return Status::FromErrno(errno, "set opaque xattr");
    }
    return Status::Ok();
  }

  Status WriteFile(TarReader& tar, int parent, const std::string& name, archive_entry* entry) {
    int fd =
        openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
      RETURN_IF_ERROR(ReplaceExisting(parent, name, false));
      fd = openat(parent, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    }
    if (fd < 0) return Status::FromErrno(errno, "create");
    UniqueFd file(fd);
    int64_t pos = 0;
    RETURN_IF_ERROR(tar.ReadData([&](int64_t offset, std::string_view data) -> Status {
      if (offset != pos && lseek(fd, offset, SEEK_SET) < 0) return Status::FromErrno(errno, "seek");
      pos = offset;
      while (!data.empty()) {
        ssize_t n = write(fd, data.data(), data.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          return Status::FromErrno(errno, "write");
        }
        data.remove_prefix(static_cast<size_t>(n));
        pos += n;
        stats_.file_bytes += static_cast<uint64_t>(n);
      }
      return Status::Ok();
    }));
    int64_t size = archive_entry_size(entry);
    if (size > pos && ftruncate(fd, size) != 0) return Status::FromErrno(errno, "truncate");
    RETURN_IF_ERROR(ApplyMetadata(fd, entry, false));
    timespec times[2] = {archive_entry_mtime_ts(entry), archive_entry_mtime_ts(entry)};
    futimens(fd, times);
    return Status::Ok();
  }

  Status MakeDir(int parent, const std::string& name, const std::vector<std::string>& parts,
                 archive_entry* entry) {
    if (mkdirat(parent, name.c_str(), 0700) != 0) {
      if (errno != EEXIST) return Status::FromErrno(errno, "mkdir");
      RETURN_IF_ERROR(ReplaceExisting(parent, name, /*keep_dir=*/true));
      if (mkdirat(parent, name.c_str(), 0700) != 0 && errno != EEXIST) {
        return Status::FromErrno(errno, "mkdir");
      }
    }
    UniqueFd dir(openat(parent, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir.valid()) return Status::FromErrno(errno, "open directory");
    RETURN_IF_ERROR(ApplyMetadata(dir.get(), entry, false));
    if (archive_entry_mtime_is_set(entry)) {
      dir_times_.push_back({parts, archive_entry_mtime_ts(entry)});
    }
    return Status::Ok();
  }

  // Owner, mode and xattrs on an open file or directory. chown comes first: it clears
  // set-uid bits that chmod then restores.
  Status ApplyMetadata(int fd, archive_entry* entry, bool /*is_symlink*/) {
    if (options_.privileged && fchown(fd, static_cast<uid_t>(archive_entry_uid(entry)),
                                      static_cast<gid_t>(archive_entry_gid(entry))) != 0) {
      return Status::FromErrno(errno, "chown");
    }
    if (fchmod(fd, archive_entry_perm(entry) & 07777) != 0) {
      return Status::FromErrno(errno, "chmod");
    }
    archive_entry_xattr_reset(entry);
    const char* xname = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    while (archive_entry_xattr_next(entry, &xname, &value, &size) == ARCHIVE_OK) {
      std::string_view n = xname ? xname : "";
      // trusted.* is overlayfs' (and the admin's) namespace: a layer could forge whiteouts,
      // opaque dirs or redirects with it.
      if (!(n.starts_with("user.") || n.starts_with("security.") ||
            n.starts_with("system.posix_acl_"))) {
        kLog.Debug("ignoring xattr {}", n);
        continue;
      }
      if (fsetxattr(fd, xname, value, size, 0) != 0) {
        if (errno == ENOTSUP || errno == EPERM) {
          kLog.Debug("cannot set xattr {}: {}", n, strerror(errno));
          continue;
        }
        return Status::FromErrno(errno, "set xattr " + std::string(n));
      }
    }
    return Status::Ok();
  }

  // Directory mtimes change as entries are added: set them once everything is in place.
  Status FixDirectoryTimes() {
    ForgetCache();
    for (auto it = dir_times_.rbegin(); it != dir_times_.rend(); ++it) {
      Result<int> dir = OpenDir(it->path, it->path.size(), /*create=*/false);
      if (!dir.ok()) continue;  // replaced by a later entry
      timespec times[2] = {it->mtime, it->mtime};
      futimens(*dir, times);
    }
    ForgetCache();
    return Status::Ok();
  }

  UnpackOptions options_;
  UniqueFd root_;
  UniqueFd cached_fd_;
  std::string cached_key_;
  std::vector<DirTime> dir_times_;
  UnpackStats stats_;
};

}  // namespace

UnpackOptions::UnpackOptions() : privileged(geteuid() == 0) {}

Result<UnpackStats> UnpackLayer(Reader* tar, const std::string& root_dir,
                                const UnpackOptions& options) {
  int fd = open(root_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + root_dir);
  Unpacker unpacker(options, UniqueFd(fd));
  return unpacker.Run(tar);
}

}  // namespace sampan::images
