#pragma once
// LogQuery (PodLogOptions): the options of a container log request as the kubelet's /containerLogs
// endpoint (and the API server's pods/log subresource) take them in the query string, with
// upstream's validation (PodLogOptions): tailLines and limitBytes not negative, sinceSeconds
// positive, at most one of sinceSeconds and sinceTime. Pure functions, no state.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/status.h"

namespace sampan::api {

struct LogQuery {
  std::string container;  // "" = not given
  bool follow = false;
  bool previous = false;
  bool timestamps = false;
  std::optional<int64_t> tail_lines;
  std::optional<int64_t> limit_bytes;
  std::optional<int64_t> since_seconds;
  std::optional<std::chrono::system_clock::time_point> since_time;

  // The earliest time of interest, from since_seconds (relative to `now`) or since_time.
  std::optional<std::chrono::system_clock::time_point> Since(
      std::chrono::system_clock::time_point now) const;
  // The query string for the kubelet ("follow=true&tailLines=5..."), without container.
  std::string Encode() const;
};

// Splits a raw query string into percent-decoded key/value pairs ('+' is a space); the last
// value of a repeated key wins.
std::map<std::string, std::string, std::less<>> ParseQueryString(std::string_view raw);
// Percent-decodes `text` ('+' as a space when `plus_as_space`).
std::string UrlDecode(std::string_view text, bool plus_as_space);
// Percent-encodes everything but unreserved characters (RFC 3986).
std::string UrlEncode(std::string_view text);
// Go's strconv.ParseBool spellings; nullopt for anything else.
std::optional<bool> ParseBool(std::string_view text);

// BadRequest with upstream's wording for malformed or invalid options.
Result<LogQuery> ParseLogQuery(std::string_view raw_query);

}  // namespace sampan::api
