#pragma once
// BlobStore: content-addressed files under <root>/blobs/sha256/<hex>. A blob is written to
// <root>/tmp first, hashed on the way, checked against the digest (and size) it should have,
// fsynced and renamed into place: a blob file that exists is always complete and correct.
// Thread-safe (distinct writers may run in parallel; same-digest races end in one file).

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/images/digest.h"
#include "pkg/util/unique_fd.h"

namespace sampan::images {

class BlobWriter {
 public:
  ~BlobWriter();  // removes the temporary file unless committed
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  Status Write(std::string_view data);
  uint64_t size() const { return size_; }
  // After Commit: whether this writer created the blob file (false: it existed already).
  bool created() const { return created_; }
  // Throws away what was written (a download restarting from zero).
  Status Reset();
  // Verifies and moves the blob into place. `expected` unset: content-addressed by what
  // was written. A digest or size mismatch is Invalid and nothing is kept.
  Result<Digest> Commit(std::optional<Digest> expected, std::optional<int64_t> expected_size);

 private:
  friend class BlobStore;
  BlobWriter(std::string blobs_dir, std::string tmp_path, UniqueFd fd)
      : blobs_dir_(std::move(blobs_dir)), tmp_path_(std::move(tmp_path)), fd_(std::move(fd)) {}

  std::string blobs_dir_;
  std::string tmp_path_;
  UniqueFd fd_;
  Sha256 hash_;
  uint64_t size_ = 0;
  bool committed_ = false;
  bool created_ = false;
};

class BlobStore {
 public:
  // `root` is the image store root; blobs/sha256 and tmp are created if missing.
  static Result<BlobStore> Open(const std::string& root);

  std::string Path(const Digest& d) const { return blobs_dir_ + "/" + d.hex(); }
  bool Has(const Digest& d) const;
  // Size of a stored blob; NotFound if absent.
  Result<int64_t> Size(const Digest& d) const;
  Result<std::unique_ptr<BlobWriter>> NewWriter() const;
  // Stores `data` (verified against `expected` if given). `*created` tells whether the
  // blob is new.
  Result<Digest> Put(std::string_view data, std::optional<Digest> expected = std::nullopt,
                     bool* created = nullptr) const;
  // Reads a small blob (manifests, configs); larger than `max_size` is TooLarge.
  Result<std::string> ReadSmall(const Digest& d, size_t max_size = 4 << 20) const;
  Status Remove(const Digest& d) const;
  Result<std::vector<Digest>> List() const;

 private:
  BlobStore(std::string blobs_dir, std::string tmp_dir)
      : blobs_dir_(std::move(blobs_dir)), tmp_dir_(std::move(tmp_dir)) {}
  std::string blobs_dir_;
  std::string tmp_dir_;
};

}  // namespace sampan::images
