#include "runtime/images/airgap.h"

#include <dirent.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "pkg/util/fs.h"
#include "pkg/util/log.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");

}  // namespace

bool AirgapImporter::IsArchiveName(std::string_view n) {
  for (std::string_view suffix : {".tar", ".tar.gz", ".tgz", ".tar.zst", ".tar.zstd"}) {
    if (n.size() > suffix.size() && n.ends_with(suffix)) return !n.starts_with(".");
  }
  return false;
}

AirgapImporter::AirgapImporter(ImageStore* store, std::chrono::milliseconds rescan)
    : store_(store), rescan_(rescan) {
  LoadState();
}

AirgapImporter::~AirgapImporter() { Stop(); }

void AirgapImporter::LoadState() {
  Result<std::string> text = ReadFileToString(store_->root() + "/airgap.json");
  if (!text.ok()) return;
  nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
  if (!j.is_object()) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [name, v] : j.items()) {
    if (!v.is_object()) continue;
    seen_[name] = {v.value("size", int64_t{0}), v.value("mtime_ns", int64_t{0}),
                   v.value("ok", false)};
  }
}

Status AirgapImporter::SaveState() {
  nlohmann::json j = nlohmann::json::object();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [name, s] : seen_) {
      j[name] = {{"size", s.size}, {"mtime_ns", s.mtime_ns}, {"ok", s.ok}};
    }
  }
  return WriteFileAtomic(store_->root() + "/airgap.json", j.dump(), 0600);
}

Result<AirgapScan> AirgapImporter::ScanOnce(bool all) {
  AirgapScan scan;
  DIR* dir = opendir(store_->root().c_str());
  if (dir == nullptr) return Status::FromErrno(errno, "open " + store_->root());
  std::vector<std::string> names;
  while (dirent* e = readdir(dir)) {
    if (IsArchiveName(e->d_name)) names.emplace_back(e->d_name);
  }
  closedir(dir);
  std::sort(names.begin(), names.end());
  bool changed = false;
  for (const std::string& name : names) {
    std::string path = store_->root() + "/" + name;
    struct stat st;
    if (stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    Seen now{static_cast<int64_t>(st.st_size),
             static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec, false};
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = seen_.find(name);
      if (it != seen_.end() && it->second.size == now.size && it->second.mtime_ns == now.mtime_ns &&
          !(all && it->second.ok)) {
        continue;  // imported (or failed) in this exact version already
      }
    }
    Result<std::vector<std::string>> imported = store_->Import(path);
    if (imported.ok()) {
      now.ok = true;
      scan.imported++;
      scan.names.insert(scan.names.end(), imported->begin(), imported->end());
      kLog.Info("airgap: imported {} ({} images)", name, imported->size());
    } else {
      scan.failed++;
      kLog.Warn("airgap: cannot import {}: {}", name, imported.status().message());
    }
    std::lock_guard<std::mutex> lock(mu_);
    seen_[name] = now;
    changed = true;
  }
  if (changed) RETURN_IF_ERROR(SaveState());
  return scan;
}

Status AirgapImporter::Start() {
  if (thread_.joinable()) return Status::Ok();
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) return Status::FromErrno(errno, "eventfd");
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ >= 0 &&
      inotify_add_watch(inotify_fd_, store_->root().c_str(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0) {
    close(inotify_fd_);
    inotify_fd_ = -1;
  }
  if (inotify_fd_ < 0)
    kLog.Warn("airgap: no inotify, rescanning every {}s", rescan_.count() / 1000);
  thread_ = std::thread([this] { Loop(); });
  return Status::Ok();
}

void AirgapImporter::Stop() {
  if (!thread_.joinable()) return;
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  thread_.join();
  close(wake_fd_);
  if (inotify_fd_ >= 0) close(inotify_fd_);
  wake_fd_ = inotify_fd_ = -1;
}

int AirgapImporter::passes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return passes_;
}

void AirgapImporter::Loop() {
  bool first = true;
  while (true) {
    Result<AirgapScan> scan = ScanOnce(/*all=*/first);
    first = false;
    if (!scan.ok()) kLog.Warn("airgap: {}", scan.status().message());
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++passes_;
    }
    pollfd fds[2] = {{wake_fd_, POLLIN, 0}, {inotify_fd_, POLLIN, 0}};
    int n = poll(fds, inotify_fd_ >= 0 ? 2 : 1, static_cast<int>(rescan_.count()));
    if (n > 0 && (fds[0].revents & POLLIN)) return;
    if (n > 0 && inotify_fd_ >= 0 && (fds[1].revents & POLLIN)) {
      char buf[4096];
      while (read(inotify_fd_, buf, sizeof(buf)) > 0) {
      }
    }
  }
}

}  // namespace sampan::images
