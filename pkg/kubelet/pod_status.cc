#include "pkg/kubelet/pod_status.h"

#include <fmt/format.h>

#include "pkg/util/time_format.h"

namespace sampan::kubelet {
namespace {

using api::Json;
using runtime::ContainerState;
using runtime::ContainerStatus;

constexpr char kContainerIdPrefix[] = "sampan://";

std::string Time(runtime::WallTime t) { return FormatRfc3339(t); }

bool Never(runtime::WallTime t) { return t.time_since_epoch().count() == 0; }

Json Terminated(const ContainerStatus& c, const StatusInputs& in) {
  Json t = {{"exitCode", c.exit_code}, {"reason", c.reason.empty() ? "Error" : c.reason}};
  if (c.signal != 0) t["signal"] = c.signal;
  auto msg = in.termination_messages.find(c.id);
  if (msg != in.termination_messages.end() && !msg->second.empty()) {
    t["message"] = msg->second;
  } else if (!c.message.empty()) {
    t["message"] = c.message;
  }
  t["startedAt"] = Never(c.started_at) ? Json(nullptr) : Json(Time(c.started_at));
  t["finishedAt"] = Never(c.finished_at) ? Json(nullptr) : Json(Time(c.finished_at));
  t["containerID"] = kContainerIdPrefix + c.id;
  return {{"terminated", std::move(t)}};
}

Json WaitingState(const Waiting& w) {
  Json waiting = {{"reason", w.reason}};
  if (!w.message.empty()) waiting["message"] = w.message;
  return {{"waiting", std::move(waiting)}};
}

std::string Annotation(const ContainerStatus& c, const char* key) {
  auto it = c.annotations.find(key);
  return it == c.annotations.end() ? "" : it->second;
}

Json ContainerStatusJson(const Json& spec_container, bool init, const Waiting& default_waiting,
                         const StatusInputs& in) {
  std::string name = api::GetString(spec_container, "name");
  const ContainerStatus* latest = in.runtime->Latest(name);
  const ContainerStatus* previous = in.runtime->Previous(name);
  auto waiting = in.waiting.find(name);

  Json status = {{"name", name},
                 {"image", api::GetString(spec_container, "image")},
                 {"imageID", ""},
                 {"ready", false},
                 {"restartCount", 0}};
  Json state, last_state = Json::object();
  if (latest == nullptr) {
    state = WaitingState(waiting != in.waiting.end() ? waiting->second : default_waiting);
  } else {
    status["restartCount"] = RestartCountOf(*latest);
    if (std::string ref = Annotation(*latest, kImageRefAnnotation); !ref.empty()) {
      status["image"] = ref;
    }
    status["imageID"] = Annotation(*latest, kImageIdAnnotation);
    status["containerID"] = kContainerIdPrefix + latest->id;
    switch (latest->state) {
      case ContainerState::kRunning:
        state = {{"running", {{"startedAt", Time(latest->started_at)}}}};
        if (previous != nullptr && previous->state == ContainerState::kExited) {
          last_state = Terminated(*previous, in);
        }
        break;
      case ContainerState::kExited:
      case ContainerState::kUnknown:
        if (waiting != in.waiting.end()) {  // about to restart, or backing off
          state = WaitingState(waiting->second);
          last_state = Terminated(*latest, in);
        } else {
          state = Terminated(*latest, in);
          if (previous != nullptr && previous->state == ContainerState::kExited) {
            last_state = Terminated(*previous, in);
          }
        }
        break;
      case ContainerState::kCreated:
        state = WaitingState(waiting != in.waiting.end() ? waiting->second
                                                         : Waiting{"ContainerCreating", ""});
        break;
    }
  }
  bool running = latest != nullptr && latest->state == ContainerState::kRunning;
  bool started = running && (!in.started || in.started(name, latest->id));
  bool ready = started && (!in.ready || in.ready(name, latest->id));
  if (init) {
    // An init container is ready once it completed.
    ready = latest != nullptr && latest->state == ContainerState::kExited &&
            latest->exit_code == 0 && waiting == in.waiting.end();
  } else {
    status["started"] = started;
  }
  status["ready"] = ready;
  status["state"] = std::move(state);
  status["lastState"] = std::move(last_state);
  return status;
}

bool InitDone(const Json& init_statuses) {
  for (const Json& s : init_statuses) {
    const Json* t = api::FindPath(s, "state.terminated");
    if (t == nullptr || api::GetInt(*t, "exitCode", -1) != 0) return false;
  }
  return true;
}

Json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message, const Json& old_conditions, const std::string& now) {
  std::string value = status ? "True" : "False";
  std::string transition = now;
  if (old_conditions.is_array()) {
    for (const Json& c : old_conditions) {
      if (api::GetString(c, "type") == type && api::GetString(c, "status") == value) {
        transition = api::GetString(c, "lastTransitionTime", now);
      }
    }
  }
  Json c = {{"type", type},
            {"status", value},
            {"lastProbeTime", nullptr},
            {"lastTransitionTime", transition}};
  if (!reason.empty()) c["reason"] = reason;
  if (!message.empty()) c["message"] = message;
  return c;
}

std::string NotReadyList(const Json& statuses, bool (*pred)(const Json&)) {
  std::string names;
  for (const Json& s : statuses) {
    if (!pred(s)) names += (names.empty() ? "" : " ") + api::GetString(s, "name");
  }
  return names;
}

}  // namespace

std::string PodPhase(const Json& pod, const Json& init_statuses, const Json& statuses) {
  std::string policy = api::GetString(api::ObjectField(pod, "spec"), "restartPolicy", "Always");
  if (!InitDone(init_statuses)) {
    for (const Json& s : init_statuses) {
      const Json* t = api::FindPath(s, "state.terminated");
      const Json* last = api::FindPath(s, "lastState.terminated");
      bool failed =
          (t != nullptr && api::GetInt(*t, "exitCode") != 0) ||
          (api::FindPath(s, "state.waiting") && last && api::GetInt(*last, "exitCode") != 0);
      if (failed && policy == "Never") return "Failed";
    }
    return "Pending";
  }
  int running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const Json& s : statuses) {
    if (api::FindPath(s, "state.running")) {
      ++running;
    } else if (const Json* t = api::FindPath(s, "state.terminated")) {
      ++stopped;
      if (api::GetInt(*t, "exitCode") == 0) ++succeeded;
    } else if (api::FindPath(s, "lastState.terminated")) {
      ++stopped;
    } else {
      ++waiting;
    }
  }
  if (waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy == "Always") return "Running";
    if (stopped == succeeded) return "Succeeded";
    if (policy == "OnFailure") return "Running";
    return "Failed";
  }
  return "Pending";
}

Json BuildPodStatus(const StatusInputs& in) {
  const Json& pod = *in.pod;
  const Json& spec = api::ObjectField(pod, "spec");
  const Json& old = api::ObjectField(pod, "status");
  std::string now = FormatRfc3339(in.now);

  Json init_statuses = Json::array(), statuses = Json::array();
  if (const Json* inits = api::Find(spec, "initContainers"); inits && inits->is_array()) {
    for (const Json& c : *inits) {
      init_statuses.push_back(ContainerStatusJson(c, true, {"PodInitializing", ""}, in));
    }
  }
  bool initialized = InitDone(init_statuses);
  if (const Json* containers = api::Find(spec, "containers");
      containers && containers->is_array()) {
    Waiting default_waiting =
        initialized ? Waiting{"ContainerCreating", ""} : Waiting{"PodInitializing", ""};
    for (const Json& c : *containers) {
      statuses.push_back(ContainerStatusJson(c, false, default_waiting, in));
    }
  }

  std::string phase = api::GetString(old, "phase");
  if (phase != "Succeeded" && phase != "Failed") phase = PodPhase(pod, init_statuses, statuses);

  const Json* found_conditions = api::Find(old, "conditions");
  const Json& old_conditions = found_conditions != nullptr ? *found_conditions : Json::array();
  Json conditions = Json::array();
  conditions.push_back(
      Condition("PodReadyToStartContainers", in.network_ready, "", "", old_conditions, now));
  std::string not_init =
      NotReadyList(init_statuses, [](const Json& s) { return api::GetBool(s, "ready"); });
  conditions.push_back(
      Condition("Initialized", initialized, initialized ? "" : "ContainersNotInitialized",
                initialized ? "" : "containers with incomplete status: [" + not_init + "]",
                old_conditions, now));
  std::string not_ready =
      NotReadyList(statuses, [](const Json& s) { return api::GetBool(s, "ready"); });
  bool terminal = phase == "Succeeded" || phase == "Failed";
  bool ready = not_ready.empty() && !terminal;
  std::string reason = ready ? "" : terminal ? "PodCompleted" : "ContainersNotReady";
  std::string message =
      ready || terminal ? "" : "containers with unready status: [" + not_ready + "]";
  conditions.push_back(Condition("ContainersReady", ready, reason, message, old_conditions, now));
  conditions.push_back(Condition("Ready", ready, reason, message, old_conditions, now));
  conditions.push_back(Condition("PodScheduled", true, "", "", old_conditions, now));

  Json status = {{"phase", phase}, {"conditions", std::move(conditions)}};
  if (terminal) {
    // Why the pod ended, when something decided it (eviction: reason Evicted).
    for (const char* key : {"reason", "message"}) {
      if (const Json* v = api::Find(old, key); v != nullptr && v->is_string()) status[key] = *v;
    }
  }
  if (!in.host_ip.empty()) {
    status["hostIP"] = in.host_ip;
    status["hostIPs"] = Json::array({{{"ip", in.host_ip}}});
  }
  if (!in.pod_ip.empty()) {
    status["podIP"] = in.pod_ip;
    status["podIPs"] = Json::array({{{"ip", in.pod_ip}}});
  }
  status["startTime"] = api::GetString(old, "startTime", now);
  if (!init_statuses.empty()) status["initContainerStatuses"] = std::move(init_statuses);
  status["containerStatuses"] = std::move(statuses);
  if (const Json* qos = api::Find(old, "qosClass")) status["qosClass"] = *qos;
  return status;
}

Json ComparableStatus(const Json& status) {
  Json out = status;
  if (Json* conditions = out.contains("conditions") ? &out["conditions"] : nullptr;
      conditions != nullptr && conditions->is_array()) {
    for (Json& c : *conditions) {
      if (c.is_object()) {
        c.erase("lastProbeTime");
        c.erase("lastTransitionTime");
      }
    }
  }
  return out;
}

}  // namespace sampan::kubelet
