#pragma once
// The scheduler: assigns pods without a node to a node that fits (plugins.h), through the
// pods/binding subresource. Pods that fit nowhere get PodScheduled=False (Unschedulable)
// and a FailedScheduling event ("0/1 nodes are available: 1 Insufficient cpu."), and are
// tried again when nodes or pods change (and at least once a minute).
//
// Threading: informer threads feed a work queue; one worker thread schedules one pod at a
// time (so each decision sees the previous one's assumed resources). Start/Stop from one
// controlling thread.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "pkg/client/client.h"
#include "pkg/client/event_recorder.h"
#include "pkg/client/informer.h"
#include "pkg/client/work_queue.h"
#include "pkg/scheduler/node_info.h"
#include "pkg/util/clock.h"
#include "pkg/util/status.h"

namespace sampan::scheduler {

struct SchedulerOptions {
  std::string scheduler_name = "default-scheduler";
  // Unschedulable pods are retried at least this often even if nothing seems to change.
  std::chrono::seconds retry_unschedulable{60};
};

class Scheduler {
 public:
  Scheduler(client::Client& client, const Clock& clock, SchedulerOptions options = {});
  ~Scheduler();  // Stop()
  void Start();
  void Stop();

 private:
  void OnNode(const client::ObjectPtr& node);
  void OnNodeDeleted(const client::ObjectPtr& node);
  void OnPod(const client::ObjectPtr& pod);
  void OnPodDeleted(const client::ObjectPtr& pod);
  void RetryUnschedulable();
  void Work();
  Status ScheduleOne(const std::string& key);
  void MarkUnschedulable(const api::Json& pod, const std::string& message);
  void RecordEvent(const api::Json& pod, const std::string& type, const std::string& reason,
                   const std::string& message);

  client::Client& client_;
  const Clock& clock_;
  const SchedulerOptions options_;
  client::Informer nodes_;
  client::Informer pods_;
  client::WorkQueue queue_;
  client::EventRecorder events_;
  std::thread worker_;
  std::atomic<bool> stopped_{false};

  std::mutex mu_;                                    // guards the cluster view below
  std::map<std::string, NodeInfo> nodes_info_;       // by node name
  std::map<std::string, std::string> pod_node_;      // pod key -> node it counts on
  std::set<std::string> unschedulable_;              // pod keys waiting for a change
  std::map<std::string, std::string> last_failure_;  // pod key -> last message (event dedup)
};

}  // namespace sampan::scheduler
