#include "runtime/images/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "pkg/util/fs.h"
#include "pkg/util/random.h"

namespace sampan::images {
namespace {

Status WriteAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "write blob");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid() || fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + dir);
  return Status::Ok();
}

}  // namespace

BlobWriter::~BlobWriter() {
  if (!committed_) unlink(tmp_path_.c_str());
}

Status BlobWriter::Write(std::string_view data) {
  RETURN_IF_ERROR(WriteAll(fd_.get(), data));
  hash_.Update(data);
  size_ += data.size();
  return Status::Ok();
}

Status BlobWriter::Reset() {
  if (ftruncate(fd_.get(), 0) != 0 || lseek(fd_.get(), 0, SEEK_SET) != 0) {
    return Status::FromErrno(errno, "truncate blob");
  }
  hash_.Finish();
  size_ = 0;
  return Status::Ok();
}

Result<Digest> BlobWriter::Commit(std::optional<Digest> expected,
                                  std::optional<int64_t> expected_size) {
  if (committed_) return Status::Internal("blob committed twice");
  Digest got = hash_.Finish();
  if (expected_size && static_cast<uint64_t>(*expected_size) != size_) {
    return Status::Invalid("size mismatch for " + (expected ? expected->str() : got.str()) +
                           ": expected " + std::to_string(*expected_size) + " bytes, got " +
                           std::to_string(size_));
  }
  if (expected && *expected != got) {
    return Status::Invalid("digest mismatch: expected " + expected->str() + ", got " + got.str());
  }
  if (fsync(fd_.get()) != 0) return Status::FromErrno(errno, "fsync blob");
  fchmod(fd_.get(), 0644);
  std::string final_path = blobs_dir_ + "/" + got.hex();
  // RENAME_NOREPLACE tells whether this writer created the blob (callers that must undo
  // their writes remove only what they created).
  if (renameat2(AT_FDCWD, tmp_path_.c_str(), AT_FDCWD, final_path.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno != EEXIST) return Status::FromErrno(errno, "rename blob into place");
    unlink(tmp_path_.c_str());
  } else {
    created_ = true;
  }
  committed_ = true;
  RETURN_IF_ERROR(FsyncDir(blobs_dir_));
  return got;
}

Result<BlobStore> BlobStore::Open(const std::string& root) {
  std::string blobs = root + "/blobs/sha256";
  std::string tmp = root + "/tmp";
  RETURN_IF_ERROR(MakeDirs(blobs, 0755));
  RETURN_IF_ERROR(MakeDirs(tmp, 0700));
  return BlobStore(blobs, tmp);
}

bool BlobStore::Has(const Digest& d) const { return access(Path(d).c_str(), F_OK) == 0; }

Result<int64_t> BlobStore::Size(const Digest& d) const {
  struct stat st;
  if (stat(Path(d).c_str(), &st) != 0) return Status::FromErrno(errno, "blob " + d.str());
  return static_cast<int64_t>(st.st_size);
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter() const {
  std::string path = tmp_dir_ + "/blob-" + RandomString(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "create " + path);
  return std::unique_ptr<BlobWriter>(new BlobWriter(blobs_dir_, path, UniqueFd(fd)));
}

Result<Digest> BlobStore::Put(std::string_view data, std::optional<Digest> expected,
                              bool* created) const {
  if (created) *created = false;
  Digest d = Digest::Of(data);
  if (expected && *expected != d) {
    return Status::Invalid("digest mismatch: expected " + expected->str() + ", got " + d.str());
  }
  if (Has(d)) return d;
  ASSIGN_OR_RETURN(auto w, NewWriter());
  RETURN_IF_ERROR(w->Write(data));
  ASSIGN_OR_RETURN(d, w->Commit(d, static_cast<int64_t>(data.size())));
  if (created) *created = w->created();
  return d;
}

Result<std::string> BlobStore::ReadSmall(const Digest& d, size_t max_size) const {
  ASSIGN_OR_RETURN(int64_t size, Size(d));
  if (static_cast<uint64_t>(size) > max_size) {
    return Status(Code::kTooLarge, "blob " + d.str() + " is too large to read whole");
  }
  return ReadFileToString(Path(d));
}

Status BlobStore::Remove(const Digest& d) const {
  if (unlink(Path(d).c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "remove blob " + d.str());
  }
  return Status::Ok();
}

Result<std::vector<Digest>> BlobStore::List() const {
  std::vector<Digest> out;
  DIR* dir = opendir(blobs_dir_.c_str());
  if (dir == nullptr) return Status::FromErrno(errno, "list " + blobs_dir_);
  while (dirent* e = readdir(dir)) {
    if (IsSha256Hex(e->d_name)) out.push_back(Digest::FromHex(e->d_name));
  }
  closedir(dir);
  return out;
}

}  // namespace sampan::images
