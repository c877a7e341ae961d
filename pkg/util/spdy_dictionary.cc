// The SPDY/3 header compression dictionary, built once from its two parts: header names and
// common values, each preceded by its length as a 32-bit big-endian number, then a run of
// common value fragments without lengths. Peers set it with inflateSetDictionary/
// deflateSetDictionary; a single wrong byte makes every header block fail to inflate.

#include <string>
#include <string_view>

#include "pkg/util/spdy.h"

namespace sampan::spdy {
namespace {

constexpr std::string_view kLengthPrefixed[] = {
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset",
    "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
    "cache-control", "connection", "content-base", "content-encoding", "content-language",
    "content-length", "content-location", "content-md5", "content-range", "content-type",
    "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since",
    "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
    "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
    "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent",
    "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK",
    "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
};

constexpr std::string_view kTail =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504"
    "505203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request"
    "401 Unauthorized403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented"
    "503 Service UnavailableJan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, "
    "Tue, Wed, Thu, Fri, Sat, Sun, GMTchunked,text/html,image/png,image/jpg,image/gif,"
    "application/xml,application/xhtml+xml,text/plain,text/javascript,publicprivatemax-age="
    "gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";

std::string Build() {
  std::string d;
  for (std::string_view word : kLengthPrefixed) {
    uint32_t n = static_cast<uint32_t>(word.size());
    d.push_back(static_cast<char>(n >> 24));
    d.push_back(static_cast<char>(n >> 16));
    d.push_back(static_cast<char>(n >> 8));
    d.push_back(static_cast<char>(n));
    d.append(word);
  }
  d.append(kTail);
  return d;
}

}  // namespace

std::string_view HeaderDictionary() {
  static const std::string dictionary = Build();
  return dictionary;
}

}  // namespace sampan::spdy
