#include "pkg/controllers/tainteviction/taint_eviction_controller.h"

#include <fmt/format.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/controllers/node_taints.h"
#include "pkg/util/time_format.h"

namespace sampan::controllers {
namespace {

using api::Json;

const log::Logger kLog("controller");

using api::builtin::Nodes;
using api::builtin::Pods;

std::string NodeNameOf(const Json& pod) {
  return api::GetString(api::ObjectField(pod, "spec"), "nodeName");
}

// The NoExecute taints as comparable text (an update that changes none queues no pods).
std::string NoExecuteSignature(const Json& node) {
  std::string out;
  for (const Json& t : NodeTaints(node, "NoExecute")) out += t.dump();
  return out;
}

}  // namespace

TaintEvictionController::TaintEvictionController(client::Client& client, const Clock& clock,
                                                 client::EventRecorder* events, int workers)
    : client_(client),
      clock_(clock),
      events_(events),
      informer_thread_("taintevict-inf"),
      nodes_(client, Nodes(), "", {}, &informer_thread_.dispatcher()),
      pods_(client, Pods(), "", {}, &informer_thread_.dispatcher()),
      runner_(
          "tainteviction", [this](const std::string& key) { return Sync(key); }, workers, clock) {
  auto on_pod = [this](const client::ObjectPtr& pod) {
    if (!NodeNameOf(*pod).empty()) runner_.queue().Add(client::ObjectKey(*pod));
  };
  pods_.AddHandlers({on_pod,
                     [on_pod](const client::ObjectPtr&, const client::ObjectPtr& p) { on_pod(p); },
                     nullptr});
  nodes_.AddHandlers({[this](const client::ObjectPtr& node) {
                        if (!NodeTaints(*node, "NoExecute").empty())
                          EnqueuePodsOn(client::ObjectKey(*node));
                      },
                      [this](const client::ObjectPtr& old_node, const client::ObjectPtr& node) {
                        if (NoExecuteSignature(*old_node) != NoExecuteSignature(*node)) {
                          EnqueuePodsOn(client::ObjectKey(*node));
                        }
                      },
                      [this](const client::ObjectPtr& node) {
                        std::string prefix = client::ObjectKey(*node) + "/";
                        std::lock_guard<std::mutex> lock(mu_);
                        for (auto it = first_seen_.begin(); it != first_seen_.end();) {
                          it =
                              it->first.starts_with(prefix) ? first_seen_.erase(it) : std::next(it);
                        }
                      }});
}

TaintEvictionController::~TaintEvictionController() { Stop(); }

void TaintEvictionController::Start() {
  nodes_.Start();
  pods_.Start();
  informer_thread_.Start();
  nodes_.WaitForSync(std::chrono::seconds(30));
  pods_.WaitForSync(std::chrono::seconds(30));
  runner_.Start();
}

void TaintEvictionController::Stop() {
  runner_.Stop();
  informer_thread_.Stop();  // before the informers, which share it
  nodes_.Stop();
  pods_.Stop();
}

void TaintEvictionController::EnqueuePodsOn(const std::string& node_name) {
  for (const client::ObjectPtr& pod : pods_.List()) {
    if (NodeNameOf(*pod) == node_name) runner_.queue().Add(client::ObjectKey(*pod));
  }
}

std::optional<Clock::WallTime> TaintEvictionController::EvictionTime(const Json& pod,
                                                                     const Json& node) {
  std::vector<Json> taints = NodeTaints(node, "NoExecute");
  if (taints.empty()) return std::nullopt;
  Clock::WallTime now = clock_.WallNow();
  const Json* tolerations = api::FindPath(pod, "spec.tolerations");
  std::optional<Clock::WallTime> when;
  for (const Json& taint : taints) {
    const Json* used = nullptr;
    if (tolerations != nullptr && tolerations->is_array()) {
      for (const Json& t : *tolerations) {
        if (TolerationMatches(t, taint)) {
          used = &t;
          break;
        }
      }
    }
    if (used == nullptr) return now;  // not tolerated: at once
    std::optional<int64_t> seconds = TolerationSeconds(*used);
    if (!seconds) continue;  // tolerated for ever
    Clock::WallTime added = now;
    std::optional<Clock::WallTime> stamped = ParseRfc3339(api::GetString(taint, "timeAdded"));
    if (stamped) {
      added = *stamped;
    } else {
      std::string key = fmt::format("{}/{}/{}", client::ObjectKey(node),
                                    api::GetString(taint, "key"), api::GetString(taint, "value"));
      std::lock_guard<std::mutex> lock(mu_);
      added = first_seen_.emplace(key, now).first->second;
    }
    Clock::WallTime trigger = added + std::chrono::seconds(*seconds);
    if (!when || trigger < *when) when = trigger;
  }
  return when;
}

Status TaintEvictionController::Sync(const std::string& pod_key) {
  client::ObjectPtr pod = pods_.Get(pod_key);
  if (pod == nullptr) return Status::Ok();
  if (api::Find(api::ObjectField(*pod, "metadata"), "deletionTimestamp") != nullptr) {
    return Status::Ok();  // already going
  }
  std::string node_name = NodeNameOf(*pod);
  if (node_name.empty()) return Status::Ok();
  client::ObjectPtr node = nodes_.Get(node_name);
  if (node == nullptr) return Status::Ok();  // the pod GC's business
  std::optional<Clock::WallTime> when = EvictionTime(*pod, *node);
  if (!when) return Status::Ok();
  Clock::WallTime now = clock_.WallNow();
  if (*when > now) {
    // Checked again then; a change of the node's taints queues the pod earlier.
    runner_.queue().AddAfter(pod_key, *when - now);
    return Status::Ok();
  }
  return Evict(*pod);
}

Status TaintEvictionController::Evict(const Json& pod) {
  const Json& meta = api::ObjectField(pod, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string name = api::GetString(meta, "name");
  std::string uid = api::GetString(meta, "uid");
  Json patch = {{"metadata", {{"uid", uid}}},
                {"status",
                 {{"conditions",
                   {{{"type", "DisruptionTarget"},
                     {"status", "True"},
                     {"reason", "DeletionByTaintManager"},
                     {"message", "Taint manager: deleting due to NoExecute taint"},
                     {"lastTransitionTime", FormatRfc3339(clock_.WallNow())}}}}}}};
  Result<Json> patched =
      client_.Patch(Pods(), ns, name, client::PatchType::kStrategic, patch, "status");
  if (!patched.ok()) {
    return patched.status().IsNotFound() ? Status::Ok() : patched.status();
  }
  if (events_ != nullptr) {
    events_->Record(pod, "Normal", "TaintManagerEviction",
                    fmt::format("Marking for deletion Pod {}/{}", ns, name));
  }
  client::DeleteOptions options;
  options.uid_precondition = uid;
  Status st = client_.Delete(Pods(), ns, name, options);
  if (st.IsNotFound() || st.IsConflict()) return Status::Ok();  // gone or replaced
  if (st.ok())
    kLog.Info("pod {}/{}: evicted from node {} (NoExecute taint)", ns, name, NodeNameOf(pod));
  return st;
}

}  // namespace sampan::controllers
