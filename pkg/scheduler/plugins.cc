#include "pkg/scheduler/plugins.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace sampan::scheduler {
namespace {

using api::Json;

// Scores treat a pod without requests as asking for this much (upstream's non-zero
// defaults), so that empty pods still spread by load.
constexpr int64_t kDefaultMilliCpu = 100;
constexpr int64_t kDefaultMemory = 200 * 1024 * 1024;
constexpr int64_t kMinImageBytes = 23 * 1024 * 1024;
constexpr int64_t kMaxImageBytes = 1000 * 1024 * 1024;

const Json& Labels(const Json& node) {
  return api::ObjectField(api::ObjectField(node, "metadata"), "labels");
}

bool InValues(const Json& values, const std::string& v) {
  if (!values.is_array()) return false;
  return std::find(values.begin(), values.end(), Json(v)) != values.end();
}

bool MatchRequirement(const Json& req, const Json& labels) {
  std::string key = api::GetString(req, "key");
  std::string op = api::GetString(req, "operator");
  const Json values = req.value("values", Json::array());
  const Json* label = api::Find(labels, key);
  bool has = label != nullptr && label->is_string();
  std::string value = has ? label->get<std::string>() : "";
  if (op == "In") return has && InValues(values, value);
  if (op == "NotIn") return !has || !InValues(values, value);
  if (op == "Exists") return has;
  if (op == "DoesNotExist") return !has;
  if (op == "Gt" || op == "Lt") {
    if (!has || !values.is_array() || values.size() != 1 || !values[0].is_string()) return false;
    try {
      long long have = std::stoll(value);
      long long want = std::stoll(values[0].get<std::string>());
      return op == "Gt" ? have > want : have < want;
    } catch (...) {
      return false;
    }
  }
  return false;
}

bool TermsMatch(const Json* terms, const Json& node) {
  if (terms == nullptr || !terms->is_array()) return true;
  for (const Json& term : *terms) {
    if (MatchesNodeSelectorTerm(term, node)) return true;
  }
  return false;
}

bool Tolerated(const Json& pod, const Json& taint) { return ToleratesTaint(pod, taint); }

// "protocol/ip/port" -> parts.
struct HostPort {
  std::string protocol, ip, port;
};
HostPort SplitHostPort(const std::string& s) {
  size_t a = s.find('/');
  size_t b = s.rfind('/');
  return {s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
}

bool PortsConflict(const std::string& a, const std::string& b) {
  HostPort x = SplitHostPort(a);
  HostPort y = SplitHostPort(b);
  return x.protocol == y.protocol && x.port == y.port &&
         (x.ip == y.ip || x.ip == "0.0.0.0" || y.ip == "0.0.0.0");
}

std::string ControllerUid(const Json& pod) {
  const Json* refs = api::FindPath(pod, "metadata.ownerReferences");
  if (refs == nullptr || !refs->is_array()) return "";
  for (const Json& r : *refs) {
    if (api::GetBool(r, "controller")) return api::GetString(r, "uid");
  }
  return "";
}

int64_t Fraction100(int64_t used, int64_t capacity) {
  if (capacity <= 0) return 0;
  return std::clamp<int64_t>((capacity - used) * 100 / capacity, 0, 100);
}

int64_t LeastAllocated(const Resources& pod, const NodeInfo& node) {
  int64_t cpu = node.requested.milli_cpu + std::max(pod.milli_cpu, kDefaultMilliCpu);
  int64_t mem = node.requested.memory + std::max(pod.memory, kDefaultMemory);
  return (Fraction100(cpu, node.allocatable.milli_cpu) +
          Fraction100(mem, node.allocatable.memory)) /
         2;
}

int64_t BalancedAllocation(const Resources& pod, const NodeInfo& node) {
  if (node.allocatable.milli_cpu <= 0 || node.allocatable.memory <= 0) return 0;
  double cpu = double(node.requested.milli_cpu + pod.milli_cpu) / node.allocatable.milli_cpu;
  double mem = double(node.requested.memory + pod.memory) / node.allocatable.memory;
  double std_dev = std::abs(cpu - mem) / 2;  // of two values
  return static_cast<int64_t>((1 - std::min(std_dev, 1.0)) * 100);
}

int64_t PreferredAffinity(const Json& pod, const NodeInfo& node) {
  const Json* preferred = api::FindPath(
      pod, "spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution");
  if (preferred == nullptr || !preferred->is_array() || preferred->empty()) return 0;
  int64_t total = 0;
  int64_t matched = 0;
  for (const Json& p : *preferred) {
    int64_t weight = api::GetInt(p, "weight");
    total += weight;
    const Json* term = api::Find(p, "preference");
    if (term && MatchesNodeSelectorTerm(*term, *node.node)) matched += weight;
  }
  return total > 0 ? matched * 100 / total : 0;
}

int IntolerablePreferNoSchedule(const Json& pod, const NodeInfo& node) {
  const Json* taints = api::FindPath(*node.node, "spec.taints");
  if (taints == nullptr || !taints->is_array()) return 0;
  int n = 0;
  for (const Json& t : *taints) {
    if (api::GetString(t, "effect") == "PreferNoSchedule" && !Tolerated(pod, t)) ++n;
  }
  return n;
}

int SameOwnerPods(const std::string& owner, const NodeInfo& node) {
  if (owner.empty()) return 0;
  int n = 0;
  for (const auto& [key, p] : node.pods) n += ControllerUid(*p) == owner;
  return n;
}

bool ImageNameMatches(const std::string& have, const std::string& want) {
  if (have == want) return true;
  // "busybox" is "docker.io/library/busybox:latest" on a node.
  std::string full = want;
  if (full.find('/') == std::string::npos) full = "docker.io/library/" + full;
  if (full.find(':', full.rfind('/')) == std::string::npos && full.find('@') == std::string::npos) {
    full += ":latest";
  }
  return have == full;
}

int64_t ImageLocality(const Json& pod, const NodeInfo& node) {
  const Json* images = api::FindPath(*node.node, "status.images");
  const Json* containers = api::FindPath(pod, "spec.containers");
  if (!images || !images->is_array() || !containers || !containers->is_array()) return 0;
  int64_t bytes = 0;
  for (const Json& c : *containers) {
    std::string want = api::GetString(c, "image");
    for (const Json& image : *images) {
      const Json* names = api::Find(image, "names");
      if (!names || !names->is_array()) continue;
      bool match = std::any_of(names->begin(), names->end(), [&](const Json& n) {
        return n.is_string() && ImageNameMatches(n.get<std::string>(), want);
      });
      if (match) {
        bytes += api::GetInt(image, "sizeBytes");
        break;
      }
    }
  }
  return std::clamp<int64_t>((bytes - kMinImageBytes) * 100 / (kMaxImageBytes - kMinImageBytes), 0,
                             100);
}

}  // namespace

bool MatchesNodeSelectorTerm(const Json& term, const Json& node) {
  const Json* expressions = api::Find(term, "matchExpressions");
  const Json* fields = api::Find(term, "matchFields");
  bool any = false;
  if (expressions && expressions->is_array()) {
    for (const Json& e : *expressions) {
      any = true;
      if (!MatchRequirement(e, Labels(node))) return false;
    }
  }
  if (fields && fields->is_array()) {
    Json node_fields = {
        {"metadata.name", api::GetString(node.value("metadata", Json::object()), "name")}};
    for (const Json& f : *fields) {
      any = true;
      if (!MatchRequirement(f, node_fields)) return false;
    }
  }
  return any;  // an empty term matches nothing, as upstream
}

bool MatchesNodeSelector(const Json& pod, const Json& node) {
  if (const Json* selector = api::FindPath(pod, "spec.nodeSelector");
      selector && selector->is_object()) {
    const Json& labels = Labels(node);
    for (const auto& [k, v] : selector->items()) {
      const Json* have = api::Find(labels, k);
      if (have == nullptr || *have != v) return false;
    }
  }
  return TermsMatch(api::FindPath(pod,
                                  "spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuring"
                                  "Execution.nodeSelectorTerms"),
                    node);
}

bool ToleratesTaint(const Json& pod, const Json& taint) {
  const Json* tolerations = api::FindPath(pod, "spec.tolerations");
  if (tolerations == nullptr || !tolerations->is_array()) return false;
  std::string key = api::GetString(taint, "key");
  std::string value = api::GetString(taint, "value");
  std::string effect = api::GetString(taint, "effect");
  for (const Json& t : *tolerations) {
    std::string t_effect = api::GetString(t, "effect");
    if (!t_effect.empty() && t_effect != effect) continue;
    std::string t_key = api::GetString(t, "key");
    std::string op = api::GetString(t, "operator", "Equal");
    if (t_key.empty()) {
      if (op == "Exists") return true;
      continue;
    }
    if (t_key != key) continue;
    if (op == "Exists" || api::GetString(t, "value") == value) return true;
  }
  return false;
}

std::vector<std::string> FilterNode(const Json& pod, const NodeInfo& node) {
  std::vector<std::string> reasons;
  const Json& n = *node.node;
  if (api::GetBool(n.value("spec", Json::object()), "unschedulable")) {
    Json taint = {{"key", "node.kubernetes.io/unschedulable"}, {"effect", "NoSchedule"}};
    if (!ToleratesTaint(pod, taint)) reasons.push_back("node(s) were unschedulable");
  }
  if (!MatchesNodeSelector(pod, n)) {
    reasons.push_back("node(s) didn't match Pod's node affinity/selector");
  }
  if (const Json* taints = api::FindPath(n, "spec.taints"); taints && taints->is_array()) {
    for (const Json& t : *taints) {
      std::string effect = api::GetString(t, "effect");
      if ((effect == "NoSchedule" || effect == "NoExecute") && !ToleratesTaint(pod, t)) {
        reasons.push_back(fmt::format("node(s) had untolerated taint {{{}: {}}}",
                                      api::GetString(t, "key"), api::GetString(t, "value")));
        break;
      }
    }
  }
  Resources want = PodRequests(pod);
  const Resources& have = node.allocatable;
  const Resources& used = node.requested;
  if (used.pods + want.pods > have.pods) reasons.push_back("Too many pods");
  if (want.milli_cpu > 0 && used.milli_cpu + want.milli_cpu > have.milli_cpu) {
    reasons.push_back("Insufficient cpu");
  }
  if (want.memory > 0 && used.memory + want.memory > have.memory) {
    reasons.push_back("Insufficient memory");
  }
  if (want.ephemeral_storage > 0 &&
      used.ephemeral_storage + want.ephemeral_storage > have.ephemeral_storage) {
    reasons.push_back("Insufficient ephemeral-storage");
  }
  for (const std::string& p : PodHostPorts(pod)) {
    bool conflict =
        std::any_of(node.host_ports.begin(), node.host_ports.end(),
                    [&](const std::string& used_port) { return PortsConflict(p, used_port); });
    if (conflict) {
      reasons.push_back("node(s) didn't have free ports for the requested pod ports");
      break;
    }
  }
  return reasons;
}

int64_t ScoreNode(const Json& pod, const NodeInfo& node,
                  const std::vector<const NodeInfo*>& nodes) {
  Resources want = PodRequests(pod);
  int64_t score = LeastAllocated(want, node) + BalancedAllocation(want, node) +
                  PreferredAffinity(pod, node) + ImageLocality(pod, node);
  // Relative scores: spreading a controller's pods, and PreferNoSchedule taints.
  std::string owner = ControllerUid(pod);
  int max_same = 0;
  int max_taints = 0;
  for (const NodeInfo* other : nodes) {
    max_same = std::max(max_same, SameOwnerPods(owner, *other));
    max_taints = std::max(max_taints, IntolerablePreferNoSchedule(pod, *other));
  }
  score += max_same == 0 ? 100 : (max_same - SameOwnerPods(owner, node)) * 100 / max_same;
  score += max_taints == 0
               ? 100
               : (max_taints - IntolerablePreferNoSchedule(pod, node)) * 100 / max_taints;
  return score;
}

}  // namespace sampan::scheduler
