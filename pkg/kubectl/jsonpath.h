#pragma once
// kubectl's JSONPath templates, the part people use: `{.metadata.name}`,
// `{.items[*].status.podIP}`, `{.items[0].spec}`, `{.metadata.labels['app\.kubernetes\.io/name']}`
// (or `.labels.app\.io/x`), `{range .items[*]}...{end}`, `{"\n"}` literals and text outside
// braces. Several results of one expression are joined by spaces; objects print as JSON.

#include <string>

#include "pkg/api/json.h"
#include "pkg/util/status.h"

namespace sampan::kubectl {

Result<std::string> EvalJsonPath(const std::string& tmpl, const api::Json& root);

}  // namespace sampan::kubectl
