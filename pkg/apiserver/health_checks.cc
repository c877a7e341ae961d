#include "pkg/apiserver/health_checks.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/apiserver/request_info.h"
#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

const log::Logger kLog("apiserver");

struct ParsedQuery {
  bool verbose = false;
  std::vector<std::string> excluded;  // in the order given, repeats kept once
};

ParsedQuery ParseHealthQuery(std::string_view raw) {
  Query query(raw);
  ParsedQuery q;
  q.verbose = query.Has("verbose");
  for (std::string& name : query.GetAll("exclude")) {
    if (std::find(q.excluded.begin(), q.excluded.end(), name) == q.excluded.end()) {
      q.excluded.push_back(std::move(name));
    }
  }
  return q;
}

}  // namespace

Status CheckStoreReadable(storage::Store& store) {
  Result<storage::KeyValue> kv = store.Get("/registry/health");
  return kv.ok() || kv.status().IsNotFound() ? Status() : kv.status();
}

HealthEndpoints::HealthEndpoints(std::vector<HealthCheck> live, std::vector<HealthCheck> ready_only)
    : live_(std::move(live)), ready_only_(std::move(ready_only)) {}

std::optional<HealthReply> HealthEndpoints::Serve(std::string_view path,
                                                  std::string_view raw_query) const {
  std::string_view endpoint = path.substr(1, path.find('/', 1) - 1);
  if (endpoint != "healthz" && endpoint != "livez" && endpoint != "readyz") return std::nullopt;
  std::vector<const HealthCheck*> checks;
  for (const HealthCheck& c : live_) checks.push_back(&c);
  if (endpoint == "readyz") {
    for (const HealthCheck& c : ready_only_) checks.push_back(&c);
  }
  if (path.size() == endpoint.size() + 1) return RunAll(endpoint, checks, raw_query);
  std::string_view name = path.substr(endpoint.size() + 2);  // after "/<endpoint>/"
  for (const HealthCheck* c : checks) {
    if (c->name != name) continue;
    Status st = c->run();
    if (st.ok()) return HealthReply{200, "ok"};
    return HealthReply{500, fmt::format("internal server error: {}\n", st.message())};
  }
  return std::nullopt;
}

HealthReply HealthEndpoints::RunAll(std::string_view endpoint,
                                    const std::vector<const HealthCheck*>& checks,
                                    std::string_view raw_query) const {
  ParsedQuery query = ParseHealthQuery(raw_query);
  std::string lines;
  std::vector<std::string> failed;
  for (const HealthCheck* c : checks) {
    auto excluded = std::find(query.excluded.begin(), query.excluded.end(), c->name);
    if (excluded != query.excluded.end()) {
      query.excluded.erase(excluded);
      lines += fmt::format("[+]{} excluded: ok\n", c->name);
      continue;
    }
    Status st = c->run();
    if (st.ok()) {
      lines += fmt::format("[+]{} ok\n", c->name);
      continue;
    }
    lines += fmt::format("[-]{} failed: reason withheld\n", c->name);
    kLog.Warn("{} check {} failed: {}", endpoint, c->name, st.message());
    failed.push_back(c->name);
  }
  if (!query.excluded.empty()) {
    std::sort(query.excluded.begin(), query.excluded.end());  // upstream lists a sorted set
    std::string names;
    for (const std::string& n : query.excluded) {
      names += fmt::format("{}\"{}\"", names.empty() ? "" : ",", n);
    }
    lines += fmt::format("warn: some health checks cannot be excluded: no matches for {}\n", names);
  }
  if (!failed.empty()) return {500, fmt::format("{}{} check failed\n", lines, endpoint)};
  if (!query.verbose) return {200, "ok"};
  return {200, fmt::format("{}{} check passed\n", lines, endpoint)};
}

}  // namespace sampan::apiserver
