#pragma once
// grpc probes: one grpc.health.v1.Health/Check call over plaintext HTTP/2 (h2c with prior
// knowledge, as upstream's insecure gRPC client), with `grpc.service` as the request's
// service. SERVING is success ("service healthy"); any other status is a failure
// `service unhealthy (responded with "NOT_SERVING")`; no answer within the timeout is a
// failure "timeout: health rpc did not complete within 1s"; a connect error is a failure
// `error: failed to connect service at "10.42.0.5:9000": dial tcp ...`.
//
// The client is minimal: request headers are sent as HPACK literals, response headers are
// not decoded (the health status comes from the response message), so an error status
// (e.g. a server without the health service) is reported as "error: health rpc probe
// failed: no health status in the response" rather than with its gRPC code.
//
// Threading: blocks the caller for up to the timeout; safe from any thread.

#include <chrono>
#include <string>

#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

ProbeOutcome DoGrpcProbe(const std::string& host, int port, const std::string& service,
                         std::chrono::milliseconds timeout);

}  // namespace sampan::kubelet::prober
