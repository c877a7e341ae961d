#include "pkg/controllers/nodelifecycle/node_lifecycle_controller.h"

#include <fmt/format.h>

#include <algorithm>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/object_names.h"
#include "pkg/controllers/node_taints.h"
#include "pkg/util/time_format.h"

namespace sampan::controllers {
namespace {

using api::NameOf;

using api::Json;

const log::Logger kLog("controller");

using api::builtin::Leases;
using api::builtin::Nodes;
using api::builtin::Pods;

constexpr const char* kLeaseNamespace = "kube-node-lease";
// The conditions a silent node loses (upstream's nodeConditionTypes, Ready first).
constexpr const char* kMonitoredConditions[] = {"Ready", "MemoryPressure", "DiskPressure",
                                                "PIDPressure"};

std::string ReadyHeartbeat(const Json& node) {
  const Json* ready = NodeCondition(node, "Ready");
  return ready ? api::GetString(*ready, "lastHeartbeatTime") : "";
}

bool IsControllerTaint(const Json& taint) {
  std::string key = api::GetString(taint, "key");
  return key == kNotReadyTaint || key == kUnreachableTaint;
}

// The node with its monitored conditions Unknown; nullopt when they already are.
std::optional<Json> WithUnknownConditions(const Json& node, const std::string& now) {
  Json updated = node;
  Json& status = updated["status"];
  if (!status.is_object()) status = Json::object();
  if (!status.contains("conditions") || !status["conditions"].is_array()) {
    status["conditions"] = Json::array();
  }
  Json& conditions = status["conditions"];
  bool changed = false;
  for (const char* type : kMonitoredConditions) {
    auto it = std::find_if(conditions.begin(), conditions.end(), [&](const Json& c) {
      return c.is_object() && api::GetString(c, "type") == type;
    });
    if (it == conditions.end()) {
      conditions.push_back({{"type", type},
                            {"status", "Unknown"},
                            {"reason", "NodeStatusNeverUpdated"},
                            {"message", "Kubelet never posted node status."},
                            {"lastHeartbeatTime", api::GetString(api::ObjectField(node, "metadata"),
                                                                 "creationTimestamp")},
                            {"lastTransitionTime", now}});
      changed = true;
    } else if (api::GetString(*it, "status") != "Unknown") {
      (*it)["status"] = "Unknown";
      (*it)["reason"] = "NodeStatusUnknown";
      (*it)["message"] = "Kubelet stopped posting node status.";
      (*it)["lastTransitionTime"] = now;
      changed = true;
    }
  }
  if (!changed) return std::nullopt;
  return updated;
}

}  // namespace

NodeLifecycleController::NodeLifecycleController(client::Client& client, const Clock& clock,
                                                 NodeLifecycleOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      informer_thread_("nodelife-inf"),
      nodes_(client, Nodes(), "", {}, &informer_thread_.dispatcher()),
      leases_(client, Leases(), kLeaseNamespace, {}, &informer_thread_.dispatcher()),
      pods_(client, Pods(), "", {}, &informer_thread_.dispatcher()),
      runner_(
          "nodelifecycle", [this](const std::string& key) { return Sync(key); }, 1, clock),
      monitor_("nodelife-mon") {
  auto enqueue = [this](const client::ObjectPtr& node) {
    runner_.queue().Add(client::ObjectKey(*node));
  };
  nodes_.AddHandlers(
      {enqueue, [enqueue](const client::ObjectPtr&, const client::ObjectPtr& n) { enqueue(n); },
       [this](const client::ObjectPtr& node) {
         std::lock_guard<std::mutex> lock(mu_);
         health_.erase(NameOf(*node));
         pods_marked_.erase(NameOf(*node));
       }});
}

NodeLifecycleController::~NodeLifecycleController() { Stop(); }

void NodeLifecycleController::Start() {
  nodes_.Start();
  leases_.Start();
  pods_.Start();
  informer_thread_.Start();
  for (client::Informer* informer : {&nodes_, &leases_, &pods_}) {
    informer->WaitForSync(std::chrono::seconds(30));
  }
  runner_.Start();
  monitor_.dispatcher().AddRepeatingTimer(options_.monitor_period, [this] { MonitorNodeHealth(); });
  monitor_.Start();
}

void NodeLifecycleController::Stop() {
  monitor_.Stop();
  runner_.Stop();
  informer_thread_.Stop();  // before the informers, which share it
  nodes_.Stop();
  leases_.Stop();
  pods_.Stop();
}

std::optional<Clock::MonoTime> NodeLifecycleController::LastHeartbeatSeen(
    const std::string& node) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = health_.find(node);
  if (it == health_.end()) return std::nullopt;
  return it->second.probe;
}

void NodeLifecycleController::MonitorNodeHealth() {
  if (!nodes_.HasSynced() || !leases_.HasSynced()) return;
  Clock::MonoTime now = clock_.Now();
  std::vector<client::ObjectPtr> silent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, Health> seen;
    for (const client::ObjectPtr& node : nodes_.List()) {
      std::string name = NameOf(*node);
      std::string heartbeat = ReadyHeartbeat(*node);
      std::string renew;
      if (client::ObjectPtr lease = leases_.Get(std::string(kLeaseNamespace) + "/" + name)) {
        const Json* t = api::FindPath(*lease, "spec.renewTime");
        if (t != nullptr && t->is_string()) renew = t->get<std::string>();
      }
      auto old = health_.find(name);
      Health health{now, heartbeat, renew};
      if (old != health_.end() && old->second.ready_heartbeat == heartbeat &&
          old->second.lease_renew == renew) {
        health.probe = old->second.probe;  // nothing new from this node
      }
      // A node that never posted Ready gets the (longer) startup grace.
      Clock::Duration grace = NodeCondition(*node, "Ready") != nullptr
                                  ? options_.grace_period
                                  : options_.startup_grace_period;
      if (now - health.probe > grace) silent.push_back(node);
      seen[name] = std::move(health);
    }
    health_ = std::move(seen);
  }
  for (const client::ObjectPtr& node : silent) {
    Status st = MarkUnknown(*node);
    if (!st.ok() && !st.IsNotFound()) {
      kLog.Warn("node {}: marking unknown: {}", NameOf(*node), st.message());
    }
  }
}

Status NodeLifecycleController::MarkUnknown(const Json& node) {
  std::string now = FormatRfc3339(clock_.WallNow());
  std::optional<Json> updated = WithUnknownConditions(node, now);
  if (!updated) return Status::Ok();
  // A PUT with the resourceVersion read: a kubelet that posted meanwhile wins.
  Result<Json> written = client_.Update(Nodes(), *updated, "status");
  if (written.status().IsConflict()) {
    // The cache lags (often our own taint write): look at the node as it is now.
    ASSIGN_OR_RETURN(Json live, client_.Get(Nodes(), "", NameOf(node)));
    if (ReadyHeartbeat(live) != ReadyHeartbeat(node)) return Status::Ok();  // it posted
    updated = WithUnknownConditions(live, now);
    if (!updated) return Status::Ok();
    written = client_.Update(Nodes(), *updated, "status");
  }
  if (!written.ok()) return written.status();
  kLog.Info("node {}: no heartbeat for longer than the grace period: status Unknown", NameOf(node));
  return Status::Ok();
}

Status NodeLifecycleController::Sync(const std::string& node_name) {
  client::ObjectPtr node = nodes_.Get(node_name);
  if (node == nullptr) return Status::Ok();
  RETURN_IF_ERROR(SyncTaints(*node));
  const Json* ready = NodeCondition(*node, "Ready");
  if (ready == nullptr || api::GetString(*ready, "status") == "True") {
    std::lock_guard<std::mutex> lock(mu_);
    pods_marked_.erase(node_name);
    return Status::Ok();
  }
  std::string transition = api::GetString(*ready, "lastTransitionTime");
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pods_marked_.find(node_name);
    if (it != pods_marked_.end() && it->second == transition) return Status::Ok();
  }
  RETURN_IF_ERROR(MarkPodsNotReady(node_name));
  std::lock_guard<std::mutex> lock(mu_);
  pods_marked_[node_name] = transition;
  return Status::Ok();
}

Status NodeLifecycleController::SyncTaints(const Json& node) {
  std::string ready = NodeConditionStatus(node, "Ready");
  const char* wanted_key = ready == "False"     ? kNotReadyTaint
                           : ready == "Unknown" ? kUnreachableTaint
                                                : nullptr;
  Json taints = Json::array();
  bool has_no_schedule = false;
  bool has_no_execute = false;
  bool changed = false;
  for (const Json& t : NodeTaints(node)) {
    if (!IsControllerTaint(t)) {
      taints.push_back(t);
      continue;
    }
    std::string effect = api::GetString(t, "effect");
    if (wanted_key == nullptr || api::GetString(t, "key") != wanted_key ||
        (effect != "NoSchedule" && effect != "NoExecute")) {
      changed = true;  // the other key, or the node is Ready again
      continue;
    }
    bool& has = effect == "NoSchedule" ? has_no_schedule : has_no_execute;
    if (has) {
      changed = true;  // a duplicate
      continue;
    }
    has = true;
    taints.push_back(t);
  }
  if (wanted_key != nullptr && !has_no_schedule) {
    taints.push_back({{"key", wanted_key}, {"effect", "NoSchedule"}});
    changed = true;
  }
  if (wanted_key != nullptr && !has_no_execute) {
    taints.push_back({{"key", wanted_key},
                      {"effect", "NoExecute"},
                      {"timeAdded", FormatRfc3339(clock_.WallNow())}});
    changed = true;
  }
  if (!changed) return Status::Ok();
  Json updated = node;
  if (taints.empty()) {
    updated["spec"].erase("taints");
  } else {
    updated["spec"]["taints"] = std::move(taints);
  }
  Result<Json> written = client_.Update(Nodes(), updated);
  if (!written.ok()) return written.status().IsNotFound() ? Status::Ok() : written.status();
  kLog.Info("node {}: Ready={}: {}", NameOf(node), ready.empty() ? "none" : ready,
            wanted_key ? fmt::format("tainted {}", wanted_key) : "lifecycle taints removed");
  return Status::Ok();
}

Status NodeLifecycleController::MarkPodsNotReady(const std::string& node_name) {
  std::string now = FormatRfc3339(clock_.WallNow());
  Status first_error;
  for (const client::ObjectPtr& pod : pods_.List()) {
    if (api::GetString(api::ObjectField(*pod, "spec"), "nodeName") != node_name) continue;
    const Json* conditions = api::FindPath(*pod, "status.conditions");
    if (conditions == nullptr || !conditions->is_array()) continue;
    bool ready = false;
    for (const Json& c : *conditions) {
      if (api::GetString(c, "type") == "Ready" && api::GetString(c, "status") != "False") {
        ready = true;
      }
    }
    if (!ready) continue;
    const Json& meta = api::ObjectField(*pod, "metadata");
    // Strategic merge: conditions merge by type, so only Ready changes.
    Json patch = {{"metadata", {{"uid", api::GetString(meta, "uid")}}},
                  {"status",
                   {{"conditions",
                     {{{"type", "Ready"}, {"status", "False"}, {"lastTransitionTime", now}}}}}}};
    Result<Json> patched =
        client_.Patch(Pods(), api::GetString(meta, "namespace"), api::GetString(meta, "name"),
                      client::PatchType::kStrategic, patch, "status");
    if (!patched.ok() && !patched.status().IsNotFound() && first_error.ok()) {
      first_error = patched.status();
    }
  }
  if (first_error.ok()) kLog.Info("node {}: its pods are marked not ready", node_name);
  return first_error;
}

}  // namespace sampan::controllers
