#pragma once
// PendingSnapshots: layers unpacked and verified under the store's tmp/, made durable and
// visible together. Publish() makes one syncfs for all of them (rather than one per layer),
// then renames each into place and fsyncs the destination directory: a snapshot becomes
// visible only once its data is on disk, so a crash never leaves a half snapshot under
// its final name. A directory that another writer published first (same ChainID) is
// dropped. Directories still pending on destruction (never published, or after an error)
// are removed. Add() is thread-safe; Publish() runs once, after every Add().
//
// UnpackBatch runs a batch of unpack jobs on a few threads and publishes their results.

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::images {

class PendingSnapshots {
 public:
  PendingSnapshots();
  ~PendingSnapshots();
  PendingSnapshots(const PendingSnapshots&) = delete;
  PendingSnapshots& operator=(const PendingSnapshots&) = delete;

  // Starts writeback of the file system holding `dir` on a thread of its own (syncfs over
  // and over until Publish or destruction), so that data reaches the disk while later
  // layers are still being unpacked and Publish's syncfs finds little left to do.
  void SyncInBackground(const std::string& dir);
  // `work_dir` (complete and verified) is to become `final_dir`; both on one file system.
  void Add(std::string work_dir, std::string final_dir);
  Status Publish();

 private:
  class BackgroundSync;
  std::unique_ptr<BackgroundSync> background_sync_;
  struct Entry {
    std::string work_dir;
    std::string final_dir;
  };
  std::mutex mu_;
  std::vector<Entry> entries_;
};

// Runs job(k, pending, read_ahead) for every k in [0, n) on min(n, CPUs, 4) threads (jobs
// in order: put the largest first), syncing `dir`'s file system in the background, then
// publishes `pending` with one syncfs. `read_ahead`
// tells a job that a core is idle for a read-ahead thread (fewer jobs than CPUs). On the
// first error no new job starts, nothing is published and the error of the lowest k that
// failed is returned.
using UnpackJob = std::function<Status(size_t k, PendingSnapshots* pending, bool read_ahead)>;
Status UnpackBatch(const std::string& dir, size_t n, const UnpackJob& job);

}  // namespace sampan::images
