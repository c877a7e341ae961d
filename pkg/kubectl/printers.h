#pragma once
// Output of `get` and friends: server-side Tables as kubectl lays them out (upper-case
// headers, columns three spaces apart, wide columns with -o wide, NAMESPACE with -A, kind
// prefixes when several resource types are printed, --show-labels, --no-headers), and
// objects as -o yaml|json|name|jsonpath=...

#include <ostream>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/api/registry.h"
#include "pkg/util/status.h"

namespace sampan::kubectl {

struct TableOptions {
  bool wide = false;
  bool all_namespaces = false;
  bool show_kind = false;  // "pod/name" (several resource types)
  bool show_labels = false;
  bool no_headers = false;
};

// The header and rows `get` shows for a Table (NAMESPACE, kind prefixes, LABELS applied).
struct TableLines {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};
TableLines TableToLines(const api::ResourceInfo& r, const api::Json& table,
                        const TableOptions& options);

// Prints a meta.k8s.io/v1 Table for `r`; returns the number of rows.
size_t PrintTable(const api::ResourceInfo& r, const api::Json& table, const TableOptions& options,
                  std::ostream& out);

// -o yaml|json|name|jsonpath=T|jsonpath-as-json? (the subset kubectl users script with).
// `objects` are printed as one object when `single`, else as a v1 List.
Status PrintObjects(const std::string& format, const std::vector<api::Json>& objects,
                    const std::vector<api::ResourceInfo>& resources, bool single,
                    std::ostream& out);

// Rows as kubectl's tab writer lays them out: each column as wide as its widest cell plus
// `gap` spaces, the last column unpadded, a line each (the first row is usually the header).
void PrintColumns(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                  size_t gap = 3, const std::string& indent = "");

// True for the formats PrintObjects handles (everything but "" and "wide").
bool IsObjectFormat(const std::string& format);

}  // namespace sampan::kubectl
