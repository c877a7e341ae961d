#pragma once
// Internal: column definitions and cell functions per kind (table_printers_*.cc).

#include <functional>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"

namespace sampan::apiserver {

struct Column {
  std::string name;
  std::string type = "string";
  std::string format;
  std::string description;
  int priority = 0;
};

struct Printer {
  std::vector<Column> columns;
  std::function<api::Json(const api::Json& obj)> cells;
};

const Printer& PrinterFor(const api::ResourceInfo& r);

// The columns most printers share, and a shorthand for the others.
inline const Column kName{"Name", "string", "name", "Name must be unique within a namespace."};
inline const Column kAge{"Age", "string", "",
                         "CreationTimestamp is a timestamp representing the server time when "
                         "this object was created."};
inline Column Col(std::string name, int priority = 0, std::string type = "string") {
  return Column{std::move(name), std::move(type), "", "", priority};
}

// Helpers shared by the printers.
std::string Age(const api::Json& obj);  // from metadata.creationTimestamp
std::string AgeOf(const std::string& rfc3339);
std::string Str(const api::Json& obj, std::string_view dotted_path, std::string_view def = "");
int64_t Int(const api::Json& obj, std::string_view dotted_path, int64_t def = 0);
std::string SelectorString(const api::Json* selector);  // matchLabels/matchExpressions -> "a=b"
std::string ContainerNames(const api::Json* pod_spec);
std::string ContainerImages(const api::Json* pod_spec);

void AddCorePrinters(std::vector<std::pair<std::string, Printer>>& out);
void AddWorkloadPrinters(std::vector<std::pair<std::string, Printer>>& out);

}  // namespace sampan::apiserver
