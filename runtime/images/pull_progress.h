#pragma once
// PullProgress: per-layer download lines (bytes done / total, speed) redrawn in place on a
// terminal at most ten times a second. Silent when the output is not a terminal, so logs
// stay quiet. Thread-safe: layers report from their download threads.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <vector>

namespace sampan::images {

class PullProgress {
 public:
  // `out` may be nullptr (no output).
  explicit PullProgress(FILE* out);
  // Adds a line; returns its index.
  size_t Add(std::string label, int64_t total);
  void Update(size_t index, uint64_t done);
  void Finish(size_t index, std::string_view state);  // "done", "exists", "failed"
  // Draws the final state.
  void Flush();

 private:
  void DrawLocked(bool force);
  struct Line {
    std::string label;
    int64_t total = 0;
    uint64_t done = 0;
    std::string state;
    std::chrono::steady_clock::time_point start;
  };
  FILE* out_;
  bool enabled_;
  std::mutex mu_;
  std::vector<Line> lines_;
  size_t drawn_ = 0;  // lines on screen
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace sampan::images
