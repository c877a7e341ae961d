#include "runtime/images/pull_progress.h"

#include <unistd.h>

#include "runtime/images/image_store.h"

namespace sampan::images {

PullProgress::PullProgress(FILE* out)
    : out_(out), enabled_(out != nullptr && isatty(fileno(out))) {}

size_t PullProgress::Add(std::string label, int64_t total) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_.push_back({std::move(label), total, 0, "", std::chrono::steady_clock::now()});
  return lines_.size() - 1;
}

void PullProgress::Update(size_t index, uint64_t done) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_[index].done = done;
  DrawLocked(false);
}

void PullProgress::Finish(size_t index, std::string_view state) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_[index].state = state;
  DrawLocked(false);
}

void PullProgress::Flush() {
  std::lock_guard<std::mutex> lock(mu_);
  DrawLocked(true);
}

void PullProgress::DrawLocked(bool force) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  if (drawn_ > 0) fprintf(out_, "\x1b[%zuA", drawn_);  // back to the first line
  for (const Line& l : lines_) {
    double secs = std::chrono::duration<double>(now - l.start).count();
    double rate = secs > 0 ? static_cast<double>(l.done) / secs : 0;
    std::string state = l.state.empty() ? FormatBytes(static_cast<int64_t>(rate)) + "/s" : l.state;
    fprintf(out_, "\x1b[2K%-19s %10s / %-10s %s\n", l.label.c_str(),
            FormatBytes(static_cast<int64_t>(l.done)).c_str(), FormatBytes(l.total).c_str(),
            state.c_str());
  }
  drawn_ = lines_.size();
  fflush(out_);
}

}  // namespace sampan::images
