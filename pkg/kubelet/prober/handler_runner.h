#pragma once
// RunHandler: one attempt of a Probe (or LifecycleHandler) object from a pod spec, as
// upstream's prober runs it. The handler kinds are tried in upstream's order:
//   exec.command            -> exec_probe.h (through target.exec)
//   httpGet{scheme, host, port, path, httpHeaders} -> http_probe.h (host defaults to the
//                              pod IP, scheme to HTTP)
//   tcpSocket{host, port}   -> tcp_probe.h
//   grpc{port, service}     -> grpc_probe.h (grpc.health.v1 over h2c to the pod IP)
//   sleep{seconds}          -> (lifecycle hooks) sleeps, success
// `port` is a number or the name of one of the container's ports (upstream also accepts a
// number written as a string); a port that cannot be resolved is Unknown ("probe errored").
//
// Threading: blocks for up to `timeout` (0 = no limit); safe from any thread.

#include <chrono>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/kubelet/prober/http_probe.h"
#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

ProbeOutcome RunHandler(const api::Json& handler, const ProbeTarget& target,
                        std::chrono::milliseconds timeout);

// The named containerPorts of a container object (spec.containers[i]).
std::vector<NamedPort> ContainerPorts(const api::Json& container);

// An IntOrString port: a number, a port name from `ports`, or a number in a string.
// Errors (Invalid) in upstream's words: `strconv.Atoi: parsing "http": invalid syntax` (no
// such port name), "invalid port number: 0".
Result<int> ResolvePort(const api::Json& port, const std::vector<NamedPort>& ports);

// The request for an httpGet action against `target` (for the lifecycle hooks too).
Result<HttpGetRequest> BuildHttpGetRequest(const api::Json& http_get, const ProbeTarget& target);

}  // namespace sampan::kubelet::prober
