#pragma once
// JSON objects printed as YAML the way `kubectl get -o yaml` does (go-yaml through
// sigs.k8s.io/yaml): map keys sorted, two-space indent, list items at their key's indent,
// strings quoted only when YAML would read them as something else, multi-line strings as
// literal blocks.

#include <string>

#include "pkg/api/json.h"

namespace sampan::kubectl {

std::string ToYaml(const api::Json& value);

}  // namespace sampan::kubectl
