#pragma once
// The kubelet API's resource usage endpoints:
//   GET /stats/summary     statsapi Summary JSON (metrics.k8s.io in the API server reads it)
//   GET /metrics/resource  Prometheus text with upstream's resource metric names
// Both collect on demand through `source`. Called on an HTTP worker; no state.

#include <functional>

#include "pkg/kubelet/stats/summary.h"
#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::kubelet {

using SummarySource = std::function<Result<stats::Summary>()>;

void ServeStatsSummary(const http::Request& req, http::ResponseWriter& out,
                       const SummarySource& source);
void ServeResourceMetrics(const http::Request& req, http::ResponseWriter& out,
                          const SummarySource& source);

}  // namespace sampan::kubelet
