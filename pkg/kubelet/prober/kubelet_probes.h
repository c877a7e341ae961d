#pragma once
// KubeletProbes: the prober as the Kubelet (pkg/kubelet/kubelet.h) uses it. It owns a
// ProbeManager (and, in production, the dispatcher thread "prober" that drives it) and
// - answers the Kubelet's ProbeHooks: container_started -> AddContainer (started now),
//   pod_removed -> RemovePod, ready/started -> IsReady/IsStarted of that container instance;
// - forwards results: a liveness or startup failure -> sinks.restart(uid, name, id); a
//   readiness or startup change -> sinks.requeue(uid), so that the pod status is rewritten;
// - records the probe events on the pod through sinks.record: (Warning, Unhealthy or
//   ProbeWarning, message, "spec.containers{name}").
// HookContextFor() prepares the lifecycle hooks (lifecycle.h) of a container the same way.
//
// Wiring (cmd): KubeletProbes probes(clock, MakeRuntimeExecFn(runtime), {restart, requeue,
// record}); kubelet.SetProbeHooks(probes.Hooks()); probes.Start(); ... probes.Stop() before
// the Kubelet and the runtime go away.
//
// Threading: the hooks may be called from any thread, but not during or after Stop() (stop
// the Kubelet first); the sinks are called on the prober's dispatcher thread and must not
// block for long.

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "pkg/api/json.h"
#include "pkg/kubelet/kubelet.h"
#include "pkg/kubelet/prober/lifecycle.h"
#include "pkg/kubelet/prober/probe_manager.h"
#include "pkg/util/clock.h"
#include "pkg/util/dispatcher.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::kubelet::prober {

struct ProbeSinks {
  std::function<void(const std::string& pod_uid, const std::string& container_name,
                     const std::string& container_id)>
      restart;
  std::function<void(const std::string& pod_uid)> requeue;
  std::function<void(const api::Json& pod, const std::string& type, const std::string& reason,
                     const std::string& message, const std::string& field_path)>
      record;
};

class KubeletProbes {
 public:
  // Production: its own dispatcher thread (started by Start()) and a worker pool.
  KubeletProbes(const Clock& clock, ExecFn exec, ProbeSinks sinks);
  // Tests: a dispatcher of the caller's and manager options (run_task, run_probe, ...); the
  // callbacks of `options` are replaced.
  KubeletProbes(Dispatcher& dispatcher, const Clock& clock, ProbeManagerOptions options,
                ProbeSinks sinks);
  ~KubeletProbes();  // Stop()
  KubeletProbes(const KubeletProbes&) = delete;
  KubeletProbes& operator=(const KubeletProbes&) = delete;

  void Start();
  // Stops the dispatcher thread (if it owns one) and the manager. Idempotent.
  void Stop();

  ProbeHooks Hooks();
  ProbeManager& manager() { return *manager_; }

 private:
  void Init(Dispatcher& dispatcher, ProbeManagerOptions options);
  void OnResult(const std::string& uid, const std::string& name, const std::string& id,
                ProbeKind kind, bool success);
  void OnEvent(const std::string& uid, const std::string& name, const ProbeEvent& event);

  const Clock& clock_;
  ProbeSinks sinks_;
  std::unique_ptr<DispatcherThread> thread_;
  std::mutex mu_;
  std::map<std::string, api::Json> pods_;  // uid -> the pod, for events; guarded by mu_
  std::unique_ptr<ProbeManager> manager_;
};

// The context for running `container`'s postStart/preStop hooks (names, uid, ports, pod IP,
// exec), recording their events on `pod` through `record`.
HookContext HookContextFor(
    const api::Json& pod, const api::Json& container, const std::string& container_id,
    const std::string& pod_ip, ExecFn exec,
    std::function<void(const api::Json& pod, const std::string& type, const std::string& reason,
                       const std::string& message, const std::string& field_path)>
        record);

}  // namespace sampan::kubelet::prober
