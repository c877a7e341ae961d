#pragma once
// ResourceMetrics: the metrics.k8s.io/v1beta1 API (what metrics-server serves, what
// `kubectl top` and the HPA read): NodeMetrics (cluster-scoped) and PodMetrics (namespaced),
// get and list with label selectors. Nothing is stored: each request reads the kubelets'
// /stats/summary (usage rates are computed there) of the nodes concerned. Nodes whose
// kubelet does not answer are left out of lists, as metrics-server does.
//
// The conversion from a summary is a set of pure functions (tested without kubelets); the
// fetch is a callback, so tests and the in-process server can replace it.
//
// Threading: Serve() is called on HTTP workers, concurrently; the object holds no mutable
// state. The RestHandler must outlive it.

#include <functional>
#include <optional>
#include <string>

#include "pkg/api/json.h"
#include "pkg/apiserver/kubelet_proxy.h"
#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {

// The CPU rate window reported with every metric (the kubelet samples every ~10 s).
inline constexpr char kMetricsWindow[] = "10s";

// A node's /stats/summary, as JSON.
using SummaryFetcher = std::function<Result<api::Json>(const api::Json& node)>;
// Fetches over HTTPS with the API server's kubelet client certificate.
SummaryFetcher KubeletSummaryFetcher(KubeletClientConfig config);

// NodeMetrics of `node` from its summary; nullopt if the summary has no CPU rate yet.
std::optional<api::Json> NodeMetricsFromSummary(const api::Json& node, const api::Json& summary,
                                                const std::string& now);
// PodMetrics of `pod` from its node's summary; nullopt if the summary does not have it (or
// has no container of it).
std::optional<api::Json> PodMetricsFromSummary(const api::Json& pod, const api::Json& summary,
                                               const std::string& now);

class ResourceMetrics {
 public:
  ResourceMetrics(RestHandler& rest, const Clock& clock, SummaryFetcher fetch);
  // get/list of metrics.k8s.io nodes and pods; other verbs are 405.
  Reply Serve(const RequestContext& ctx);

 private:
  Reply Nodes(const RequestContext& ctx);
  Reply Pods(const RequestContext& ctx);

  RestHandler& rest_;
  const Clock& clock_;
  SummaryFetcher fetch_;
};

}  // namespace sampan::apiserver
