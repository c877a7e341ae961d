// rollout restart|pause|resume|status|history|undo.
#include <fmt/format.h>

#include <chrono>

#include "pkg/api/log_options.h"
#include "pkg/api/schema.h"
#include "pkg/api/strategic_patch.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/describers.h"
#include "pkg/kubectl/printers.h"
#include "pkg/kubectl/rollout_history.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

// A workload and its revisions, as `rollout history` and `undo` read them.
struct Revisions {
  Json object;
  std::vector<Json> items;  // ReplicaSets (Deployment) or ControllerRevisions
};

Result<std::vector<Json>> ListOwned(Session& s, const std::string& path, const Json& object) {
  const Json& spec = api::ObjectField(object, "spec");
  Query q;
  // The selector as a label query (matchLabels; matchExpressions are checked by ownership).
  std::string selector;
  for (auto [k, v] : api::ObjectField(api::ObjectField(spec, "selector"), "matchLabels").items()) {
    selector +=
        (selector.empty() ? "" : ",") + k + "=" + (v.is_string() ? v.get<std::string>() : "");
  }
  q.Add("labelSelector", selector);
  ASSIGN_OR_RETURN(Json list, s.ApiCall("GET", path + q.str()));
  std::vector<Json> items;
  for (const Json& item : list.value("items", Json::array())) items.push_back(item);
  return ControlledBy(items, api::UidOf(object));
}

// "Kind.group" as kubectl names a GroupKind ("ConfigMap" for the core group).
std::string GroupKind(const api::ResourceInfo& r) {
  return r.kind + (r.group.empty() ? "" : "." + r.group);
}

bool HasRevisions(const api::ResourceInfo& r) {
  return r.group == "apps" &&
         (r.kind == "Deployment" || r.kind == "DaemonSet" || r.kind == "StatefulSet");
}

// The object, then its revisions; `what` names the helper in the error for other kinds
// ("history viewer", "rollbacker").
Result<Revisions> Load(Session& s, const Target& t, const char* what) {
  const std::string& kind = t.resource.kind;
  Revisions r;
  Result<Json> obj = s.ApiCall("GET", ObjectPath(t.resource, s.ns(), t.names[0]));
  if (!obj.ok()) return obj.status();
  if (!HasRevisions(t.resource)) {
    // kubectl's kind visitor knows a few more workload kinds, which have no helper.
    static const std::vector<std::pair<std::string, std::string>> kVisited = {
        {"extensions", "DaemonSet"},  {"extensions", "Deployment"},
        {"extensions", "ReplicaSet"}, {"batch", "Job"},
        {"batch", "CronJob"},         {"", "Pod"},
        {"apps", "ReplicaSet"},       {"", "ReplicationController"}};
    bool visited = false;
    for (const auto& [group, k] : kVisited)
      visited = visited || (group == t.resource.group && k == kind);
    if (!visited) {
      return Status::Invalid(
          fmt::format("error retrieving {} for \"{}\", no visitor method exists for {{{} {}}}",
                      std::string(what) == "rollbacker" ? "rollbacker" : "history",
                      GroupKind(t.resource), t.resource.group, kind));
    }
    return Status::Invalid(
        fmt::format("no {} has been implemented for \"{}\"", what, GroupKind(t.resource)));
  }
  r.object = std::move(*obj);
  std::string ns = "/apis/apps/v1/namespaces/" + api::UrlEncode(s.ns());
  ASSIGN_OR_RETURN(
      r.items, ListOwned(s, ns + (kind == "Deployment" ? "/replicasets" : "/controllerrevisions"),
                         r.object));
  return r;
}

// A DaemonSet or StatefulSet as it was at `revision` (its data patched onto the current one).
Result<Json> Applied(const Json& workload, const Json& revision) {
  const api::SchemaType* type = api::Schema::BuiltIn().ForKind(
      api::GetString(workload, "apiVersion", "apps/v1"), api::GetString(workload, "kind"));
  if (type == nullptr) return Status::Internal("no schema for the workload");
  return api::StrategicMergePatch(workload, api::ObjectField(revision, "data"), *type);
}

int History(Session& s, const Options& o, const Target& t, Io io) {
  int64_t revision = 0;
  if (o.Has("revision")) {
    try {
      revision = std::stoll(o.Get("revision"));
    } catch (...) {
      io.err << "error: invalid argument \"" << o.Get("revision")
             << "\" for \"--revision\" flag: strconv.ParseInt: parsing \"" << o.Get("revision")
             << "\": invalid syntax\n";
      return 1;
    }
    if (revision < 0) {
      io.err << "error: revision must be a positive integer: " << revision << "\n";
      return 1;
    }
  }
  Result<Revisions> r = Load(s, t, "history viewer");
  if (!r.ok()) {
    io.err << (r.status().code() == Code::kInvalid ? "error: " : "") << r.status().message()
           << "\n";
    return 1;
  }
  bool deployment = t.resource.kind == "Deployment";
  // revision -> the object of that revision (a ReplicaSet, or the workload as it was).
  std::map<int64_t, Json> objects;
  for (const Json& item : r->items) {
    if (deployment) {
      Result<int64_t> v = ReplicaSetRevision(item);
      if (v.ok()) objects[*v] = item;
    } else {
      objects[api::GetInt(item, "revision")] = item;
    }
  }
  auto template_of = [&](const Json& item) -> Result<Json> {
    if (deployment) return api::ObjectField(api::ObjectField(item, "spec"), "template");
    ASSIGN_OR_RETURN(Json applied, Applied(r->object, item));
    return api::ObjectField(api::ObjectField(applied, "spec"), "template");
  };
  std::string format = o.Get("output");
  if (!format.empty()) {
    std::vector<Json> shown;
    if (revision > 0) {
      if (!objects.count(revision)) {
        io.err << "error: unable to find the specified revision\n";
        return 1;
      }
      objects = {{revision, objects[revision]}};
    }
    for (auto& [rev, item] : objects) {
      if (deployment) {
        item["apiVersion"] = "apps/v1";
        item["kind"] = "ReplicaSet";
        shown.push_back(item);
      } else if (Result<Json> applied = Applied(r->object, item); applied.ok()) {
        shown.push_back(*applied);
      }
    }
    api::ResourceInfo shown_as = t.resource;
    if (deployment) {
      Result<const Discovery*> d = s.discovery();
      if (d.ok()) {
        if (Result<api::ResourceInfo> rs = (*d)->Resolve("replicasets.apps"); rs.ok())
          shown_as = *rs;
      }
    }
    for (const Json& obj : shown) {
      Status st = PrintObjects(format, {obj}, {shown_as}, true, io.out);
      if (!st.ok()) {
        io.err << "error: " << st.message() << "\n";
        return 1;
      }
    }
    return 0;
  }
  std::string text;
  if (revision > 0) {
    auto it = objects.find(revision);
    if (it == objects.end()) {
      io.err << "error: unable to find the specified revision\n";
      return 1;
    }
    Result<Json> tmpl = template_of(it->second);
    if (!tmpl.ok()) {
      io.err << "error: unable to parse history "
             << api::GetString(api::ObjectField(it->second, "metadata"), "name") << "\n";
      return 1;
    }
    Json shown = *tmpl;
    if (deployment) {
      // The ReplicaSet's change cause shows among the template's annotations.
      std::string cause =
          api::GetString(api::ObjectField(api::ObjectField(it->second, "metadata"), "annotations"),
                         kChangeCauseAnnotation);
      if (!cause.empty()) shown["metadata"]["annotations"][kChangeCauseAnnotation] = cause;
    }
    text = DescribePodTemplateText(shown);
  } else {
    text = HistoryTable(deployment ? DeploymentHistory(r->items) : ControllerHistory(r->items));
  }
  io.out << NameOf(t.resource, t.names[0]) << " "
         << (revision > 0 ? fmt::format("with revision #{}", revision) : "") << "\n"
         << text << "\n";
  return 0;
}

int Undo(Session& s, const Options& o, const Target& t, Io io) {
  int64_t to = 0;
  if (o.Has("to-revision")) {
    try {
      to = std::stoll(o.Get("to-revision"));
    } catch (...) {
      io.err << "error: invalid argument \"" << o.Get("to-revision")
             << "\" for \"--to-revision\" flag\n";
      return 1;
    }
  }
  std::string dry_run = o.Get("dry-run", "none");
  if (dry_run == "true") dry_run = "client";
  if (dry_run != "none" && dry_run != "client" && dry_run != "server") {
    io.err << "error: Invalid dry-run value (" << dry_run
           << "). Must be \"none\", \"server\", or \"client\".\n";
    return 1;
  }
  if (to < 0) {
    io.err << "error: unable to find specified revision " << to << " in history\n";
    return 1;
  }
  Result<Revisions> r = Load(s, t, "rollbacker");
  if (!r.ok()) {
    io.err << (r.status().code() == Code::kInvalid ? "error: " : "") << r.status().message()
           << "\n";
    return 1;
  }
  std::string path = ObjectPath(t.resource, s.ns(), t.names[0]);
  if (dry_run == "server") path += "?dryRun=All";
  std::string name = NameOf(t.resource, t.names[0]);
  // As kubectl's name printer marks dry runs.
  std::string suffix = dry_run == "client"   ? " (dry run)"
                       : dry_run == "server" ? " (server dry run)"
                                             : "";
  auto fail = [&](const Status& st) {
    io.err << "error: " << st.message() << "\n";
    return 1;
  };
  auto patched = [&](const std::string& type, const Json& patch) {
    Result<Json> after = s.ApiCall("PATCH", path, type, api::Dump(patch));
    if (!after.ok()) {
      // kubectl wraps the server's error text.
      io.err << "error: failed restoring revision " << to << ": "
             << after.status().message().substr(after.status().message().find("): ") ==
                                                        std::string::npos
                                                    ? 0
                                                    : after.status().message().find("): ") + 3)
             << "\n";
      return 1;
    }
    io.out << name << " rolled back" << suffix << "\n";
    return 0;
  };
  if (t.resource.kind == "Deployment") {
    Result<Json> rs = DeploymentRollbackTarget(t.names[0], r->items, to);
    if (!rs.ok()) return fail(rs.status());
    const Json& rs_template = api::ObjectField(api::ObjectField(*rs, "spec"), "template");
    if (dry_run == "client") {
      io.out << name << " " << DescribePodTemplateText(rs_template) << suffix << "\n";
      return 0;
    }
    if (api::GetBool(api::ObjectField(r->object, "spec"), "paused")) {
      return fail(Status::Invalid(
          "you cannot rollback a paused deployment; resume it first with 'kubectl rollout "
          "resume' and try again"));
    }
    if (TemplatesEqualIgnoringHash(
            rs_template, api::ObjectField(api::ObjectField(r->object, "spec"), "template"))) {
      io.out << name << " skipped rollback (current template already matches revision " << to << ")"
             << suffix << "\n";
      return 0;
    }
    return patched("application/json-patch+json", DeploymentRollbackPatch(r->object, *rs));
  }
  Result<Json> history = ControllerRollbackTarget(r->items, to);
  if (!history.ok()) return fail(history.status());
  if (dry_run == "client") {
    Result<Json> applied = Applied(r->object, *history);
    if (!applied.ok()) return fail(applied.status());
    io.out << name << " will roll back to "
           << DescribePodTemplateText(
                  api::ObjectField(api::ObjectField(*applied, "spec"), "template"))
           << suffix << "\n";
    return 0;
  }
  if (SameData(TemplatePatchOf(r->object), api::ObjectField(*history, "data"))) {
    io.out << name << " skipped rollback (current template already matches revision " << to << ")"
           << suffix << "\n";
    return 0;
  }
  return patched("application/strategic-merge-patch+json", api::ObjectField(*history, "data"));
}

}  // namespace

int RunRollout(Session& s, const Options& o, Io io) {
  if (o.positional().size() < 2) {
    io.err << "error: expected 'rollout restart|pause|resume|status|history|undo TYPE NAME'\n";
    return 1;
  }
  std::string action = o.positional()[0];
  Result<Target> t =
      OneObject(s, std::vector<std::string>(o.positional().begin() + 1, o.positional().end()));
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  if (action == "history") return History(s, o, *t, io);
  if (action == "undo") return Undo(s, o, *t, io);
  std::string path = ObjectPath(t->resource, s.ns(), t->names[0]);
  Json patch;
  const char* done = "";
  if (action == "restart") {
    patch = {{"spec",
              {{"template",
                {{"metadata",
                  {{"annotations",
                    {{"kubectl.kubernetes.io/restartedAt",
                      FormatRfc3339(std::chrono::system_clock::now())}}}}}}}}}};
    done = "restarted";
  } else if (action == "pause" || action == "resume") {
    if (t->resource.kind != "Deployment") {
      io.err << "error: " << NameOf(t->resource, t->names[0]) << " " << action
             << " is not supported\n";
      return 1;
    }
    patch = {{"spec", {{"paused", action == "pause"}}}};
    done = action == "pause" ? "paused" : "resumed";
  } else if (action == "status") {
    Result<Json> obj = s.ApiCall("GET", path);
    if (!obj.ok()) {
      io.err << obj.status().message() << "\n";
      return 1;
    }
    int64_t want = api::GetInt(api::ObjectField(*obj, "spec"), "replicas", 1);
    const Json& st = api::ObjectField(*obj, "status");
    int64_t updated = api::GetInt(st, "updatedReplicas"),
            available = api::GetInt(st, "availableReplicas");
    if (updated >= want && available >= want) {
      io.out << t->resource.singular << " \"" << t->names[0] << "\" successfully rolled out\n";
      return 0;
    }
    io.out << fmt::format(
        "Waiting for {} \"{}\" rollout to finish: {} of {} updated replicas are available...\n",
        t->resource.singular, t->names[0], available, want);
    return 1;
  } else {
    io.err << "error: unknown rollout action \"" << action << "\"\n";
    return 1;
  }
  Result<Json> after =
      s.ApiCall("PATCH", path, "application/strategic-merge-patch+json", api::Dump(patch));
  if (!after.ok()) {
    io.err << after.status().message() << "\n";
    return 1;
  }
  io.out << NameOf(t->resource, t->names[0]) << " " << done << "\n";
  return 0;
}

}  // namespace sampan::kubectl
