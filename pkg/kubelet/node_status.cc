#include "pkg/kubelet/node_status.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "pkg/api/builtin_resources.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::kubelet {
namespace {

using api::Json;

const log::Logger kLog("kubelet");

using api::builtin::Leases;
using api::builtin::Nodes;

std::string Ki(int64_t bytes) { return fmt::format("{}Ki", bytes / 1024); }

struct ConditionSpec {
  const char* type;
  bool active;  // "True" for Ready, "True" = pressure for the others
  const char* reason;
  const char* message;
};

// The status without heartbeat times: what decides whether a write is needed.
Json WithoutHeartbeats(Json status) {
  if (status.contains("conditions")) {
    for (Json& c : status["conditions"]) c.erase("lastHeartbeatTime");
  }
  return status;
}

// type -> status of the conditions in a node status.
std::map<std::string, std::string> ConditionStatuses(const Json& status) {
  std::map<std::string, std::string> out;
  const Json* conditions = api::Find(status, "conditions");
  if (conditions == nullptr || !conditions->is_array()) return out;
  for (const Json& c : *conditions) out[api::GetString(c, "type")] = api::GetString(c, "status");
  return out;
}

// status.images as upstream: largest first, at most 50.
Json ImagesStatus(std::vector<NodeImage> images) {
  std::sort(images.begin(), images.end(),
            [](const NodeImage& a, const NodeImage& b) { return a.size_bytes > b.size_bytes; });
  Json out = Json::array();
  for (size_t i = 0; i < images.size() && i < 50; ++i) {
    out.push_back({{"names", images[i].names}, {"sizeBytes", images[i].size_bytes}});
  }
  return out;
}

}  // namespace

NodeStatusManager::NodeStatusManager(client::Client& client, const Clock& clock,
                                     NodeStatusOptions options, MachineReader machine)
    : client_(client),
      clock_(clock),
      options_(std::move(options)),
      machine_(std::move(machine)),
      thread_("node-status") {}

NodeStatusManager::~NodeStatusManager() { Stop(); }

void NodeStatusManager::Start() {
  Dispatcher& loop = thread_.dispatcher();
  loop.Post([this] {
    SyncAndLog();
    RenewAndLog();
  });
  loop.AddRepeatingTimer(options_.status_interval, [this] { SyncAndLog(); });
  loop.AddRepeatingTimer(options_.lease_interval, [this] { RenewAndLog(); });
  thread_.Start();
}

void NodeStatusManager::SyncNow() {
  thread_.dispatcher().Post([this] {
    SyncAndLog();
    RenewAndLog();
  });
}

void NodeStatusManager::SyncAndLog() {
  Result<bool> r = SyncStatus();
  if (!r.ok()) kLog.Warn("node {}: status: {}", options_.node_name, r.status().message());
}

void NodeStatusManager::RenewAndLog() {
  Status st = RenewLease();
  if (!st.ok()) kLog.Warn("node {}: lease: {}", options_.node_name, st.message());
}

void NodeStatusManager::Stop() { thread_.Stop(); }

Json NodeStatusManager::BuildStatus(const MachineFacts& m) const {
  std::string now = FormatRfc3339(clock_.WallNow());
  int64_t allocatable_memory =
      std::max<int64_t>(0, m.memory_bytes - options_.eviction_memory_bytes);
  int64_t allocatable_fs = m.fs_bytes / 100 * (100 - options_.eviction_fs_percent);
  bool memory_pressure = m.memory_available_bytes < options_.eviction_memory_bytes;
  bool disk_pressure =
      m.fs_bytes > 0 && m.fs_available_bytes * 100 < m.fs_bytes * options_.eviction_fs_percent;
  if (pressure_) {
    Pressure p = pressure_();
    memory_pressure = p.memory;
    disk_pressure = p.disk;
  }
  bool pid_pressure = m.pids_max > 0 && m.pids_used * 100 > m.pids_max * 90;
  const ConditionSpec specs[] = {
      {"MemoryPressure", memory_pressure,
       memory_pressure ? "KubeletHasInsufficientMemory" : "KubeletHasSufficientMemory",
       memory_pressure ? "kubelet has insufficient memory available"
                       : "kubelet has sufficient memory available"},
      {"DiskPressure", disk_pressure,
       disk_pressure ? "KubeletHasDiskPressure" : "KubeletHasNoDiskPressure",
       disk_pressure ? "kubelet has disk pressure" : "kubelet has no disk pressure"},
      {"PIDPressure", pid_pressure,
       pid_pressure ? "KubeletHasInsufficientPID" : "KubeletHasSufficientPID",
       pid_pressure ? "kubelet has insufficient PID available"
                    : "kubelet has sufficient PID available"},
      {"Ready", true, "KubeletReady", "kubelet is posting ready status"},
  };
  Json conditions = Json::array();
  for (const ConditionSpec& c : specs) {
    std::string status = c.active ? "True" : "False";
    conditions.push_back({{"type", c.type},
                          {"status", status},
                          {"lastHeartbeatTime", now},
                          {"lastTransitionTime", now},
                          {"reason", c.reason},
                          {"message", c.message}});
  }
  Json addresses = Json::array();
  for (const std::string& ip : options_.internal_ips) {
    addresses.push_back({{"type", "InternalIP"}, {"address", ip}});
  }
  addresses.push_back({{"type", "Hostname"}, {"address", m.hostname}});
  return {{"capacity",
           {{"cpu", std::to_string(m.cpus)},
            {"memory", Ki(m.memory_bytes)},
            {"ephemeral-storage", Ki(m.fs_bytes)},
            {"pods", std::to_string(options_.max_pods)},
            {"hugepages-1Gi", "0"},
            {"hugepages-2Mi", "0"}}},
          {"allocatable",
           {{"cpu", std::to_string(m.cpus)},
            {"memory", Ki(allocatable_memory)},
            {"ephemeral-storage", std::to_string(allocatable_fs)},
            {"pods", std::to_string(options_.max_pods)},
            {"hugepages-1Gi", "0"},
            {"hugepages-2Mi", "0"}}},
          {"conditions", std::move(conditions)},
          {"addresses", std::move(addresses)},
          {"daemonEndpoints", {{"kubeletEndpoint", {{"Port", options_.kubelet_port}}}}},
          {"nodeInfo",
           {{"machineID", m.machine_id},
            {"systemUUID", m.machine_id},
            {"bootID", m.boot_id},
            {"kernelVersion", m.kernel_version},
            {"osImage", m.os_image},
            {"containerRuntimeVersion", "sampan://" + options_.version},
            {"kubeletVersion", "v1.33.0+sampan"},
            {"kubeProxyVersion", "v1.33.0+sampan"},
            {"operatingSystem", "linux"},
            {"architecture", m.architecture}}}};
}

Json NodeStatusManager::BuildNode(const MachineFacts& m) const {
  Json labels = {{"kubernetes.io/hostname", options_.node_name},
                 {"kubernetes.io/os", "linux"},
                 {"kubernetes.io/arch", m.architecture},
                 {"beta.kubernetes.io/os", "linux"},
                 {"beta.kubernetes.io/arch", m.architecture},
                 {"node.kubernetes.io/instance-type", "sampan"}};
  for (const auto& [k, v] : options_.labels) labels[k] = v;
  return {{"apiVersion", "v1"},
          {"kind", "Node"},
          {"metadata",
           {{"name", options_.node_name},
            {"labels", std::move(labels)},
            {"annotations",
             {{"node.alpha.kubernetes.io/ttl", "0"},
              {"volumes.kubernetes.io/controller-managed-attach-detach", "true"}}}}},
          {"spec", Json::object()},
          {"status", BuildStatus(m)}};
}

Result<bool> NodeStatusManager::SyncStatus() {
  ASSIGN_OR_RETURN(MachineFacts facts, machine_());
  Json node = BuildNode(facts);
  if (!registered_) {
    Result<Json> existing = client_.Get(Nodes(), "", options_.node_name);
    if (existing.status().IsNotFound()) {
      Result<Json> created = client_.Create(Nodes(), node);
      if (!created.ok() && !created.status().IsAlreadyExists()) return created.status();
      kLog.Info("registered node {}", options_.node_name);
    } else if (!existing.ok()) {
      return existing.status();
    } else if (const Json* conds = api::FindPath(*existing, "status.conditions")) {
      // Keep the transition times the node already has.
      for (const Json& c : *conds) {
        transitions_[api::GetString(c, "type") + "/" + api::GetString(c, "status")] =
            api::GetString(c, "lastTransitionTime");
      }
    }
    registered_ = true;
  }
  Json& status = node["status"];
  if (images_) status["images"] = ImagesStatus(images_());
  for (Json& c : status["conditions"]) {
    std::string key = api::GetString(c, "type") + "/" + api::GetString(c, "status");
    auto it = transitions_.find(key);
    if (it != transitions_.end() && !it->second.empty()) {
      c["lastTransitionTime"] = it->second;
    } else {
      // A new state: forget the other state's time, remember this one.
      for (const char* s : {"/True", "/False"}) transitions_.erase(api::GetString(c, "type") + s);
      transitions_[key] = api::GetString(c, "lastTransitionTime");
    }
  }
  Json comparable = WithoutHeartbeats(status);
  bool stale = clock_.Now() - last_write_ >= options_.status_max_age;
  if (comparable == last_written_ && !stale) {
    // Unchanged here; but the node lifecycle controller marks the conditions of a node it
    // has not heard from Unknown. Then ours go back at once, not when they are old.
    Result<Json> current = client_.Get(Nodes(), "", options_.node_name);
    if (!current.ok()) return false;
    std::map<std::string, std::string> theirs =
        ConditionStatuses(api::ObjectField(*current, "status"));
    if (theirs == ConditionStatuses(status)) return false;
    // A condition that was something else meanwhile has a new transition.
    std::string now = FormatRfc3339(clock_.WallNow());
    for (Json& c : status["conditions"]) {
      std::string type = api::GetString(c, "type");
      if (theirs[type] == api::GetString(c, "status")) continue;
      c["lastTransitionTime"] = now;
      transitions_[type + "/" + api::GetString(c, "status")] = now;
    }
    comparable = WithoutHeartbeats(status);
  }
  Result<Json> patched = client_.Patch(Nodes(), "", options_.node_name, client::PatchType::kMerge,
                                       Json{{"status", status}}, "status");
  if (!patched.ok()) {
    if (patched.status().IsNotFound()) registered_ = false;  // deleted: register again
    return patched.status();
  }
  last_written_ = std::move(comparable);
  last_write_ = clock_.Now();
  RecordNodeEvents(status);
  return true;
}

void NodeStatusManager::RecordNodeEvents(const Json& status) {
  if (events_ == nullptr) return;
  // Node events name the node as its uid too, as upstream's kubelet does (kubectl describe
  // node looks them up that way).
  Json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", options_.node_name}, {"uid", options_.node_name}}}};
  if (!announced_) {
    events_->Record(node, "Normal", "Starting", "Starting kubelet.");
    announced_ = true;
  }
  for (const Json& c : status["conditions"]) {
    std::string type = api::GetString(c, "type");
    std::string value = api::GetString(c, "status");
    std::string& last = reported_[type];
    if (last == value) continue;
    last = value;
    std::string reason;
    if (type == "Ready") {
      reason = value == "True" ? "NodeReady" : "NodeNotReady";
    } else {
      // KubeletHasSufficientMemory -> NodeHasSufficientMemory
      reason = "Node" + api::GetString(c, "reason").substr(std::string("Kubelet").size());
    }
    events_->Record(node, "Normal", reason,
                    fmt::format("Node {} status is now: {}", options_.node_name, reason));
  }
}

Status NodeStatusManager::RenewLease() {
  std::string now = FormatRfc3339Micro(clock_.WallNow());
  Result<Json> lease = client_.Get(Leases(), "kube-node-lease", options_.node_name);
  if (lease.status().IsNotFound()) {
    Json owner = Json::array();
    if (Result<Json> node = client_.Get(Nodes(), "", options_.node_name); node.ok()) {
      owner.push_back({{"apiVersion", "v1"},
                       {"kind", "Node"},
                       {"name", options_.node_name},
                       {"uid", api::GetString((*node)["metadata"], "uid")}});
    }
    Json fresh = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata",
                   {{"name", options_.node_name},
                    {"namespace", "kube-node-lease"},
                    {"ownerReferences", std::move(owner)}}},
                  {"spec",
                   {{"holderIdentity", options_.node_name},
                    {"leaseDurationSeconds", options_.lease_duration_seconds},
                    {"renewTime", now}}}};
    return client_.Create(Leases(), fresh).status();
  }
  if (!lease.ok()) return lease.status();
  Json next = std::move(*lease);
  next["spec"]["holderIdentity"] = options_.node_name;
  next["spec"]["leaseDurationSeconds"] = options_.lease_duration_seconds;
  next["spec"]["renewTime"] = now;
  return client_.Update(Leases(), next).status();
}

}  // namespace sampan::kubelet
