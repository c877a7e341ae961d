#include "pkg/kubelet/server/stats_handlers.h"

#include "pkg/kubelet/server/kubelet_status.h"

namespace sampan::kubelet {
namespace {

// The summary, or nullopt after answering the error.
std::optional<stats::Summary> Collect(const http::Request& req, http::ResponseWriter& out,
                                      const SummarySource& source) {
  if (req.method != "GET" && req.method != "HEAD") {
    SendStatus(out, 405, "MethodNotAllowed", "use GET");
    return std::nullopt;
  }
  if (!source) {
    SendStatus(out, 503, "ServiceUnavailable", "stats are not available on this node");
    return std::nullopt;
  }
  Result<stats::Summary> summary = source();
  if (!summary.ok()) {
    SendError(out, summary.status().WithContext("collecting stats"));
    return std::nullopt;
  }
  return std::move(*summary);
}

}  // namespace

void ServeStatsSummary(const http::Request& req, http::ResponseWriter& out,
                       const SummarySource& source) {
  std::optional<stats::Summary> summary = Collect(req, out, source);
  if (!summary) return;
  http::Headers headers;
  headers.Add("Content-Type", "application/json");
  out.Send(200, std::move(headers), api::Dump(stats::SummaryJson(*summary)));
}

void ServeResourceMetrics(const http::Request& req, http::ResponseWriter& out,
                          const SummarySource& source) {
  std::optional<stats::Summary> summary = Collect(req, out, source);
  if (!summary) return;
  http::Headers headers;
  headers.Add("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  out.Send(200, std::move(headers), stats::ResourceMetricsText(*summary));
}

}  // namespace sampan::kubelet
