#include "pkg/controllers/runner.h"

namespace sampan::controllers {
namespace {
const log::Logger kLog("controller");
}  // namespace

Runner::Runner(std::string name, SyncFn sync, int workers, const Clock& clock)
    : name_(std::move(name)), sync_(std::move(sync)), workers_(workers), queue_(clock) {}

Runner::~Runner() { Stop(); }

void Runner::Start() {
  for (int i = 0; i < workers_; ++i) threads_.emplace_back([this] { Work(); });
}

void Runner::Stop() {
  queue_.ShutDown();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

void Runner::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    Status st = sync_(*key);
    if (st.ok()) {
      queue_.Forget(*key);
    } else {
      kLog.Warn("{} {}: {} (retry {})", name_, *key, st.message(), queue_.NumRequeues(*key) + 1);
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

}  // namespace sampan::controllers
