#pragma once
// The kubelet's pod side: runs the pods bound to this node. An informer watches pods with
// spec.nodeName=<node>; every change, container exit, probe result or back-off expiry queues
// the pod's uid; pod workers (a few threads, one pod at a time each, never two on one pod)
// bring the runtime in line with the pod (pod_sync.cc) or tear it down (pod_teardown.cc)
// and write the pod's status when it changed. A periodic relist of the runtime catches what
// no event reported (after a restart of sampan, say).
//
// Threading: Start/Stop from one controlling thread. The informer and the exit watches run
// on the kubelet's dispatcher thread; runtime calls (which block) on the worker threads.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/pod_network.h"
#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/client/informer.h"
#include "pkg/client/work_queue.h"
#include "pkg/kubelet/backoff.h"
#include "pkg/kubelet/image_manager.h"
#include "pkg/kubelet/machine.h"
#include "pkg/kubelet/pod_files.h"
#include "pkg/kubelet/pod_runtime.h"
#include "pkg/kubelet/pod_status.h"
#include "pkg/kubelet/runtime_index.h"
#include "pkg/kubelet/static_pods.h"
#include "pkg/kubelet/token_manager.h"
#include "pkg/kubelet/volume_projection.h"
#include "pkg/util/clock.h"
#include "pkg/util/libuv_dispatcher.h"
#include "runtime/runtime.h"

namespace sampan::kubelet {

struct KubeletOptions {
  std::string node_name;
  std::string node_ip;
  std::string data_dir;     // pods/<uid>/ lives here
  std::string pod_log_dir;  // <ns>_<pod>_<uid>/<container>/<restart>.log
  std::string static_pod_dir;  // manifests of static pods; empty: none
  DnsSettings dns;
  std::string kubernetes_service_ip = "10.43.0.1";
  int workers = 8;
  // How often the runtime is listed to catch changes no event reported, and how often every
  // pod is synced regardless.
  std::chrono::milliseconds relist_interval{10000};
  std::chrono::milliseconds full_resync_interval{60000};
  std::chrono::milliseconds crash_backoff_initial{10000};
  std::chrono::milliseconds crash_backoff_max{300000};
};

// Makes the pod network once the node's podCIDR is known ("10.42.0.0/24").
using NetworkFactory =
    std::function<Result<std::unique_ptr<net::PodNetwork>>(const std::string& pod_cidr)>;

// Probe hooks: what the prober needs to hear and what it answers.
struct ProbeHooks {
  std::function<void(const api::Json& pod, const api::Json& container,
                     const std::string& container_id, const std::string& pod_ip)>
      container_started;
  std::function<void(const std::string& pod_uid)> pod_removed;
  std::function<bool(const std::string& pod_uid, const std::string& container,
                     const std::string& container_id)>
      ready;
  std::function<bool(const std::string& pod_uid, const std::string& container,
                     const std::string& container_id)>
      started;
};

class Kubelet {
 public:
  Kubelet(client::Client& client, const Clock& clock, runtime::Runtime& runtime,
          ImageManager& images, client::EventRecorder& events, NetworkFactory network,
          KubeletOptions options);
  ~Kubelet();  // Stop()
  Kubelet(const Kubelet&) = delete;
  Kubelet& operator=(const Kubelet&) = delete;

  void SetProbeHooks(ProbeHooks hooks) { probes_ = std::move(hooks); }
  void Start();
  void Stop();

  // A liveness or startup probe failed for good: the container is restarted.
  void RestartContainer(const std::string& pod_uid, const std::string& container,
                        const std::string& container_id);
  // Something about the pod changed (a probe result): sync it soon.
  void Requeue(const std::string& pod_uid);

  // Eviction under node pressure (the eviction manager): the pods running here that could be
  // evicted (not finished, not being deleted, not already evicted), and the eviction: an
  // `Evicted` event, the containers stopped, the pod marked Failed with reason Evicted and
  // `message` (kept until the API shows the pod Failed, so a failed status write is retried).
  std::vector<client::ObjectPtr> ActivePods();
  void Evict(const api::Json& pod, const std::string& message);

 private:
  struct PodState;  // per pod, guarded by mu_

  // kubelet.cc: plumbing
  void OnPod(const client::ObjectPtr& pod);
  void OnPodDeleted(const client::ObjectPtr& pod);
  void Work();
  void Relist();
  void WatchExit(const std::string& pod_uid, UniqueFd notify);
  Result<PodRuntime> Observe(const std::string& pod_uid);
  net::PodNetwork* Network();
  void WriteStatus(const api::Json& pod, api::Json status);
  // The pod as it is to be synced: marked Failed/Evicted while an eviction is pending.
  client::ObjectPtr ApplyEviction(const std::string& uid, client::ObjectPtr pod);

  // static_pod_sync.cc: pods from manifest files, and their mirror pods in the API
  void OnStaticPods(StaticPodScan scan);
  // Mirror pods are not pods to run: they stand for a static pod (by its hash).
  void OnMirrorPod(const client::ObjectPtr& mirror, bool deleted);
  // The static pod with its mirror's status (what SyncPod builds on).
  client::ObjectPtr WithMirrorStatus(const client::ObjectPtr& pod);
  // Creates the mirror pod, or replaces one that is outdated or being deleted.
  void SyncMirror(const api::Json& pod);
  // Deletes the mirror of a static pod that is gone; false to retry.
  bool DeleteMirror(const std::string& hash);
  void ForgetMirror(const std::string& hash, const client::ObjectPtr& mirror);
  // Where a pod's status goes: the pod itself, or a static pod's mirror (null: none yet).
  client::ObjectPtr StatusTarget(const api::Json& pod);

  // pod_sync.cc: a pod that should run
  struct SyncResult {
    std::optional<std::chrono::milliseconds> requeue_after;
  };
  SyncResult SyncPod(const api::Json& pod);
  Status EnsureSandbox(const api::Json& pod, PodRuntime& view, std::string* pod_ip);
  // Starts (or restarts) one container; false when it is waiting (back-off, errors).
  bool StartContainer(const api::Json& pod, const api::Json& container, bool init,
                      const PodRuntime& view, const std::string& sandbox_id,
                      const std::string& pod_ip, SyncResult& result);
  // Whether an exited container should run again, per restartPolicy and back-off.
  bool ShouldRestart(const api::Json& pod, const runtime::ContainerStatus& exited, bool init,
                     SyncResult& result);
  void RemoveOldInstances(PodRuntime& view);
  std::map<std::string, std::string> TerminationMessages(const api::Json& pod,
                                                         const PodRuntime& view);
  void SetWaiting(const std::string& uid, const std::string& container, Waiting waiting);
  void ClearWaiting(const std::string& uid, const std::string& container);

  // pod_teardown.cc: a pod that is being deleted, finished or gone from the API
  Status KillContainers(const api::Json* pod, const PodRuntime& view,
                        std::chrono::milliseconds grace, const std::string& reason);
  Status Teardown(const std::string& uid, const api::Json* pod, std::chrono::milliseconds grace);
  void StopFinishedPod(const api::Json& pod, const PodRuntime& view);

  // Lifecycle hooks (pod_hooks.cc): postStart after a start (a failure kills the container),
  // preStop before a stop; returns the grace left for the stop.
  bool RunPostStartHook(const api::Json& pod, const api::Json& container,
                        const std::string& container_id, const std::string& pod_ip);
  std::chrono::milliseconds RunPreStopHook(const api::Json& pod, const std::string& container_name,
                                           const std::string& container_id,
                                           std::chrono::milliseconds grace);
  // Probes of running containers the prober does not know yet (adopted after a restart).
  void EnsureProbed(const api::Json& pod, const PodRuntime& view, const std::string& pod_ip);

  std::string PodDir(const std::string& uid) const;
  // What projected volumes of `pod` are made from (objects, tokens, downward API values).
  ProjectionContext Projection(const std::string& pod_ip);
  std::string PodLogDir(const api::Json& pod) const;

  client::Client& client_;
  const Clock& clock_;
  runtime::Runtime& runtime_;
  ImageManager& images_;
  client::EventRecorder& events_;
  NetworkFactory network_factory_;
  const KubeletOptions options_;
  ProbeHooks probes_;
  MachineFacts machine_;
  TokenManager tokens_{client_, clock_};  // projected serviceAccountToken volumes

  DispatcherThread loop_;
  client::Informer pods_;
  client::WorkQueue queue_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopped_{false};
  Backoff crash_backoff_;
  RuntimeIndex index_;
  // Relist state (kubelet loop thread only): what the runtime had per pod last time.
  std::map<std::string, std::string> relist_signatures_;
  Clock::MonoTime last_full_resync_{};

  std::mutex mu_;
  std::map<std::string, client::ObjectPtr> desired_;                // uid -> pod as the API has it
  std::map<std::string, std::map<std::string, Waiting>> waiting_;   // uid -> container -> why
  std::map<std::string, std::set<std::string>> restart_requested_;  // uid -> container ids
  std::map<std::string, api::Json> written_status_;       // uid -> comparable status last written
  std::map<std::string, int64_t> written_version_;        // uid -> resourceVersion it made
  std::map<std::string, std::string> termination_cache_;  // container id -> message
  std::map<std::string, std::set<std::string>> probed_;   // uid -> container ids given to probes
  std::map<std::string, client::ObjectPtr> static_pods_;     // uid -> pod from its file
  std::map<std::string, client::ObjectPtr> removed_static_;  // uid -> last pod, until torn down
  std::map<std::string, client::ObjectPtr> mirrors_;         // static uid -> its mirror pod
  std::map<std::string, Clock::MonoTime> mirror_not_before_;  // static uid -> earliest re-creation
  std::unique_ptr<StaticPodWatcher> static_watcher_;         // loop thread only
  std::map<std::string, std::string> evictions_;          // uid -> eviction message
  std::unique_ptr<net::PodNetwork> network_;
  std::mutex network_mu_;  // guards network_ creation
};

}  // namespace sampan::kubelet
