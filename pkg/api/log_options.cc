#include "pkg/api/log_options.h"

#include <fmt/core.h>

#include <charconv>

#include "pkg/util/time_format.h"

namespace sampan::api {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<int64_t> ParseInt(std::string_view key, std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return Status::BadRequest(
        fmt::format("invalid value for {}: \"{}\" is not an integer", key, text));
  }
  return value;
}

}  // namespace

std::string UrlDecode(std::string_view text, bool plus_as_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_as_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::map<std::string, std::string, std::less<>> ParseQueryString(std::string_view raw) {
  std::map<std::string, std::string, std::less<>> values;
  while (!raw.empty()) {
    size_t amp = raw.find('&');
    std::string_view pair = raw.substr(0, amp);
    raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key = UrlDecode(pair.substr(0, eq), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : UrlDecode(pair.substr(eq + 1), true);
    values[std::move(key)] = std::move(value);
  }
  return values;
}

std::optional<bool> ParseBool(std::string_view text) {
  for (std::string_view t : {"1", "t", "T", "true", "TRUE", "True"}) {
    if (text == t) return true;
  }
  for (std::string_view f : {"0", "f", "F", "false", "FALSE", "False"}) {
    if (text == f) return false;
  }
  return std::nullopt;
}

std::optional<std::chrono::system_clock::time_point> LogQuery::Since(
    std::chrono::system_clock::time_point now) const {
  if (since_seconds) return now - std::chrono::seconds(*since_seconds);
  return since_time;
}

std::string LogQuery::Encode() const {
  std::string out;
  auto add = [&](std::string_view key, const std::string& value) {
    if (!out.empty()) out += '&';
    out += key;
    out += '=';
    out += UrlEncode(value);
  };
  if (follow) add("follow", "true");
  if (previous) add("previous", "true");
  if (timestamps) add("timestamps", "true");
  if (tail_lines) add("tailLines", std::to_string(*tail_lines));
  if (limit_bytes) add("limitBytes", std::to_string(*limit_bytes));
  if (since_seconds) add("sinceSeconds", std::to_string(*since_seconds));
  if (since_time) add("sinceTime", FormatRfc3339(*since_time));
  return out;
}

Result<LogQuery> ParseLogQuery(std::string_view raw_query) {
  LogQuery q;
  for (const auto& [key, value] : ParseQueryString(raw_query)) {
    auto flag = [&, &key = key, &value = value](bool* out) -> Status {
      if (value.empty()) {  // "?follow" alone means true, as Go's query decoding
        *out = true;
        return Status::Ok();
      }
      std::optional<bool> b = ParseBool(value);
      if (!b) {
        return Status::BadRequest(fmt::format(
            "invalid value for {}: strconv.ParseBool: parsing \"{}\": invalid syntax", key, value));
      }
      *out = *b;
      return Status::Ok();
    };
    if (key == "container") {
      q.container = value;
    } else if (key == "follow") {
      RETURN_IF_ERROR(flag(&q.follow));
    } else if (key == "previous") {
      RETURN_IF_ERROR(flag(&q.previous));
    } else if (key == "timestamps") {
      RETURN_IF_ERROR(flag(&q.timestamps));
    } else if (key == "tailLines") {
      ASSIGN_OR_RETURN(q.tail_lines, ParseInt(key, value));
    } else if (key == "limitBytes") {
      ASSIGN_OR_RETURN(q.limit_bytes, ParseInt(key, value));
    } else if (key == "sinceSeconds") {
      ASSIGN_OR_RETURN(q.since_seconds, ParseInt(key, value));
    } else if (key == "sinceTime") {
      q.since_time = ParseRfc3339(value);
      if (!q.since_time) {
        return Status::BadRequest(
            fmt::format("invalid value for sinceTime: \"{}\" is not an RFC 3339 time", value));
      }
    }
  }
  if (q.tail_lines && *q.tail_lines < 0) {
    return Status::BadRequest("tailLines: Invalid value: " + std::to_string(*q.tail_lines) +
                              ": must be greater than or equal to 0");
  }
  if (q.limit_bytes && *q.limit_bytes < 1) {
    return Status::BadRequest("limitBytes: Invalid value: " + std::to_string(*q.limit_bytes) +
                              ": must be greater than 0");
  }
  if (q.since_seconds && *q.since_seconds < 1) {
    return Status::BadRequest("sinceSeconds: Invalid value: " + std::to_string(*q.since_seconds) +
                              ": must be greater than 0");
  }
  if (q.since_seconds && q.since_time) {
    return Status::BadRequest("at most one of `sinceTime` or `sinceSeconds` may be specified");
  }
  return q;
}

}  // namespace sampan::api
