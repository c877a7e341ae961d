// get, api-resources, version.
#include <fmt/format.h>

#include "pkg/api/log_options.h"
#include "pkg/kubectl/commands.h"
#include "pkg/kubectl/printers.h"

namespace sampan::kubectl {
namespace {

constexpr const char* kTableAccept =
    "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";

std::string ListQuery(const Options& o) {
  return Query()
      .Add("labelSelector", o.Get("selector"))
      .Add("fieldSelector", o.Get("field-selector"))
      .str();
}

}  // namespace

int RunGet(Session& s, const Options& o, Io io) {
  Result<std::vector<Target>> targets = ParseTargets(s, o.positional());
  if (!targets.ok()) {
    io.err << "error: " << targets.status().message() << "\n";
    return 1;
  }
  std::string format = o.Get("output");
  bool all_ns = o.Bool("all-namespaces");
  TableOptions table;
  table.wide = format == "wide";
  table.all_namespaces = all_ns;
  table.show_kind = targets->size() > 1 || (targets->size() == 1 && o.positional()[0] == "all");
  table.show_labels = o.Bool("show-labels");
  table.no_headers = o.Bool("no-headers");
  if (!format.empty() && format != "wide" && !IsObjectFormat(format)) {
    io.err << fmt::format(
        "error: unable to match a printer suitable for the output format "
        "\"{}\", allowed formats are: json,jsonpath,name,wide,yaml\n",
        format);
    return 1;
  }
  if (o.Bool("watch") || o.Bool("watch-only")) {
    if (targets->size() != 1) {
      io.err << "error: you may only specify a single resource type\n";
      return 1;
    }
    return RunGetWatch(s, o, (*targets)[0], io);
  }
  bool as_objects = IsObjectFormat(format);
  int rc = 0;
  size_t printed = 0;
  std::vector<api::Json> objects;
  std::vector<api::ResourceInfo> kinds;
  bool single = targets->size() == 1 && (*targets)[0].names.size() == 1;
  for (const Target& t : *targets) {
    std::string ns = all_ns ? "" : s.ns();
    auto collect = [&](const api::Json& body, bool list) {
      if (as_objects) {
        if (!list) {
          objects.push_back(body);
          kinds.push_back(t.resource);
          return;
        }
        for (api::Json item : body.value("items", api::Json::array())) {
          // List items lack kind and apiVersion; kubectl prints them with.
          item["apiVersion"] = t.resource.GroupVersion();
          item["kind"] = t.resource.kind;
          objects.push_back(std::move(item));
          kinds.push_back(t.resource);
        }
        return;
      }
      if (printed > 0 && table.show_kind && !body.value("rows", api::Json::array()).empty()) {
        io.out << "\n";
      }
      printed += PrintTable(t.resource, body, table, io.out);
    };
    if (t.names.empty()) {
      std::string path = ObjectPath(t.resource, ns, "") + ListQuery(o);
      Result<api::Json> body =
          s.ApiCall("GET", path, "", "", as_objects ? "application/json" : kTableAccept);
      if (!body.ok()) {
        io.err << body.status().message() << "\n";
        rc = 1;
        continue;
      }
      collect(*body, true);
      continue;
    }
    for (const std::string& name : t.names) {
      Result<api::Json> body = s.ApiCall("GET", ObjectPath(t.resource, ns, name), "", "",
                                         as_objects ? "application/json" : kTableAccept);
      if (!body.ok()) {
        io.err << body.status().message() << "\n";
        rc = 1;
        continue;
      }
      collect(*body, false);
    }
  }
  if (as_objects) {
    Status st = PrintObjects(format, objects, kinds, single, io.out);
    if (!st.ok()) {
      io.err << "error: " << st.message() << "\n";
      return 1;
    }
    return rc;
  }
  if (printed == 0 && rc == 0) {
    if (all_ns) {
      io.err << "No resources found\n";
    } else {
      io.err << "No resources found in " << s.ns() << " namespace.\n";
    }
  }
  return rc;
}

int RunApiResources(Session& s, const Options& o, Io io) {
  Result<const Discovery*> d = s.discovery();
  if (!d.ok()) {
    io.err << "error: " << d.status().message() << "\n";
    return 1;
  }
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"});
  std::string want_ns = o.Get("namespaced");
  for (const api::ResourceInfo& r : (*d)->resources()) {
    if (!want_ns.empty() && (want_ns == "true") != r.namespaced) continue;
    std::string shorts;
    for (const std::string& n : r.short_names) shorts += (shorts.empty() ? "" : ",") + n;
    rows.push_back({r.resource, shorts, r.GroupVersion(), r.namespaced ? "true" : "false", r.kind});
  }
  if (o.Get("output") == "name") {
    for (size_t i = 1; i < rows.size(); ++i) {
      const api::ResourceInfo& r = (*d)->resources()[i - 1];
      io.out << r.resource << (r.group.empty() ? "" : "." + r.group) << "\n";
    }
    return 0;
  }
  PrintColumns(rows, io.out);
  return 0;
}

int RunVersion(Session& s, const Options& o, Io io) {
  (void)o;
  io.out << "Client Version: sampan kubectl (kubectl v1.33 compatible)\n";
  Result<api::Json> v = s.ApiCall("GET", "/version");
  if (!v.ok()) {
    io.err << v.status().message() << "\n";
    return 1;
  }
  io.out << "Server Version: " << api::GetString(*v, "gitVersion") << "\n";
  return 0;
}

}  // namespace sampan::kubectl
