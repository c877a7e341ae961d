#pragma once
// The API server's request metrics, named and labelled as upstream's so that dashboards and
// alerts written for kube-apiserver work unchanged:
// - apiserver_request_total{code, component, dry_run, group, resource, scope, subresource,
//   verb, version}: every answered request;
// - apiserver_request_duration_seconds (histogram, upstream's buckets), the same labels but
//   the code: requests that are not long-running;
// - apiserver_current_inflight_requests{request_kind="readOnly"|"mutating"};
// - apiserver_longrunning_requests: watches, logs, exec, attach, port-forward and proxy
//   being served now.
// Labels as upstream sets them: verb GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE or
// CONNECT; scope "resource" (a named object, or a create), "namespace", "cluster", or "" for
// paths that are not resources, whose path is the subresource ("/healthz").

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "pkg/apiserver/request_info.h"
#include "pkg/util/http.h"

namespace sampan::apiserver {

struct RequestLabels {
  std::string verb, dry_run, group, version, resource, subresource, scope;
  bool long_running = false;
  bool mutating = false;

  auto operator<=>(const RequestLabels&) const = default;
};

// The labels of a request; `known_resource` is false for a resource the server does not
// serve (its group, version and names are dropped: a client cannot grow the label set).
RequestLabels LabelsOf(const http::Request& req, const RequestInfo& info, const Query& query,
                       bool known_resource);

// Owned by a shared_ptr: a writer keeps its RequestMetrics alive, so a stream may end after
// the server that started it is gone.
class RequestMetrics : public std::enable_shared_from_this<RequestMetrics> {
 public:
  // A writer that forwards to `out` and counts the request when it is answered (or, for a
  // stream, when it ends).
  std::shared_ptr<http::ResponseWriter> Measure(RequestLabels labels,
                                                std::shared_ptr<http::ResponseWriter> out);

  // The metrics above in Prometheus's text format.
  void AppendText(std::string& out) const;

  // Upstream's bucket bounds of apiserver_request_duration_seconds.
  static constexpr std::array<double, 23> kBuckets = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8,
                                                      1.0,   1.25,  1.5,  2,   3,   4,   5,   6,
                                                      8,     10,    15,   20,  30,  45,  60};

 private:
  friend class MeasuredResponse;
  struct Series {
    std::map<int, int64_t> by_code;
    std::array<int64_t, kBuckets.size()> buckets{};  // counts per bucket (not cumulative)
    double seconds = 0;                              // sum over the histogram
    int64_t observed = 0;
    int64_t active = 0;  // long-running requests being served
  };
  // The request's series (entries are never removed, so the pointer stays valid), with the
  // request counted as in flight.
  Series* Started(const RequestLabels& labels);
  void Finished(Series* series, const RequestLabels& labels, int code,
                std::chrono::nanoseconds took);

  mutable std::mutex mu_;
  std::map<RequestLabels, Series> series_;                  // guarded by mu_
  int64_t inflight_read_only_ = 0, inflight_mutating_ = 0;  // guarded by mu_
};

}  // namespace sampan::apiserver
