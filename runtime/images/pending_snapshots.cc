#include "runtime/images/pending_snapshots.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <thread>

#include "pkg/util/unique_fd.h"

namespace sampan::images {
namespace {

Status SyncPath(const std::string& path, bool whole_fs) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return Status::FromErrno(errno, "open " + path);
  if ((whole_fs ? syncfs(fd.get()) : fsync(fd.get())) != 0) {
    return Status::FromErrno(errno, whole_fs ? "syncfs" : "fsync " + path);
  }
  return Status::Ok();
}

}  // namespace

// Its descriptor is opened before the layers are written, so that the final syncfs on it
// reports any writeback error since then (syncfs reports errors seen after the open).
class PendingSnapshots::BackgroundSync {
 public:
  explicit BackgroundSync(const std::string& path)
      : path_(path), fd_(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) {
    if (fd_.valid()) thread_ = std::thread([this] { Run(); });
  }
  ~BackgroundSync() { Stop(); }

  // Stops the thread, then one last syncfs, checked.
  Status Finish() {
    Stop();
    if (!fd_.valid()) return Status::FromErrno(ENOENT, "open " + path_);
    if (syncfs(fd_.get()) != 0) return Status::FromErrno(errno, "syncfs");
    return Status::Ok();
  }

 private:
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_) {
      lock.unlock();
      (void)syncfs(fd_.get());  // an error shows again in Finish's syncfs (same descriptor)
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop_; });
    }
  }

  std::string path_;
  UniqueFd fd_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

PendingSnapshots::PendingSnapshots() = default;

PendingSnapshots::~PendingSnapshots() {
  background_sync_.reset();
  for (const Entry& e : entries_) {
    std::error_code ec;
    std::filesystem::remove_all(e.work_dir, ec);
  }
}

void PendingSnapshots::SyncInBackground(const std::string& dir) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!background_sync_) background_sync_ = std::make_unique<BackgroundSync>(dir);
}

void PendingSnapshots::Add(std::string work_dir, std::string final_dir) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back({std::move(work_dir), std::move(final_dir)});
}

Status PendingSnapshots::Publish() {
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<BackgroundSync> background = std::move(background_sync_);
  if (entries_.empty()) return Status::Ok();
  // One syncfs covers every file of every pending tree (they share the file system).
  RETURN_IF_ERROR(background ? background->Finish()
                             : SyncPath(entries_.front().work_dir, /*whole_fs=*/true));
  std::vector<std::string> parents;
  while (!entries_.empty()) {
    const Entry& e = entries_.back();
    if (rename(e.work_dir.c_str(), e.final_dir.c_str()) != 0 && errno != EEXIST &&
        errno != ENOTEMPTY) {  // EEXIST, ENOTEMPTY: a concurrent writer published it first
      return Status::FromErrno(errno, "rename snapshot into place");
    }
    std::string parent = std::filesystem::path(e.final_dir).parent_path();
    if (std::find(parents.begin(), parents.end(), parent) == parents.end()) {
      parents.push_back(parent);
    }
    std::error_code ec;
    std::filesystem::remove_all(e.work_dir, ec);  // only left if another writer won
    entries_.pop_back();
  }
  for (const std::string& parent : parents) RETURN_IF_ERROR(SyncPath(parent, false));
  return Status::Ok();
}

Status UnpackBatch(const std::string& dir, size_t n, const UnpackJob& job) {
  if (n == 0) return Status::Ok();
  size_t cpus = std::max(1u, std::thread::hardware_concurrency());
  size_t workers = std::min({n, cpus, size_t{4}});
  bool read_ahead = workers < cpus;
  PendingSnapshots pending;
  std::vector<Status> results(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (size_t k = next++; k < n && !failed; k = next++) {
      results[k] = job(k, &pending, read_ahead);
      if (!results[k].ok()) failed = true;
    }
  };
  std::vector<std::thread> threads;
  pending.SyncInBackground(dir);
  for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
  work();
  for (std::thread& t : threads) t.join();
  for (const Status& st : results) RETURN_IF_ERROR(st);
  return pending.Publish();
}

}  // namespace sampan::images
