// describe: kubectl 1.33's own describers for Pod, Node and Deployment (describers.h), and its
// generic describer (the one it uses for custom resources) for every other kind: Name, Namespace,
// Labels, Annotations, then the object's fields with their names in Title Case, nested by
// indentation, and the object's Events at the end.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "pkg/api/label_selector.h"
#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/describe_util.h"
#include "pkg/kubectl/describers.h"
#include "pkg/kubectl/printers.h"
#include "pkg/kubectl/rollout_history.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// "creationTimestamp" -> "Creation Timestamp", "podIP" -> "Pod IP".
std::string Title(const std::string& key) {
  if (key == "apiVersion") return "API Version";
  if (key == "uid") return "UID";
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool upper = std::isupper(static_cast<unsigned char>(c));
    bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(key[i - 1]));
    bool next_lower = i + 1 < key.size() && std::islower(static_cast<unsigned char>(key[i + 1]));
    bool prev_upper = i > 0 && std::isupper(static_cast<unsigned char>(key[i - 1]));
    if (i > 0 && upper && (prev_lower || (prev_upper && next_lower))) out += ' ';
    out += i == 0 ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
  }
  return out;
}

std::string Scalar(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return api::Dump(v);
}

std::string MapLine(const Json& map, const std::string& pad) {
  if (!map.is_object() || map.empty()) return "<none>";
  std::vector<std::string> parts;
  for (auto it = map.begin(); it != map.end(); ++it)
    parts.push_back(it.key() + "=" + Scalar(it.value()));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "\n" + pad : "") + parts[i];
  return out;
}

void Fields(const Json& v, int indent, std::ostream& out) {
  std::string pad(static_cast<size_t>(indent), ' ');
  for (auto it = v.begin(); it != v.end(); ++it) {
    const Json& f = it.value();
    std::string name = Title(it.key());
    if (f.is_object()) {
      out << pad << name << ":\n";
      Fields(f, indent + 2, out);
    } else if (f.is_array()) {
      out << pad << name << ":\n";
      for (const Json& item : f) {
        if (item.is_object()) {
          // Items of a list of objects: the first field on a dash line, as kubectl does.
          std::ostringstream inner;
          Fields(item, indent + 4, inner);
          std::string text = inner.str();
          if (text.size() > static_cast<size_t>(indent) + 4) {
            out << pad << "  " << text.substr(static_cast<size_t>(indent) + 2);
          }
        } else {
          out << pad << "  " << Scalar(item) << "\n";
        }
      }
    } else {
      out << pad << name << ":  " << Scalar(f) << "\n";
    }
  }
}

// The events about an object: those whose involvedObject has its uid (and, for nodes, whose
// uid is the node's name, as the kubelet reports them).
std::vector<Json> EventsOf(Session& s, const Json& obj, bool by_name_too = false) {
  const Json& meta = api::ObjectField(obj, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::vector<Json> events;
  std::vector<std::string> uids = {api::GetString(meta, "uid")};
  if (by_name_too) uids.push_back(api::GetString(meta, "name"));
  for (const std::string& uid : uids) {
    std::string path = (ns.empty() ? "/api/v1/events" : "/api/v1/namespaces/" + ns + "/events") +
                       "?fieldSelector=" + api::UrlEncode("involvedObject.uid=" + uid);
    Result<Json> list = s.ApiCall("GET", path);
    if (!list.ok()) continue;
    for (const Json& e : list->value("items", Json::array())) events.push_back(e);
  }
  return events;
}

void Events(Session& s, const Json& obj, std::ostream& out) {
  TabWriter tw;
  PrefixWriter w(tw);
  PrintEvents(w, EventsOf(s, obj), std::chrono::system_clock::now());
  out << tw.Flush();
}

std::string DescribeNodeOf(Session& s, const Json& node) {
  std::string name = api::GetString(api::ObjectField(node, "metadata"), "name");
  std::vector<Json> pods;
  Result<Json> list =
      s.ApiCall("GET", "/api/v1/pods?fieldSelector=" +
                           api::UrlEncode("spec.nodeName=" + name +
                                          ",status.phase!=Succeeded,status.phase!=Failed"));
  if (list.ok()) {
    for (const Json& p : list->value("items", Json::array())) pods.push_back(p);
  }
  Result<Json> lease =
      s.ApiCall("GET", "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/" +
                           api::UrlEncode(name));
  std::string lease_error;
  if (!lease.ok()) {
    lease_error = lease.status().message();
    if (size_t at = lease_error.find("): ");
        lease_error.rfind("Error from server", 0) == 0 && at != std::string::npos) {
      lease_error = lease_error.substr(at + 3);
    }
  }
  return DescribeNode(node, pods, lease.ok() ? &*lease : nullptr, lease_error,
                      EventsOf(s, node, true), std::chrono::system_clock::now());
}

std::string DescribeDeploymentOf(Session& s, const Json& d) {
  const Json& meta = api::ObjectField(d, "metadata");
  std::vector<Json> owned;
  Result<api::LabelSelector> selector =
      api::LabelSelector::FromJson(api::ObjectField(api::ObjectField(d, "spec"), "selector"));
  if (selector.ok()) {
    Result<Json> list = s.ApiCall(
        "GET", "/apis/apps/v1/namespaces/" + api::UrlEncode(api::GetString(meta, "namespace")) +
                   "/replicasets?labelSelector=" + api::UrlEncode(selector->ToString()));
    if (list.ok()) {
      std::vector<Json> items;
      for (const Json& rs : list->value("items", Json::array())) items.push_back(rs);
      owned = ControlledBy(items, api::GetString(meta, "uid"));
    }
  }
  return DescribeDeployment(d, owned, EventsOf(s, d), std::chrono::system_clock::now());
}

void Describe(Session& s, const api::ResourceInfo& r, const Json& obj, std::ostream& out) {
  if (r.group.empty() && r.kind == "Pod") {
    out << DescribePod(obj, EventsOf(s, obj), std::chrono::system_clock::now());
    return;
  }
  if (r.group.empty() && r.kind == "Node") {
    out << DescribeNodeOf(s, obj);
    return;
  }
  if (r.group == "apps" && r.kind == "Deployment") {
    out << DescribeDeploymentOf(s, obj);
    return;
  }
  const Json& meta = api::ObjectField(obj, "metadata");
  out << "Name:         " << api::GetString(meta, "name") << "\n";
  if (meta.contains("namespace"))
    out << "Namespace:    " << api::GetString(meta, "namespace") << "\n";
  out << "Labels:       " << MapLine(api::ObjectField(meta, "labels"), std::string(14, ' '))
      << "\n";
  out << "Annotations:  " << MapLine(api::ObjectField(meta, "annotations"), std::string(14, ' '))
      << "\n";
  Json shown_meta = meta;
  for (const char* k : {"name", "namespace", "labels", "annotations", "managedFields"}) {
    shown_meta.erase(k);
  }
  // API Version and Kind first, then Metadata, then the rest, as kubectl's generic view.
  Json head = Json::object();
  for (const char* k : {"apiVersion", "kind"}) {
    if (const Json* v = api::Find(obj, k)) head[k] = *v;
  }
  Fields(head, 0, out);
  if (!shown_meta.empty()) {
    out << "Metadata:\n";
    Fields(shown_meta, 2, out);
  }
  Json rest = obj;
  for (const char* k : {"apiVersion", "kind", "metadata"}) rest.erase(k);
  Fields(rest, 0, out);
  Events(s, obj, out);
}

}  // namespace

int RunDescribe(Session& s, const Options& o, Io io) {
  Result<std::vector<Target>> targets = ParseTargets(s, o.positional());
  if (!targets.ok()) {
    io.err << "error: " << targets.status().message() << "\n";
    return 1;
  }
  int rc = 0;
  bool first = true;
  for (const Target& t : *targets) {
    std::vector<Json> objects;
    if (t.names.empty()) {
      std::string path = ObjectPath(t.resource, s.ns(), "");
      if (o.Has("selector")) path += "?labelSelector=" + api::UrlEncode(o.Get("selector"));
      Result<Json> list = s.ApiCall("GET", path);
      if (!list.ok()) {
        io.err << list.status().message() << "\n";
        rc = 1;
        continue;
      }
      for (Json item : list->value("items", Json::array())) {
        item["apiVersion"] = t.resource.GroupVersion();
        item["kind"] = t.resource.kind;
        objects.push_back(std::move(item));
      }
    } else {
      for (const std::string& name : t.names) {
        Result<Json> obj = s.ApiCall("GET", ObjectPath(t.resource, s.ns(), name));
        if (!obj.ok()) {
          io.err << obj.status().message() << "\n";
          rc = 1;
          continue;
        }
        objects.push_back(std::move(*obj));
      }
    }
    for (const Json& obj : objects) {
      if (!first) io.out << "\n\n";
      first = false;
      Describe(s, t.resource, obj, io.out);
    }
  }
  return rc;
}

}  // namespace sampan::kubectl
