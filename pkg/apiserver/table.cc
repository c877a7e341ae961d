#include "pkg/apiserver/table.h"

#include <functional>
#include <map>

#include "pkg/apiserver/table_printers.h"

namespace sampan::apiserver {

TableOptions TableOptions::FromQuery(const Query& query) {
  TableOptions o;
  std::string include = query.GetOr("includeObject", "Metadata");
  if (include == "None") o.include = TableOptions::Include::kNone;
  if (include == "Object") o.include = TableOptions::Include::kObject;
  return o;
}

api::Json BuildTable(const api::ResourceInfo& r, const std::vector<api::Json>& objects,
                     int64_t rv, const std::string& continue_token, const TableOptions& options) {
  const Printer& printer = PrinterFor(r);
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
