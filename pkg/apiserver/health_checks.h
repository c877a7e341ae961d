#pragma once
// /healthz, /livez and /readyz as upstream's healthz package answers them: each runs its
// named checks; "ok" when all pass, or with `?verbose` a line per check ("[+]etcd ok") and
// "<endpoint> check passed". A failure is HTTP 500 with the per-check lines always shown
// ("[-]etcd failed: reason withheld": the endpoints are public, the reason goes to the
// log) and "<endpoint> check failed". `?exclude=NAME` (repeatable) skips a check;
// `/readyz/NAME` runs one ("ok", or 500 "internal server error: <reason>").
//
// Thread-safe: the checks are run by whichever thread serves the request.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"
#include "storage/store.h"

namespace sampan::apiserver {

struct HealthCheck {
  std::string name;
  std::function<Status()> run;
};

struct HealthReply {
  int code = 200;
  std::string body;  // text/plain
};

// The "etcd" check: the store answers a read (k3s names its kine store so too).
Status CheckStoreReadable(storage::Store& store);

class HealthEndpoints {
 public:
  // `live` checks serve all three endpoints; /readyz adds `ready_only` after them.
  HealthEndpoints(std::vector<HealthCheck> live, std::vector<HealthCheck> ready_only);

  // The answer for `path` (with its raw query), or nullopt when `path` is not one of the
  // endpoints or their checks (the caller answers 404).
  std::optional<HealthReply> Serve(std::string_view path, std::string_view raw_query) const;

 private:
  HealthReply RunAll(std::string_view endpoint, const std::vector<const HealthCheck*>& checks,
                     std::string_view raw_query) const;

  std::vector<HealthCheck> live_;
  std::vector<HealthCheck> ready_only_;
};

}  // namespace sampan::apiserver
