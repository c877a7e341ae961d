#pragma once
// TarWriter: writes a POSIX (pax) tar stream to a file descriptor: ustar headers, with pax
// extended headers when a name or link target is too long for ustar, or for xattrs
// (SCHILY.xattr.*). Used by `images export` and by test fixtures. Not thread-safe; does not
// own the fd.

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "pkg/util/status.h"
#include "runtime/images/stream.h"

namespace sampan::images {

struct TarHeader {
  std::string name;
  char type = '0';  // '0' file, '1' hard link, '2' symlink, '3' char dev, '4' block dev,
                    // '5' directory, '6' fifo
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t size = 0;   // for files
  int64_t mtime = 0;  // unix seconds
  std::string link;   // hard link or symlink target
  unsigned dev_major = 0, dev_minor = 0;
  std::map<std::string, std::string> xattrs;
};

class TarWriter {
 public:
  // Output goes to `sink` (a file, a hasher, a compressor...).
  explicit TarWriter(std::function<Status(std::string_view)> sink) : sink_(std::move(sink)) {}
  static TarWriter ToFd(int fd);

  // Writes a header; for a file, `header.size` bytes of data must follow via Data().
  Status Add(const TarHeader& header);
  Status Data(std::string_view data);
  // A whole small entry.
  Status AddFile(const std::string& name, std::string_view content, mode_t mode = 0644);
  // Streams a file's contents of known size from `in`.
  Status AddFromReader(const TarHeader& header, Reader* in);
  // The two zero blocks that end an archive.
  Status Finish();

 private:
  Status WriteHeaderBlock(const TarHeader& h, std::string_view name, std::string_view link,
                          char type, int64_t size);
  Status Pad();

  std::function<Status(std::string_view)> sink_;
  int64_t pending_ = 0;  // data bytes still expected for the current entry
  int64_t written_in_entry_ = 0;
};

}  // namespace sampan::images
