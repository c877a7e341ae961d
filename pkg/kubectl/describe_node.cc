// The Node describer in kubectl 1.33's layout.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "pkg/api/quantity.h"
#include "pkg/api/resource_list.h"
#include "pkg/kubectl/describe_util.h"
#include "pkg/kubectl/describers.h"

namespace sampan::kubectl {
namespace {

using api::GetString;
using api::Json;
using api::ObjectField;

std::string Roles(const Json& labels) {
  std::set<std::string> roles;
  constexpr std::string_view kPrefix = "node-role.kubernetes.io/";
  for (auto it = labels.begin(); it != labels.end(); ++it) {
    const std::string& k = it.key();
    std::string v = it.value().is_string() ? it.value().get<std::string>() : "";
    if (k.rfind(kPrefix, 0) == 0 && k.size() > kPrefix.size()) {
      roles.insert(k.substr(kPrefix.size()));
    } else if (k == "kubernetes.io/role" && !v.empty()) {
      roles.insert(v);
    }
  }
  std::string out;
  for (const std::string& r : roles) out += (out.empty() ? "" : ",") + r;
  return out.empty() ? "<none>" : out;
}

api::Quantity Get(const api::ResourceList& list, const std::string& name) {
  auto it = list.find(name);
  return it == list.end() ? api::Quantity() : it->second;
}

// int64(float64(a)/float64(b)*100) as kubectl computes percentages (0 when b is 0).
int64_t Percent(int64_t a, int64_t b) {
  if (b == 0) return 0;
  return static_cast<int64_t>(static_cast<double>(a) / static_cast<double>(b) * 100);
}

bool IsStandardResource(const std::string& name) {
  static const std::set<std::string> kStandard = {
      "cpu",          "memory",          "ephemeral-storage",
      "requests.cpu", "requests.memory", "requests.ephemeral-storage",
      "limits.cpu",   "limits.memory",   "limits.ephemeral-storage"};
  return kStandard.count(name) > 0 || name.rfind("hugepages-", 0) == 0 ||
         name.rfind("requests.hugepages-", 0) == 0;
}

void Resources(const Json& node, const std::vector<Json>& pods, Clock::time_point now,
               PrefixWriter& w) {
  w.Write(0, fmt::format("Non-terminated Pods:\t({} in total)\n", pods.size()));
  w.Write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n");
  w.Write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n");
  const Json& status = ObjectField(node, "status");
  api::ResourceList allocatable = api::ParseResourceList(api::Find(status, "capacity"));
  if (!ObjectField(status, "allocatable").empty()) {
    allocatable = api::ParseResourceList(api::Find(status, "allocatable"));
  }
  int64_t cpu_alloc = Get(allocatable, "cpu").MilliValue();
  int64_t mem_alloc = Get(allocatable, "memory").Value();
  api::ResourceList total_req, total_lim;
  for (const Json& pod : pods) {
    api::ResourceList req = api::PodRequests(pod), lim = api::PodLimits(pod);
    total_req = api::AddResources(total_req, req);
    total_lim = api::AddResources(total_lim, lim);
    api::Quantity cr = Get(req, "cpu"), cl = Get(lim, "cpu"), mr = Get(req, "memory"),
                  ml = Get(lim, "memory");
    const Json& meta = ObjectField(pod, "metadata");
    w.Write(1, fmt::format("{}\t{}\t\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{} ({}%)\t{}\n",
                           GetString(meta, "namespace"), GetString(meta, "name"), cr.ToString(),
                           Percent(cr.MilliValue(), cpu_alloc), cl.ToString(),
                           Percent(cl.MilliValue(), cpu_alloc), mr.ToString(),
                           Percent(mr.Value(), mem_alloc), ml.ToString(),
                           Percent(ml.Value(), mem_alloc),
                           Since(GetString(meta, "creationTimestamp"), now)));
  }
  w.Write(0,
          "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n");
  w.Write(1, "Resource\tRequests\tLimits\n");
  w.Write(1, "--------\t--------\t------\n");
  auto row = [&](const std::string& name, bool milli) {
    api::Quantity r = Get(total_req, name), l = Get(total_lim, name), a = Get(allocatable, name);
    int64_t base = milli ? a.MilliValue() : a.Value();
    w.Write(1, fmt::format("{}\t{} ({}%)\t{} ({}%)\n", name, r.ToString(),
                           Percent(milli ? r.MilliValue() : r.Value(), base), l.ToString(),
                           Percent(milli ? l.MilliValue() : l.Value(), base)));
  };
  row("cpu", true);
  row("memory", false);
  row("ephemeral-storage", false);
  std::vector<std::string> hugepages, extended;
  for (const auto& [name, q] : allocatable) {
    if (name.rfind("hugepages-", 0) == 0) {
      hugepages.push_back(name);
    } else if (!IsStandardResource(name) && name != "pods") {
      extended.push_back(name);
    }
  }
  for (const std::string& h : hugepages) row(h, false);
  for (const std::string& e : extended) {
    w.Write(1,
            e + "\t" + Get(total_req, e).ToString() + "\t" + Get(total_lim, e).ToString() + "\n");
  }
}

}  // namespace

std::string DescribeNode(const Json& node, const std::vector<Json>& pods, const Json* lease,
                         const std::string& lease_error, const std::vector<Json>& events,
                         Clock::time_point now) {
  TabWriter out;
  PrefixWriter w(out);
  const Json& meta = ObjectField(node, "metadata");
  const Json& spec = ObjectField(node, "spec");
  const Json& status = ObjectField(node, "status");
  w.Write(0, "Name:\t" + GetString(meta, "name") + "\n");
  w.Write(0, "Roles:\t" + Roles(ObjectField(meta, "labels")) + "\n");
  PrintLabels(w, "Labels", ObjectField(meta, "labels"));
  PrintAnnotations(w, "Annotations", ObjectField(meta, "annotations"));
  w.Write(0, "CreationTimestamp:\t" + Rfc1123z(GetString(meta, "creationTimestamp")) + "\n");
  PrintTaints(w, "Taints", ArrayField(spec, "taints"));
  w.Write(0, std::string("Unschedulable:\t") +
                 (api::GetBool(spec, "unschedulable") ? "true" : "false") + "\n");
  if (lease == nullptr) {
    w.Write(0, "Lease:\tFailed to get lease: " + lease_error + "\n");
  } else {
    const Json& ls = ObjectField(*lease, "spec");
    auto or_unset = [&](const std::string& v, bool time) {
      return v.empty() ? std::string("<unset>") : time ? Rfc1123z(v) : v;
    };
    w.Write(0, "Lease:\n");
    w.Write(1, "HolderIdentity:\t" + or_unset(GetString(ls, "holderIdentity"), false) + "\n");
    w.Write(1, "AcquireTime:\t" + or_unset(GetString(ls, "acquireTime"), true) + "\n");
    w.Write(1, "RenewTime:\t" + or_unset(GetString(ls, "renewTime"), true) + "\n");
  }
  if (!ArrayField(status, "conditions").empty()) {
    w.Write(
        0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n");
    w.Write(1, "----\t------\t-----------------\t------------------\t------\t-------\n");
    for (const Json& c : ArrayField(status, "conditions")) {
      w.Write(1, GetString(c, "type") + " \t" + GetString(c, "status") + " \t" +
                     Rfc1123z(GetString(c, "lastHeartbeatTime")) + " \t" +
                     Rfc1123z(GetString(c, "lastTransitionTime")) + " \t" + GetString(c, "reason") +
                     " \t" + GetString(c, "message") + "\n");
    }
  }
  w.Write(0, "Addresses:\n");
  for (const Json& a : ArrayField(status, "addresses")) {
    w.Write(1, GetString(a, "type") + ":\t" + GetString(a, "address") + "\n");
  }
  for (const char* field : {"capacity", "allocatable"}) {
    const Json& list = ObjectField(status, field);
    if (list.empty()) continue;
    w.Write(0, std::string(field == std::string("capacity") ? "Capacity" : "Allocatable") + ":\n");
    PrintResources(w, 1, list);
  }
  const Json& info = ObjectField(status, "nodeInfo");
  w.Write(0, "System Info:\n");
  for (auto [title, key] : {std::pair{"Machine ID", "machineID"},
                            {"System UUID", "systemUUID"},
                            {"Boot ID", "bootID"},
                            {"Kernel Version", "kernelVersion"},
                            {"OS Image", "osImage"},
                            {"Operating System", "operatingSystem"},
                            {"Architecture", "architecture"},
                            {"Container Runtime Version", "containerRuntimeVersion"},
                            {"Kubelet Version", "kubeletVersion"},
                            {"Kube-Proxy Version", "kubeProxyVersion"}}) {
    w.Write(0, std::string("  ") + title + ":\t" + GetString(info, key) + "\n");
  }
  if (!GetString(spec, "podCIDR").empty())
    w.Write(0, "PodCIDR:\t" + GetString(spec, "podCIDR") + "\n");
  if (!ArrayField(spec, "podCIDRs").empty()) {
    std::string cidrs;
    for (const std::string& c : api::GetStrings(spec, "podCIDRs"))
      cidrs += (cidrs.empty() ? "" : ",") + c;
    w.Write(0, "PodCIDRs:\t" + cidrs + "\n");
  }
  if (!GetString(spec, "providerID").empty()) {
    w.Write(0, "ProviderID:\t" + GetString(spec, "providerID") + "\n");
  }
  Resources(node, pods, now, w);
  PrintEvents(w, events, now);
  return out.Flush();
}

}  // namespace sampan::kubectl
