#pragma once
// Logging: one named logger per component (apiserver, store, controller, scheduler,
// kubelet, runtime, net, proxy, dns). spdlog sits behind this header in log.cc, so only
// fmt is compiled into every user. A disabled level costs one atomic load: arguments are
// formatted only when the message will be written. Thread-safe.
//
//   static const sampan::log::Logger kLog("store");
//   kLog.Info("compacted to revision {}", rev);

#include <fmt/core.h>

#include <atomic>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::log {

enum class Level : int { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kText, kJson };

// Sets the global level and output format; e.g. Configure("debug", "json").
// Unknown names give an Invalid status listing the accepted values.
Status Configure(std::string_view level, std::string_view format);
Result<Level> ParseLevel(std::string_view name);
Level CurrentLevel();

// Redirects output (tests). nullptr restores stderr. The sink gets whole lines.
using Sink = void (*)(std::string_view line);
void SetSinkForTesting(Sink sink);

namespace internal {
extern std::atomic<int> g_level;
void Write(Level level, std::string_view logger, std::string_view message);
}  // namespace internal

class Logger {
 public:
  explicit Logger(std::string name) : name_(std::move(name)) {}

  bool Enabled(Level level) const {
    return static_cast<int>(level) >= internal::g_level.load(std::memory_order_relaxed);
  }

  template <typename... Args>
  void Log(Level level, fmt::format_string<Args...> format, Args&&... args) const {
    if (!Enabled(level)) return;
    internal::Write(level, name_, fmt::format(format, std::forward<Args>(args)...));
  }
  template <typename... Args>
  void Trace(fmt::format_string<Args...> f, Args&&... a) const {
    Log(Level::kTrace, f, std::forward<Args>(a)...);
  }
  template <typename... Args>
  void Debug(fmt::format_string<Args...> f, Args&&... a) const {
    Log(Level::kDebug, f, std::forward<Args>(a)...);
  }
  template <typename... Args>
  void Info(fmt::format_string<Args...> f, Args&&... a) const {
    Log(Level::kInfo, f, std::forward<Args>(a)...);
  }
  template <typename... Args>
  void Warn(fmt::format_string<Args...> f, Args&&... a) const {
    Log(Level::kWarn, f, std::forward<Args>(a)...);
  }
  template <typename... Args>
  void Error(fmt::format_string<Args...> f, Args&&... a) const {
    Log(Level::kError, f, std::forward<Args>(a)...);
  }

  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

}  // namespace sampan::log
