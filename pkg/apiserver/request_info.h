#pragma once
// Parses a Kubernetes API request path and query into what is being asked: group, version,
// namespace, resource, name, subresource and verb (as upstream's RequestInfoFactory).

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::apiserver {

struct RequestInfo {
  bool is_resource_request = false;  // false for /api, /apis, /version, /healthz, ...
  std::string group;                 // "" = core
  std::string version;
  std::string namespace_;
  std::string resource;
  std::string name;
  std::string subresource;
  std::string verb;  // get list watch create update patch delete deletecollection
  std::string path;  // the raw path, for non-resource requests
};

// A URL's query parameters. A repeated parameter's first value counts, as upstream's
// decoding of its options takes the first; GetAll gives every value.
class Query {
 public:
  explicit Query(std::string_view raw);
  std::optional<std::string> Get(std::string_view key) const;
  std::vector<std::string> GetAll(std::string_view key) const;
  std::string GetOr(std::string_view key, std::string_view def) const;
  bool Has(std::string_view key) const { return Get(key).has_value(); }
  // An integer parameter (limit, timeoutSeconds, gracePeriodSeconds): nullopt when absent
  // or empty; not a base-10 int64 -> BadRequest worded as upstream's (Go's strconv error).
  Result<std::optional<int64_t>> Int(std::string_view key) const;
  // True for Go's true spellings ("true", "1", "True", ...), as upstream parses booleans.
  bool Flag(std::string_view key) const;

 private:
  std::multimap<std::string, std::string, std::less<>> values_;  // equal keys in given order
};

std::string PercentDecode(std::string_view s, bool plus_as_space);

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, const Query& query);
// A get of one stored object or of its status or scale: a store read by key, quick enough
// for the HTTP loop. Lists, watches, metrics (read from kubelets) and the subresources that
// stream or proxy are not.
bool IsSingleObjectRead(const RequestInfo& info, const Query& query);

}  // namespace sampan::apiserver
