#pragma once
// Container lifecycle hooks (spec.containers[].lifecycle.postStart / preStop), as
// upstream's handler runner (pkg/kubelet/lifecycle/handlers.go) and the runtime manager run
// them:
// - exec: the command through target.exec; fails on a non-zero exit.
// - httpGet: a GET like a probe's; fails only on a transport error (the status code is
//   not looked at, as upstream). An HTTPS hook answered in plain HTTP is retried over HTTP
//   and, if that works, records (Warning, LifecycleHTTPFallback, ...).
// - sleep: sleeps `seconds` (bounded by the preStop grace period).
// - anything else (tcpSocket is accepted by the API but not run): "Cannot run handler".
// PostStart: a failure records (Warning, FailedPostStartHook, <upstream's message>) and
// returns an error carrying that message; the caller kills the container, as upstream.
// PreStop: runs for at most `grace`; a failure records (Warning, FailedPreStopHook,
// "PreStopHook failed") (upstream keeps the details out of the event); a hook still
// running when the grace period ends is abandoned (an exec is killed) without an event.
// Either way the caller then stops the container with what is left of the grace period.
//
// Threading: blocking (up to the hook's duration); call from a pod worker thread.

#include <chrono>
#include <functional>
#include <string>

#include "pkg/api/json.h"
#include "pkg/kubelet/prober/probe_types.h"

namespace sampan::kubelet::prober {

struct HookContext {
  std::string pod_name;
  std::string pod_namespace;
  std::string pod_uid;
  std::string container_name;
  ProbeTarget target;  // container id, pod IP, ports, exec, sleep
  // Records an event on the pod for this container: (type, reason, message).
  std::function<void(const std::string& type, const std::string& reason,
                     const std::string& message)>
      on_event;
};

// The hook ran (or there is none): OK. Otherwise the error's message is the event message.
// `timeout` bounds the hook (0 = none, as upstream, whose postStart hooks have no limit).
Status RunPostStart(const api::Json& container, const HookContext& context,
                    std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

// Runs the preStop hook within `grace`. OK when it completed or there is none, or when
// `grace` is zero (upstream skips the hook then); Unavailable when the grace period ended
// first; another error when it failed. Upstream then stops the container with the grace
// left, but at least 2 s: that is the caller's part.
Status RunPreStop(const api::Json& container, const HookContext& context,
                  std::chrono::milliseconds grace);

// Runs one LifecycleHandler; "" on success, otherwise upstream's failure message, e.g.
// `HTTP lifecycle hook (/hook) for Container "c" in Pod "web_default(uid)" failed - error:
// ...`. Sets *timed_out when `timeout` passed before it completed.
std::string RunLifecycleHandler(const api::Json& handler, const HookContext& context,
                                std::chrono::milliseconds timeout, bool* timed_out);

inline constexpr const char* kFailedPostStartHook = "FailedPostStartHook";
inline constexpr const char* kFailedPreStopHook = "FailedPreStopHook";

}  // namespace sampan::kubelet::prober
