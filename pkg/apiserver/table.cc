#include "pkg/apiserver/table.h"

#include <functional>
#include <map>
#include <optional>

#include "pkg/api/custom_resource.h"
#include "pkg/apiserver/table_printers.h"

namespace sampan::apiserver {

TableOptions TableOptions::FromQuery(const Query& query) {
  TableOptions o;
  std::string include = query.GetOr("includeObject", "Metadata");
  if (include == "None") o.include = TableOptions::Include::kNone;
  if (include == "Object") o.include = TableOptions::Include::kObject;
  return o;
}

namespace {

// A cell of a CRD's printer column, typed as upstream's table convertor types it.
api::Json CustomCell(const api::PrinterColumn& c, const api::Json& obj) {
  const api::Json* v = api::FindJsonPath(obj, c.json_path);
  if (v == nullptr || v->is_null()) return nullptr;
  if (c.type == "string") return v->is_string() ? v->get<std::string>() : api::Dump(*v);
  if (c.type == "integer" && v->is_number()) return static_cast<int64_t>(v->get<double>());
  if (c.type == "number" && v->is_number()) return v->get<double>();
  if (c.type == "boolean" && v->is_boolean()) return *v;
  if (c.type == "date" && v->is_string()) return AgeOf(v->get<std::string>());
  return nullptr;
}

// The columns of a custom resource: Name, then the CRD's additionalPrinterColumns (an Age
// column when it has none, as upstream).
Printer CustomPrinter(const api::ResourceInfo& r) {
  std::vector<api::PrinterColumn> cols = r.custom->columns;
  if (cols.empty()) {
    cols.push_back({"Age", "date", "", kAge.description, ".metadata.creationTimestamp", 0});
  }
  Printer p;
  p.columns.push_back(kName);
  for (const auto& c : cols) {
    std::string description =
        c.description.empty()
            ? "Custom resource definition column (in JSONPath format): " + c.json_path
            : c.description;
    p.columns.push_back(Column{c.name, c.type, c.format, description, c.priority});
  }
  p.cells = [cols](const api::Json& obj) {
    api::Json cells = api::Json::array({Str(obj, "metadata.name")});
    for (const auto& c : cols) cells.push_back(CustomCell(c, obj));
    return cells;
  };
  return p;
}

}  // namespace

const api::ResourceInfo& ScaleResource() {
  static const api::ResourceInfo kScale{.group = "autoscaling",
                                        .version = "v1",
                                        .resource = "scales",
                                        .kind = "Scale",
                                        .type_key = "autoscaling/scales"};
  return kScale;
}

api::Json BuildTable(const api::ResourceInfo& r, const std::vector<api::Json>& objects,
                     int64_t rv, const std::string& continue_token, const TableOptions& options) {
  std::optional<Printer> custom;
  if (r.custom) custom = CustomPrinter(r);
  const Printer& printer = custom ? *custom : PrinterFor(r);
  api::Json columns = api::Json::array();
  for (const auto& c : printer.columns) {
    columns.push_back({{"name", c.name},
                       {"type", c.type},
                       {"format", c.format},
                       {"description", c.description},
                       {"priority", c.priority}});
  }
  api::Json rows = api::Json::array();
  for (const auto& obj : objects) {
    api::Json row = {{"cells", printer.cells(obj)}};
    if (options.include == TableOptions::Include::kMetadata) {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", obj.contains("metadata") ? obj["metadata"] : api::Json::object()}};
    } else if (options.include == TableOptions::Include::kObject) {
      row["object"] = obj;
    }
    rows.push_back(std::move(row));
  }
  api::Json meta = api::Json::object();
  if (rv >= 0) meta["resourceVersion"] = std::to_string(rv);
  if (!continue_token.empty()) meta["continue"] = continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", columns},
          {"rows", rows}};
}

}  // namespace sampan::apiserver
