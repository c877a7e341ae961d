#pragma once
// TarReader: libarchive set up for the tar format only (ustar, pax, GNU), reading an
// uncompressed tar stream from a Reader (decompression is stream.h's job, so that the
// layer's DiffID can be hashed on the way). Not thread-safe; `in` must outlive it.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/images/stream.h"

struct archive;
struct archive_entry;

namespace sampan::images {

class TarReader {
 public:
  explicit TarReader(Reader* in);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // The next entry header, or nullptr at the end of the archive. The entry stays valid
  // until the next call.
  Result<archive_entry*> Next();
  // Reads the current entry's data in blocks: `fn(offset, data)` (offsets jump over holes
  // of sparse files).
  Status ReadData(const std::function<Status(int64_t offset, std::string_view data)>& fn);
  // Skips the current entry's data.
  Status SkipData();

 private:
  static long ReadCallback(archive* a, void* self, const void** buffer);  // NOLINT(runtime/int)
  Status Error(std::string_view what);

  Reader* in_;
  archive* archive_;
  std::vector<char> buffer_;
  Status read_error_;
  bool opened_ = false;
};

// Splits a tar entry path into clean components: "./a//b/" -> {"a", "b"}; "." -> {}.
// Absolute paths, ".." components and paths of 4096 bytes or more are refused (Invalid):
// entries must stay inside the layer root.
Result<std::vector<std::string>> CleanEntryPath(std::string_view path);

}  // namespace sampan::images
