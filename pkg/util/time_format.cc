#include "pkg/util/time_format.h"

#include <cstdio>
#include <ctime>

namespace sampan {

std::string FormatRfc3339(std::chrono::system_clock::time_point t) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm;
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string FormatRfc3339Micro(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  if (secs > t) secs -= std::chrono::seconds(1);
  long micros = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(t - secs).count());
  std::string base = FormatRfc3339(secs);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*s.%06ldZ", static_cast<int>(base.size() - 1), base.data(),
                micros);
  return buf;
}

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t) {
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
  if (secs > t) secs -= std::chrono::seconds(1);
  long nanos = static_cast<long>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t - secs).count());
  std::string base = FormatRfc3339(secs);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.*s.%09ldZ", static_cast<int>(base.size() - 1), base.data(),
                nanos);
  return buf;
}

std::optional<std::chrono::system_clock::time_point> ParseRfc3339(std::string_view s) {
  int y, mo, d, h, mi, sec;
  int consumed = 0;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
                  &consumed) != 6) {
    return std::nullopt;
  }
  size_t pos = static_cast<size_t>(consumed);
  long micros = 0;
  if (pos < str.size() && str[pos] == '.') {
    ++pos;
    long scale = 100000;
    while (pos < str.size() && isdigit(static_cast<unsigned char>(str[pos]))) {
      micros += (str[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
  }
  long offset = 0;
  if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (oh * 3600 + om * 60) * (str[pos] == '+' ? 1 : -1);
  } else if (pos >= str.size() || (str[pos] != 'Z' && str[pos] != 'z')) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t tt = timegm(&tm) - offset;
  return std::chrono::system_clock::from_time_t(tt) + std::chrono::microseconds(micros);
}

std::string HumanDuration(std::chrono::seconds d) {
  long s = static_cast<long>(d.count());
  char buf[32];
  if (s < 0) s = 0;
  if (s < 120) {
    std::snprintf(buf, sizeof buf, "%lds", s);
  } else if (s < 600) {
    long m = s / 60, r = s % 60;
    if (r == 0) {
      std::snprintf(buf, sizeof buf, "%ldm", m);
    } else {
      std::snprintf(buf, sizeof buf, "%ldm%lds", m, r);
    }
  } else if (s < 3600 * 3) {
    std::snprintf(buf, sizeof buf, "%ldm", s / 60);
  } else if (s < 3600 * 8) {
    long h = s / 3600, m = (s % 3600) / 60;
    if (m == 0) {
      std::snprintf(buf, sizeof buf, "%ldh", h);
    } else {
      std::snprintf(buf, sizeof buf, "%ldh%ldm", h, m);
    }
  } else if (s < 3600 * 48) {
    std::snprintf(buf, sizeof buf, "%ldh", s / 3600);
  } else if (s < 3600 * 24 * 8) {
    long dd = s / 86400, h = (s % 86400) / 3600;
    if (h == 0) {
      std::snprintf(buf, sizeof buf, "%ldd", dd);
    } else {
      std::snprintf(buf, sizeof buf, "%ldd%ldh", dd, h);
    }
  } else if (s < 86400 * 365 * 2) {
    std::snprintf(buf, sizeof buf, "%ldd", s / 86400);
  } else if (s < 86400 * 365 * 8) {
    long years = s / (86400 * 365), days = (s % (86400 * 365)) / 86400;
    if (days == 0) {
      std::snprintf(buf, sizeof buf, "%ldy", years);
    } else {
      std::snprintf(buf, sizeof buf, "%ldy%ldd", years, days);
    }
  } else {
    std::snprintf(buf, sizeof buf, "%ldy", s / (86400 * 365));
  }
  return buf;
}

}  // namespace sampan
