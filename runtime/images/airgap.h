#pragma once
// AirgapImporter: imports every image archive dropped into <data-dir>/agent/images/ (k3s'
// airgap convention: *.tar, *.tar.gz, *.tgz, *.tar.zst, *.tar.zstd) at start and whenever a
// new or changed archive appears (inotify, plus a periodic rescan), on its own thread so
// that the node becomes ready without waiting. As in k3s, the first pass after Start()
// imports every archive (an image removed meanwhile, by GC say, comes back; content already
// stored is not written again); later passes import archives that are new or changed
// (name, size, mtime, remembered in <root>/airgap.json). An archive that fails (a copy still
// in progress, a corrupt file) is retried when it changes.
//
// Start() and Stop() from one thread; ScanOnce() may be called directly (tests, or an agent
// that wants the import done before it goes on).

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "pkg/util/status.h"
#include "runtime/images/image_store.h"

namespace sampan::images {

struct AirgapScan {
  int imported = 0;  // archives imported in this pass
  int failed = 0;
  std::vector<std::string> names;  // image names stored
};

class AirgapImporter {
 public:
  // `store` must outlive the importer; the directory scanned is store->root().
  explicit AirgapImporter(ImageStore* store,
                          std::chrono::milliseconds rescan = std::chrono::seconds(30));
  ~AirgapImporter();
  AirgapImporter(const AirgapImporter&) = delete;
  AirgapImporter& operator=(const AirgapImporter&) = delete;

  // Starts the background thread (first scan at once).
  Status Start();
  void Stop();
  // One synchronous pass over the directory; `all` imports unchanged archives too.
  Result<AirgapScan> ScanOnce(bool all = false);
  // Passes completed by the background thread (tests poll this).
  int passes() const;

  static bool IsArchiveName(std::string_view name);

 private:
  struct Seen {
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool ok = false;
  };
  void Loop();
  void LoadState();
  Status SaveState();

  ImageStore* store_;
  std::chrono::milliseconds rescan_;
  std::thread thread_;
  int inotify_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: Stop() wakes the thread
  mutable std::mutex mu_;
  std::map<std::string, Seen> seen_;
  int passes_ = 0;
};

}  // namespace sampan::images
