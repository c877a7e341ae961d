#pragma once
// `sampan kubectl VERB ...`: the everyday verbs of kubectl built in (get, create, apply,
// delete, label, annotate, patch, scale, logs, wait, api-resources, version), with kubectl's
// flags, output formats and messages, against the cluster of the default kubeconfig
// (/etc/sampan/sampan.yaml, or $KUBECONFIG / --kubeconfig). Returns the exit code.

#include <ostream>
#include <string>
#include <vector>

namespace sampan::kubectl {

int RunKubectl(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace sampan::kubectl
