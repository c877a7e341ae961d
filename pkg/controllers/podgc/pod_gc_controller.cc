#include "pkg/controllers/podgc/pod_gc_controller.h"

#include <set>

#include "pkg/api/builtin_resources.h"
#include "pkg/controllers/node_taints.h"
#include "pkg/util/log.h"
#include "pkg/util/time_format.h"

namespace sampan::controllers {
namespace {

using api::Json;

const log::Logger kLog("controller");

using api::builtin::Nodes;
using api::builtin::Pods;

bool Terminating(const Json& pod) {
  return api::Find(api::ObjectField(pod, "metadata"), "deletionTimestamp") != nullptr;
}

bool OutOfService(const Json& node) {
  if (NodeConditionStatus(node, "Ready") == "True") return false;
  for (const Json& t : NodeTaints(node, "NoExecute")) {
    if (api::GetString(t, "key") == kOutOfServiceTaint) return true;
  }
  return false;
}

}  // namespace

PodGcController::PodGcController(client::Client& client, const Clock& clock, PodGcOptions options)
    : client_(client),
      clock_(clock),
      options_(options),
      informer_thread_("podgc-inf"),
      nodes_(client, Nodes(), "", {}, &informer_thread_.dispatcher()),
      pods_(client, Pods(), "", {}, &informer_thread_.dispatcher()),
      timer_("podgc") {}

PodGcController::~PodGcController() { Stop(); }

void PodGcController::Start() {
  nodes_.Start();
  pods_.Start();
  informer_thread_.Start();
  timer_.dispatcher().AddRepeatingTimer(options_.period, [this] {
    Status st = Collect();
    if (!st.ok()) kLog.Warn("pod GC: {}", st.message());
  });
  timer_.Start();
}

void PodGcController::Stop() {
  timer_.Stop();
  informer_thread_.Stop();  // before the informers, which share it
  nodes_.Stop();
  pods_.Stop();
}

Status PodGcController::Collect() {
  if (!HasSynced()) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  Clock::MonoTime now = clock_.Now();
  Status first_error;
  auto note = [&](Status st) {
    if (!st.ok() && first_error.ok()) first_error = std::move(st);
  };
  std::set<std::string> still_missing;
  std::map<std::string, bool> confirmed_gone;  // node -> live read says NotFound
  for (const client::ObjectPtr& pod : pods_.List()) {
    std::string node_name = api::GetString(api::ObjectField(*pod, "spec"), "nodeName");
    if (node_name.empty()) {
      if (Terminating(*pod)) note(ForceDelete(*pod, false));
      continue;
    }
    if (client::ObjectPtr node = nodes_.Get(node_name)) {
      if (Terminating(*pod) && OutOfService(*node)) note(ForceDelete(*pod, false));
      continue;
    }
    still_missing.insert(node_name);
    auto since = missing_since_.emplace(node_name, now).first->second;
    if (now - since < options_.quarantine) continue;
    auto gone = confirmed_gone.find(node_name);
    if (gone == confirmed_gone.end()) {
      Result<Json> live = client_.Get(Nodes(), "", node_name);
      if (!live.ok() && !live.status().IsNotFound()) {
        note(live.status());
        continue;
      }
      gone = confirmed_gone.emplace(node_name, !live.ok()).first;
    }
    if (gone->second) note(ForceDelete(*pod, true));
  }
  for (auto it = missing_since_.begin(); it != missing_since_.end();) {
    it = still_missing.count(it->first) ? std::next(it) : missing_since_.erase(it);
  }
  return first_error;
}

Status PodGcController::ForceDelete(const Json& pod, bool orphaned) {
  const Json& meta = api::ObjectField(pod, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string name = api::GetString(meta, "name");
  std::string uid = api::GetString(meta, "uid");
  std::string phase = api::GetString(api::ObjectField(pod, "status"), "phase");
  Json status = Json::object();
  if (phase != "Succeeded" && phase != "Failed") status["phase"] = "Failed";
  if (orphaned) {
    status["conditions"] = {{{"type", "DisruptionTarget"},
                             {"status", "True"},
                             {"reason", "DeletionByPodGC"},
                             {"message", "PodGC: node no longer exists"},
                             {"lastTransitionTime", FormatRfc3339(clock_.WallNow())}}};
  }
  if (!status.empty()) {
    Json patch = {{"metadata", {{"uid", uid}}}, {"status", std::move(status)}};
    Result<Json> patched =
        client_.Patch(Pods(), ns, name, client::PatchType::kStrategic, patch, "status");
    if (!patched.ok()) return patched.status().IsNotFound() ? Status::Ok() : patched.status();
  }
  client::DeleteOptions options;
  options.grace_period_seconds = 0;
  options.uid_precondition = uid;
  Status st = client_.Delete(Pods(), ns, name, options);
  if (st.IsNotFound() || st.IsConflict()) return Status::Ok();
  if (st.ok()) {
    kLog.Info("pod {}/{}: force-deleted ({})", ns, name,
              orphaned ? "its node no longer exists" : "terminating, nowhere to run");
  }
  return st;
}

}  // namespace sampan::controllers
