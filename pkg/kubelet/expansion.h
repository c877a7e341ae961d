#pragma once
// Kubernetes' $(VAR) expansion for command, args and env values (k8s.io/kubernetes
// third_party/forked/golang/expansion): $(NAME) becomes the value `lookup` gives; a name it
// does not know stays as written, "$(NAME)"; "$$" is an escaped "$"; any other "$" is kept.

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace sampan::kubelet {

using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string ExpandVars(std::string_view input, const VarLookup& lookup);

}  // namespace sampan::kubelet
