#pragma once
// kubectl-style command lines: `-n ns`, `--namespace=ns`, `--namespace ns`, `-A`, `-oyaml`,
// boolean flags with an optional `=true|false`, and `--` ending the flags (exec). Each verb
// declares the flags it knows; an unknown flag is an error naming it, as kubectl's is.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/status.h"

namespace sampan::kubectl {

struct FlagSpec {
  std::string name;         // long name without dashes: "namespace"
  char shorthand = 0;       // 'n', or 0
  bool takes_value = true;  // false: a boolean
};

class Options {
 public:
  // Parses `args` against `specs`; values of repeated flags accumulate.
  static Result<Options> Parse(const std::vector<std::string>& args,
                               const std::vector<FlagSpec>& specs);

  const std::vector<std::string>& positional() const { return positional_; }
  // After `--`: the command of exec.
  const std::vector<std::string>& trailing() const { return trailing_; }
  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& def = "") const;
  std::vector<std::string> All(const std::string& name) const;
  bool Bool(const std::string& name) const;  // present without "=false"

 private:
  std::vector<std::string> positional_;
  std::vector<std::string> trailing_;
  std::map<std::string, std::vector<std::string>> values_;
};

// The flags every verb accepts (kubeconfig, context, namespace, server name checks...).
std::vector<FlagSpec> GlobalFlags();

}  // namespace sampan::kubectl
