#include "pkg/scheduler/scheduler.h"

#include <fmt/format.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/scheduler/plugins.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::scheduler {
namespace {

using api::Json;

const log::Logger kLog("scheduler");

using api::builtin::Nodes;
using api::builtin::Pods;

const Json& Meta(const Json& o) { return api::ObjectField(o, "metadata"); }

std::string NodeNameOf(const Json& pod) {
  const Json* spec = api::Find(pod, "spec");
  return spec ? api::GetString(*spec, "nodeName") : "";
}

bool Terminal(const Json& pod) {
  const Json* status = api::Find(pod, "status");
  std::string phase = status ? api::GetString(*status, "phase") : "";
  return phase == "Succeeded" || phase == "Failed";
}

// "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable."
std::string FailureMessage(size_t nodes, const std::map<std::string, int>& reasons) {
  if (nodes == 0) return "no nodes available to schedule pods";
  std::string list;
  for (const auto& [reason, count] : reasons) {
    if (!list.empty()) list += ", ";
    list += fmt::format("{} {}", count, reason);
  }
  return fmt::format("0/{} nodes are available: {}.", nodes, list);
}

}  // namespace

Scheduler::Scheduler(client::Client& client, const Clock& clock, SchedulerOptions options)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      nodes_(client, Nodes()),
      pods_(client, Pods()),
      queue_(clock),
      events_(client, clock, {options_.scheduler_name, ""}) {
  nodes_.AddHandlers({[this](const client::ObjectPtr& n) { OnNode(n); },
                      [this](const client::ObjectPtr&, const client::ObjectPtr& n) { OnNode(n); },
                      [this](const client::ObjectPtr& n) { OnNodeDeleted(n); }});
  pods_.AddHandlers({[this](const client::ObjectPtr& p) { OnPod(p); },
                     [this](const client::ObjectPtr&, const client::ObjectPtr& p) { OnPod(p); },
                     [this](const client::ObjectPtr& p) { OnPodDeleted(p); }});
}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
  events_.Start();
  nodes_.Start();
  pods_.Start();
  worker_ = std::thread([this] { Work(); });
}

void Scheduler::Stop() {
  if (stopped_.exchange(true)) return;
  queue_.ShutDown();
  if (worker_.joinable()) worker_.join();
  pods_.Stop();
  nodes_.Stop();
  events_.Stop();
}

void Scheduler::OnNode(const client::ObjectPtr& node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string name = api::GetString(Meta(*node), "name");
    NodeInfo& info = nodes_info_[name];
    info.node = node;
    info.name = name;
    info.allocatable = NodeAllocatable(*node);
  }
  RetryUnschedulable();  // a new or changed node may fit waiting pods
}

void Scheduler::OnNodeDeleted(const client::ObjectPtr& node) {
  std::lock_guard<std::mutex> lock(mu_);
  nodes_info_.erase(api::GetString(Meta(*node), "name"));
}

void Scheduler::OnPod(const client::ObjectPtr& pod) {
  std::string key = client::ObjectKey(*pod);
  std::string node = NodeNameOf(*pod);
  if (node.empty()) {
    const Json* spec = api::Find(*pod, "spec");
    bool ours = api::GetString(spec ? *spec : Json::object(), "schedulerName",
                               "default-scheduler") == options_.scheduler_name;
    if (ours && !api::Find(Meta(*pod), "deletionTimestamp")) queue_.Add(key);
    return;
  }
  bool freed = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    unschedulable_.erase(key);
    last_failure_.erase(key);
    auto counted = pod_node_.find(key);
    if (counted != pod_node_.end() && counted->second != node) {
      nodes_info_[counted->second].RemovePod(key);
    }
    if (Terminal(*pod)) {  // a finished pod no longer holds resources
      nodes_info_[node].RemovePod(key);
      pod_node_.erase(key);
      freed = true;
    } else {
      nodes_info_[node].AddPod(key, pod);  // replaces the assumed copy, if any
      pod_node_[key] = node;
    }
  }
  if (freed) RetryUnschedulable();
}

void Scheduler::OnPodDeleted(const client::ObjectPtr& pod) {
  std::string key = client::ObjectKey(*pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    unschedulable_.erase(key);
    last_failure_.erase(key);
    auto counted = pod_node_.find(key);
    if (counted == pod_node_.end()) return;
    nodes_info_[counted->second].RemovePod(key);
    pod_node_.erase(counted);
  }
  RetryUnschedulable();
}

void Scheduler::RetryUnschedulable() {
  std::set<std::string> waiting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    waiting.swap(unschedulable_);
  }
  for (const std::string& key : waiting) queue_.Add(key);
}

void Scheduler::Work() {
  while (std::optional<std::string> key = queue_.Get()) {
    Status st = ScheduleOne(*key);
    if (st.ok()) {
      queue_.Forget(*key);
    } else {
      kLog.Warn("pod {}: {}", *key, st.message());
      queue_.AddRateLimited(*key);
    }
    queue_.Done(*key);
  }
}

Status Scheduler::ScheduleOne(const std::string& key) {
  client::ObjectPtr pod = pods_.Get(key);
  if (!pod || !NodeNameOf(*pod).empty() || api::Find(Meta(*pod), "deletionTimestamp")) {
    return Status::Ok();
  }
  std::string chosen;
  std::string failure;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, int> reasons;
    std::vector<const NodeInfo*> feasible;
    size_t node_count = 0;
    for (const auto& [name, info] : nodes_info_) {
      if (!info.node) continue;  // pods seen before their node
      ++node_count;
      std::vector<std::string> why = FilterNode(*pod, info);
      if (why.empty()) {
        feasible.push_back(&info);
      } else {
        for (const std::string& r : why) ++reasons[r];
      }
    }
    if (feasible.empty()) {
      failure = FailureMessage(node_count, reasons);
      unschedulable_.insert(key);
    } else {
      int64_t best = -1;
      for (const NodeInfo* info : feasible) {
        int64_t score = ScoreNode(*pod, *info, feasible);
        if (score > best) {
          best = score;
          chosen = info->name;
        }
      }
      // Assume the pod on the node until the informer shows the binding.
      auto assumed = std::make_shared<Json>(*pod);
      (*assumed)["spec"]["nodeName"] = chosen;
      nodes_info_[chosen].AddPod(key, assumed);
      pod_node_[key] = chosen;
    }
  }
  if (!failure.empty()) {
    MarkUnschedulable(*pod, failure);
    queue_.AddAfter(key, options_.retry_unschedulable);
    return Status::Ok();
  }
  std::string ns = api::GetString(Meta(*pod), "namespace");
  std::string name = api::GetString(Meta(*pod), "name");
  Json binding = {{"apiVersion", "v1"},
                  {"kind", "Binding"},
                  {"metadata", {{"name", name}, {"namespace", ns}}},
                  {"target", {{"apiVersion", "v1"}, {"kind", "Node"}, {"name", chosen}}}};
  Result<Json> bound = client_.CreateSubresource(Pods(), ns, name, "binding", binding);
  if (!bound.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      nodes_info_[chosen].RemovePod(key);
      pod_node_.erase(key);
    }
    // Already bound elsewhere or gone: nothing to do; anything else is tried again.
    if (bound.status().IsConflict() || bound.status().IsNotFound()) return Status::Ok();
    return bound.status();
  }
  kLog.Debug("pod {} assigned to {}", key, chosen);
  RecordEvent(*pod, "Normal", "Scheduled",
              fmt::format("Successfully assigned {}/{} to {}", ns, name, chosen));
  return Status::Ok();
}

void Scheduler::MarkUnschedulable(const Json& pod, const std::string& message) {
  std::string key = client::ObjectKey(pod);
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::string& last = last_failure_[key];
    if (last == message) return;  // already reported
    last = message;
  }
  Json patch = {
      {"status",
       {{"conditions", Json::array({{{"type", "PodScheduled"},
                                     {"status", "False"},
                                     {"reason", "Unschedulable"},
                                     {"message", message},
                                     {"lastProbeTime", nullptr},
                                     {"lastTransitionTime", FormatRfc3339(clock_.WallNow())}}})}}}};
  Result<Json> patched = client_.Patch(Pods(), api::GetString(Meta(pod), "namespace"),
                                       api::GetString(Meta(pod), "name"),
                                       client::PatchType::kStrategic, patch, "status");
  if (!patched.ok()) kLog.Debug("pod {}: status: {}", key, patched.status().message());
  RecordEvent(pod, "Warning", "FailedScheduling", message);
}

void Scheduler::RecordEvent(const Json& pod, const std::string& type, const std::string& reason,
                            const std::string& message) {
  events_.Record(pod, type, reason, message);
}

}  // namespace sampan::scheduler
