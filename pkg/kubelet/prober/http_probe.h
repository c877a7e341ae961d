#pragma once
// httpGet probes and hooks, as upstream's prober does them: one GET per attempt on a fresh
// connection ("Connection: close"), plain HTTP or HTTPS without any certificate check,
// headers from httpHeaders (a "Host" entry sets the Host header), "User-Agent:
// kube-probe/1.33" (hooks: kube-lifecycle/1.33) and "Accept: */*" unless given (an empty
// User-Agent or Accept removes the header). Redirects (301, 302, 303, 307, 308) to
// the same host name are followed, at most 10; a redirect to another host is not followed
// and its 3xx answer is the result. At most 10 KiB of the body is read.
//
// Probe outcome: 200 <= status < 300 success (message = body); 300 <= status < 400 warning
// "Probe terminated redirects, Response body: ..." (success with an event); otherwise
// failure "HTTP probe failed with statuscode: 500"; a transport error is a failure with
// Go's text: `Get "http://10.42.0.5:8080/healthz": dial tcp 10.42.0.5:8080: connect:
// connection refused`; a plain HTTP answer to HTTPS is `Get "https://...": http: server gave
// HTTP response to HTTPS client`.
//
// Threading: blocks the caller for up to the timeout; safe from any thread.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

inline constexpr const char* kProbeUserAgent = "kube-probe/1.33";
inline constexpr const char* kLifecycleUserAgent = "kube-lifecycle/1.33";

struct HttpGetRequest {
  bool https = false;
  std::string host;  // IP literal or name
  int port = 80;
  std::string path;                                          // may carry a query; "" = "/"
  std::vector<std::pair<std::string, std::string>> headers;  // in order; repeats allowed
  std::string user_agent = kProbeUserAgent;                  // unless headers have one
};

struct HttpGetResponse {
  int status = 0;
  std::string body;  // at most kMaxProbeOutput bytes
  std::string url;   // of the last request (after redirects)
};

// "http://10.42.0.5:8080/healthz".
std::string FormatUrl(const HttpGetRequest& request);

// Performs the GET, following same-host redirects. The whole exchange (all redirects) is
// bounded by `timeout` (0 = no limit). Errors are Unavailable with Go's client message.
Result<HttpGetResponse> HttpGet(const HttpGetRequest& request, std::chrono::milliseconds timeout);

// HttpGet, judged as a probe.
ProbeOutcome DoHttpProbe(const HttpGetRequest& request, std::chrono::milliseconds timeout);

}  // namespace sampan::kubelet::prober
