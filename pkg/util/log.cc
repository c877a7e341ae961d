#include "pkg/util/log.h"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <mutex>

namespace sampan::log {
namespace internal {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
}  // namespace internal

namespace {

std::atomic<Format> g_format{Format::kText};
std::atomic<Sink> g_test_sink{nullptr};

constexpr std::string_view kLevelNames[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr char kLevelLetters[] = {'T', 'D', 'I', 'W', 'E', 'O'};

// spdlog is only the thread-safe stderr writer; lines are formatted here so that the
// text and JSON formats share one code path.
spdlog::logger& Output() {
  static spdlog::logger* logger = [] {
    auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    auto* l = new spdlog::logger("sampan", sink);
    l->set_pattern("%v");
    l->set_level(spdlog::level::trace);
    l->flush_on(spdlog::level::trace);
    return l;
  }();
  return *logger;
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm;
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

}  // namespace

Result<Level> ParseLevel(std::string_view name) {
  for (size_t i = 0; i < std::size(kLevelNames); ++i) {
    if (name == kLevelNames[i]) return static_cast<Level>(i);
  }
  if (name == "warning") return Level::kWarn;
  return Status::Invalid(fmt::format(
      "unknown log level \"{}\" (want trace, debug, info, warn, error or off)", name));
}

Status Configure(std::string_view level, std::string_view format) {
  ASSIGN_OR_RETURN(Level parsed, ParseLevel(level));
  Format f;
  if (format == "text" || format.empty()) {
    f = Format::kText;
  } else if (format == "json") {
    f = Format::kJson;
  } else {
    return Status::Invalid(fmt::format("unknown log format \"{}\" (want text or json)", format));
  }
  internal::g_level.store(static_cast<int>(parsed));
  g_format.store(f);
  return Status();
}

Level CurrentLevel() { return static_cast<Level>(internal::g_level.load()); }

void SetSinkForTesting(Sink sink) { g_test_sink.store(sink); }

namespace internal {

void Write(Level level, std::string_view logger, std::string_view message) {
  int index = static_cast<int>(level);
  std::string line;
  if (g_format.load(std::memory_order_relaxed) == Format::kJson) {
    line = "{\"ts\":\"" + Timestamp() + "\",\"level\":\"" + std::string(kLevelNames[index]) +
           "\",\"logger\":";
    AppendJsonString(line, logger);
    line += ",\"msg\":";
    AppendJsonString(line, message);
    line += "}";
  } else {
    line = fmt::format("{} {} {}] {}", Timestamp(), kLevelLetters[index], logger, message);
  }
  if (Sink sink = g_test_sink.load()) {
    sink(line);
    return;
  }
  Output().log(spdlog::level::info, line);
}

}  // namespace internal
}  // namespace sampan::log
