// edit, autoscale, top node|pod.
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "pkg/api/log_options.h"
#include "pkg/api/quantity.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/printers.h"
#include "pkg/kubectl/yaml_printer.h"
#include "pkg/util/fs.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

std::string Editor() {
  for (const char* var : {"KUBE_EDITOR", "EDITOR"}) {
    const char* e = std::getenv(var);
    if (e != nullptr && *e != '\0') return e;
  }
  return "vi";
}

int64_t Milli(const Json& v) {
  Result<api::Quantity> q = api::Quantity::FromJson(v);
  return q.ok() ? q->MilliValue() : 0;
}

int64_t Bytes(const Json& v) {
  Result<api::Quantity> q = api::Quantity::FromJson(v);
  return q.ok() ? q->Value() : 0;
}

}  // namespace

int RunEdit(Session& s, const Options& o, Io io) {
  Result<Target> t = OneObject(s, o.positional());
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  std::string path = ObjectPath(t->resource, s.ns(), t->names[0]);
  Result<Json> obj = s.ApiCall("GET", path);
  if (!obj.ok()) {
    io.err << obj.status().message() << "\n";
    return 1;
  }
  char tmpl[] = "/tmp/sampan-kubectl-edit-XXXXXX.yaml";
  int fd = ::mkstemps(tmpl, 5);
  if (fd < 0) {
    io.err << "error: cannot create a temporary file\n";
    return 1;
  }
  ::close(fd);
  std::string file = tmpl;
  std::string original =
      "# Please edit the object below. Lines beginning with a '#' will be ignored,\n"
      "# and an empty file will abort the edit.\n#\n" +
      ToYaml(*obj);
  int rc = 1;
  if (WriteFileAtomic(file, original, 0600).ok()) {
    std::string command = Editor() + " '" + file + "'";
    int status = std::system(command.c_str());
    Result<std::string> edited = ReadFileToString(file);
    if (status != 0 || !edited.ok()) {
      io.err << "error: the editor (" << Editor() << ") failed\n";
    } else if (*edited == original) {
      io.out << "Edit cancelled, no changes made.\n";
      rc = 0;
    } else if (Result<Json> changed = api::ParseYaml(*edited);
               !changed.ok() || !changed->is_object()) {
      io.err << "error: the edited file is not a valid object\n";
    } else {
      Result<Json> updated = s.ApiCall("PUT", path, "application/json", api::Dump(*changed));
      if (!updated.ok()) {
        io.err << updated.status().message() << "\n";
      } else {
        io.out << NameOf(t->resource, t->names[0]) << " edited\n";
        rc = 0;
      }
    }
  }
  ::unlink(file.c_str());
  return rc;
}

int RunAutoscale(Session& s, const Options& o, Io io) {
  Result<Target> t = OneObject(s, o.positional());
  if (!t.ok()) {
    io.err << "error: " << t.status().message() << "\n";
    return 1;
  }
  if (!o.Has("max")) {
    io.err << "error: --max=MAXPODS is required and must be at least 1\n";
    return 1;
  }
  std::string name = o.Get("name", t->names[0]);
  Json hpa = {{"apiVersion", "autoscaling/v2"},
              {"kind", "HorizontalPodAutoscaler"},
              {"metadata", {{"name", name}, {"namespace", s.ns()}}},
              {"spec",
               {{"scaleTargetRef",
                 {{"apiVersion", t->resource.GroupVersion()},
                  {"kind", t->resource.kind},
                  {"name", t->names[0]}}},
                {"maxReplicas", std::stoi(o.Get("max"))}}}};
  if (o.Has("min")) hpa["spec"]["minReplicas"] = std::stoi(o.Get("min"));
  if (o.Has("cpu-percent")) {
    hpa["spec"]["metrics"] =
        Json::array({{{"type", "Resource"},
                      {"resource",
                       {{"name", "cpu"},
                        {"target",
                         {{"type", "Utilization"},
                          {"averageUtilization", std::stoi(o.Get("cpu-percent"))}}}}}}});
  }
  Result<Json> created = s.ApiCall(
      "POST",
      "/apis/autoscaling/v2/namespaces/" + api::UrlEncode(s.ns()) + "/horizontalpodautoscalers",
      "application/json", api::Dump(hpa));
  if (!created.ok()) {
    io.err << created.status().message() << "\n";
    return 1;
  }
  io.out << "horizontalpodautoscaler.autoscaling/" << name << " autoscaled\n";
  return 0;
}

int RunTop(Session& s, const Options& o, Io io) {
  std::string what = o.positional().empty() ? "" : o.positional()[0];
  if (what == "node" || what == "nodes" || what == "no") {
    Result<Json> metrics = s.ApiCall("GET", "/apis/metrics.k8s.io/v1beta1/nodes");
    Result<Json> nodes = s.ApiCall("GET", "/api/v1/nodes");
    if (!metrics.ok() || !nodes.ok()) {
      io.err << "error: Metrics API not available\n";
      return 1;
    }
    std::vector<std::vector<std::string>> rows = {
        {"NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"}};
    for (const Json& m : metrics->value("items", Json::array())) {
      std::string name = api::GetString(api::ObjectField(m, "metadata"), "name");
      int64_t cpu = Milli(api::ObjectField(m, "usage").value("cpu", Json("0")));
      int64_t mem = Bytes(api::ObjectField(m, "usage").value("memory", Json("0")));
      int64_t cpu_cap = 0, mem_cap = 0;
      for (const Json& n : nodes->value("items", Json::array())) {
        if (api::GetString(api::ObjectField(n, "metadata"), "name") != name) continue;
        const Json& alloc = api::ObjectField(api::ObjectField(n, "status"), "allocatable");
        cpu_cap = Milli(alloc.value("cpu", Json("0")));
        mem_cap = Bytes(alloc.value("memory", Json("0")));
      }
      rows.push_back({name, fmt::format("{}m", cpu),
                      cpu_cap ? fmt::format("{}%", cpu * 100 / cpu_cap) : "<unknown>",
                      fmt::format("{}Mi", mem / (1024 * 1024)),
                      mem_cap ? fmt::format("{}%", mem * 100 / mem_cap) : "<unknown>"});
    }
    PrintColumns(rows, io.out);
    return 0;
  }
  if (what == "pod" || what == "pods" || what == "po") {
    bool all = o.Bool("all-namespaces");
    std::string path =
        all ? "/apis/metrics.k8s.io/v1beta1/pods"
            : "/apis/metrics.k8s.io/v1beta1/namespaces/" + api::UrlEncode(s.ns()) + "/pods";
    if (o.positional().size() > 1) path += "/" + api::UrlEncode(o.positional()[1]);
    if (o.Has("selector")) path += "?labelSelector=" + api::UrlEncode(o.Get("selector"));
    Result<Json> metrics = s.ApiCall("GET", path);
    if (!metrics.ok()) {
      io.err << metrics.status().message() << "\n";
      return 1;
    }
    std::vector<Json> items;
    if (metrics->contains("items")) {
      for (const Json& m : (*metrics)["items"]) items.push_back(m);
    } else {
      items.push_back(*metrics);
    }
    std::vector<std::vector<std::string>> rows;
    rows.push_back(
        all ? std::vector<std::string>{"NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"}
            : std::vector<std::string>{"NAME", "CPU(cores)", "MEMORY(bytes)"});
    for (const Json& m : items) {
      int64_t cpu = 0, mem = 0;
      for (const Json& c : m.value("containers", Json::array())) {
        cpu += Milli(api::ObjectField(c, "usage").value("cpu", Json("0")));
        mem += Bytes(api::ObjectField(c, "usage").value("memory", Json("0")));
      }
      const Json& meta = api::ObjectField(m, "metadata");
      std::vector<std::string> row;
      if (all) row.push_back(api::GetString(meta, "namespace"));
      row.push_back(api::GetString(meta, "name"));
      row.push_back(fmt::format("{}m", cpu));
      row.push_back(fmt::format("{}Mi", mem / (1024 * 1024)));
      rows.push_back(std::move(row));
    }
    if (rows.size() == 1) {
      io.err << "No resources found in " << s.ns() << " namespace.\n";
      return 0;
    }
    PrintColumns(rows, io.out);
    return 0;
  }
  io.err << "error: expected 'top node' or 'top pod'\n";
  return 1;
}

}  // namespace sampan::kubectl
