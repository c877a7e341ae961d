#pragma once
// ProbeManager: the kubelet's liveness, readiness and startup probes, as upstream's prober
// manager and workers run them. One worker per (pod uid, container name, probe kind) that the
// container spec defines; a worker is only a record and a one-shot Dispatcher timer, so
// hundreds of probed pods cost no threads. When a timer fires the attempt itself (a socket,
// a command) runs on a small WorkerPool and its outcome is posted back to the dispatcher.
//
// Semantics (upstream pkg/kubelet/prober/worker.go):
// - First attempt at started_at + initialDelaySeconds (or at once if that passed; see
//   ProbeManagerOptions::random for the spread after a restart of the kubelet), then
//   every periodSeconds (default 10) after the previous attempt began; an attempt is
//   bounded by timeoutSeconds (default 1). Never two attempts of one worker at once.
// - Initial results: liveness success, readiness failure (not ready until a success),
//   startup none. While a container has a startup probe that has not succeeded, its
//   liveness and readiness probes do not run; once it succeeds the startup probe stops and
//   the others start (their initial delay still counts from started_at).
// - A result flips after successThreshold (default 1) consecutive successes or
//   failureThreshold (default 3) consecutive failures. on_result is called when a result
//   changes (never for the initial values), and for every liveness or startup failure that
//   reaches the threshold: the caller restarts the container. Such a worker then holds until
//   AddContainer brings a new container id.
// - Every failed attempt emits an event (Warning, Unhealthy, "Liveness probe failed: ...");
//   an HTTP redirect not followed emits (Warning, ProbeWarning, "... probe warning: ...")
//   and counts as a success; an attempt that could not run (Unknown: unresolvable port,
//   executor error) emits (Warning, Unhealthy, "Liveness probe errored and resulted
//   in unknown state: ...") and is not counted, as upstream.
// - Containers that stop running are the caller's business: it calls AddContainer for the
//   restarted container (new id: state resets) or RemoveContainer/RemovePod.
//
// Threading: every public method may be called from any thread. on_result and on_event run
// on the dispatcher thread, never under the manager's lock (they may call IsReady etc.).
// Ownership: the dispatcher and the clock must outlive the manager. Destroy the manager on
// the dispatcher thread or while the dispatcher is not running, so that no callback is
// under way. The destructor cancels the timers and joins the pool (waiting for attempts in
// progress, at most one timeout).
//
// Cost: an attempt holds a pool thread for up to its timeout. Each worker has at most one
// attempt queued or running, so the queue never exceeds the number of workers; when many
// targets hang at once, attempts wait their turn (a timeout counts from when one starts).

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "pkg/api/json.h"
#include "pkg/kubelet/prober/probe_types.h"
#include "pkg/util/clock.h"
#include "pkg/util/dispatcher.h"

namespace sampan::kubelet::prober {

class WorkerPool;

enum class ProbeKind { kLiveness = 0, kReadiness = 1, kStartup = 2 };

// "Liveness", "Readiness", "Startup" (as in event messages).
std::string_view ProbeKindName(ProbeKind kind);

// A Probe object with upstream's defaults applied.
struct ProbeSpec {
  api::Json handler;  // the probe object itself (exec/httpGet/tcpSocket/grpc)
  std::chrono::seconds initial_delay{0};
  std::chrono::seconds period{10};
  std::chrono::seconds timeout{1};
  int success_threshold = 1;
  int failure_threshold = 3;
};
ProbeSpec ParseProbeSpec(const api::Json& probe);

// The monotonic time of a wall-clock instant (a re-adopted container's startedAt), for
// AddContainer's started_at.
Clock::MonoTime ToMonoTime(const Clock& clock, Clock::WallTime wall);

struct ProbeEvent {
  std::string type;    // "Warning"
  std::string reason;  // "Unhealthy", "ProbeWarning"
  std::string message;
};

struct ProbeManagerOptions {
  // A result changed (see above). `success` is the new result; `container_id` the instance
  // it is about (the one to restart after a liveness failure).
  std::function<void(const std::string& pod_uid, const std::string& container_name,
                     const std::string& container_id, ProbeKind kind, bool success,
                     const std::string& message)>
      on_result;
  std::function<void(const std::string& pod_uid, const std::string& container_name,
                     const ProbeEvent& event)>
      on_event;
  // Runs exec probes in containers (runtime_exec.h); without it exec probes are Unknown.
  ExecFn exec;
  // One attempt; default RunHandler (handler_runner.h). Tests substitute a script.
  std::function<ProbeOutcome(const api::Json& handler, const ProbeTarget& target,
                             std::chrono::milliseconds timeout)>
      run_probe;
  // Where attempts run; default a WorkerPool of `threads` threads. It is called with the
  // manager's lock held, so it may run a task inline (tests) only if run_probe does not
  // call the manager. Tasks must not outlive the dispatcher.
  std::function<void(std::function<void()>)> run_task;
  int threads = 4;
  // As upstream, containers added within one period of the manager's construction (a
  // restarted kubelet re-adopting running containers) have their first attempt delayed by
  // random() * period, so that they do not all probe at once. random() is in [0, 1);
  // default a uniform random number. Tests pass a fixed value.
  std::function<double()> random;
};

class ProbeManager {
 public:
  ProbeManager(Dispatcher& dispatcher, const Clock& clock, ProbeManagerOptions options);
  ~ProbeManager();
  ProbeManager(const ProbeManager&) = delete;
  ProbeManager& operator=(const ProbeManager&) = delete;

  // Starts (or restarts, with fresh state) the probes of one container. `container` is the
  // spec.containers[] entry (probes, ports); `started_at` is when it started running.
  // A container without probes is still recorded (IsStarted/IsReady answer true).
  void AddContainer(const std::string& pod_uid, const std::string& container_name,
                    const std::string& container_id, const api::Json& container,
                    const std::string& pod_ip, Clock::MonoTime started_at);
  void RemoveContainer(const std::string& pod_uid, const std::string& container_name);
  void RemovePod(const std::string& pod_uid);
  // A pod being deleted: stops its liveness and startup probes (readiness goes on), as
  // upstream does during graceful termination.
  void StopLivenessAndStartup(const std::string& pod_uid);

  // Started: no startup probe, or it succeeded. Ready: started, and the readiness probe's
  // result is success (or there is none). Unknown containers are neither; with a
  // `container_id`, neither is another instance than the one last added.
  bool IsStarted(const std::string& pod_uid, const std::string& container_name,
                 const std::string& container_id = "") const;
  bool IsReady(const std::string& pod_uid, const std::string& container_name,
               const std::string& container_id = "") const;
  // Workers with a pending timer or attempt (tests, metrics).
  size_t active_workers() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
  std::unique_ptr<WorkerPool> pool_;
};

}  // namespace sampan::kubelet::prober
