#include "pkg/apiserver/request_info.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "pkg/api/validation.h"

namespace sampan::apiserver {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) parts.emplace_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string PercentDecode(std::string_view s, bool plus_as_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '+' && plus_as_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Query::Query(std::string_view raw) {
  size_t i = 0;
  while (i < raw.size()) {
    size_t amp = raw.find('&', i);
    if (amp == std::string_view::npos) amp = raw.size();
    std::string_view pair = raw.substr(i, amp - i);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = PercentDecode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1), true);
      values_.emplace(std::move(key), std::move(value));
    }
    i = amp + 1;
  }
}

std::optional<std::string> Query::Get(std::string_view key) const {
  auto it = values_.lower_bound(key);  // the first of equal keys
  if (it == values_.end() || it->first != key) return std::nullopt;
  return it->second;
}

std::vector<std::string> Query::GetAll(std::string_view key) const {
  std::vector<std::string> all;
  auto [from, to] = values_.equal_range(key);
  for (auto it = from; it != to; ++it) all.push_back(it->second);
  return all;
}

std::string Query::GetOr(std::string_view key, std::string_view def) const {
  auto v = Get(key);
  return v ? *v : std::string(def);
}

Result<std::optional<int64_t>> Query::Int(std::string_view key) const {
  std::optional<std::string> v = Get(key);
  if (!v || v->empty()) return std::optional<int64_t>();
  int64_t out = 0;
  const char* end = v->data() + v->size();
  const char* digits = v->data() + (v->front() == '+' ? 1 : 0);  // ParseInt takes a '+'
  auto [ptr, ec] = std::from_chars(digits, end, out);
  bool signs = digits != v->data() && digits != end && *digits == '-';  // "+-1"
  if (ec == std::errc() && ptr == end && digits != end && !signs) {
    return std::optional<int64_t>(out);
  }
  return Status::BadRequest(
      fmt::format("strconv.ParseInt: parsing {}: {}", api::GoQuote(*v),
                  ec == std::errc::result_out_of_range ? "value out of range" : "invalid syntax"));
}

bool Query::Flag(std::string_view key) const {
  auto v = Get(key);
  // Go's strconv.ParseBool, which upstream uses for boolean parameters.
  return v && (*v == "1" || *v == "t" || *v == "T" || *v == "true" || *v == "TRUE" ||
               *v == "True");
}

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, const Query& query) {
  RequestInfo info;
  info.path = std::string(path);
  std::vector<std::string> parts = SplitPath(path);
  // Non-resource requests: the verb is the lower-case method (HEAD counts as get), as upstream.
  if (method == "GET" || method == "HEAD") {
    info.verb = "get";
  } else {
    for (char c : method) info.verb.push_back(static_cast<char>(std::tolower(c)));
  }
  size_t pos;
  if (parts.size() >= 2 && parts[0] == "api") {
    info.version = parts[1];
    pos = 2;
  } else if (parts.size() >= 3 && parts[0] == "apis") {
    info.group = parts[1];
    info.version = parts[2];
    pos = 3;
  } else {
    return info;  // not a resource path
  }
  std::vector<std::string> rest(parts.begin() + pos, parts.end());
  if (rest.empty()) return info;  // /api/v1, /apis/apps/v1: discovery
  info.is_resource_request = true;

  if (rest[0] == "namespaces" && rest.size() > 1) {
    info.namespace_ = rest[1];
    // /namespaces/NAME/status and /finalize are subresources of the namespace itself.
    if (rest.size() > 2 && rest[2] != "status" && rest[2] != "finalize") {
      rest.erase(rest.begin(), rest.begin() + 2);
    }
  }
  info.resource = rest[0];
  if (rest.size() > 1) info.name = rest[1];
  if (rest.size() > 2) info.subresource = rest[2];
  if (info.resource == "namespaces" && rest.size() > 1) info.namespace_ = info.name;

  if (method == "GET" || method == "HEAD") {
    if (!info.name.empty()) {
      info.verb = "get";
    } else {
      info.verb = query.Flag("watch") ? "watch" : "list";
    }
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = "";
  }
  return info;
}

bool IsSingleObjectRead(const RequestInfo& info, const Query& query) {
  return info.is_resource_request && info.verb == "get" && !query.Has("watch") &&
         info.group != "metrics.k8s.io" &&
         (info.subresource.empty() || info.subresource == "status" ||
          info.subresource == "scale");
}

}  // namespace sampan::apiserver
