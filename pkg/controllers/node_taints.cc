#include "pkg/controllers/node_taints.h"

#include <algorithm>

namespace sampan::controllers {

const api::Json* NodeCondition(const api::Json& node, const std::string& type) {
  const api::Json* conditions = api::FindPath(node, "status.conditions");
  if (conditions == nullptr || !conditions->is_array()) return nullptr;
  for (const api::Json& c : *conditions) {
    if (c.is_object() && api::GetString(c, "type") == type) return &c;
  }
  return nullptr;
}

std::string NodeConditionStatus(const api::Json& node, const std::string& type) {
  const api::Json* c = NodeCondition(node, type);
  return c ? api::GetString(*c, "status") : "";
}

std::vector<api::Json> NodeTaints(const api::Json& node, const std::string& effect) {
  std::vector<api::Json> out;
  const api::Json* taints = api::FindPath(node, "spec.taints");
  if (taints == nullptr || !taints->is_array()) return out;
  for (const api::Json& t : *taints) {
    if (t.is_object() && (effect.empty() || api::GetString(t, "effect") == effect)) {
      out.push_back(t);
    }
  }
  return out;
}

bool TolerationMatches(const api::Json& toleration, const api::Json& taint) {
  if (!toleration.is_object()) return false;
  std::string effect = api::GetString(toleration, "effect");
  if (!effect.empty() && effect != api::GetString(taint, "effect")) return false;
  std::string key = api::GetString(toleration, "key");
  std::string op = api::GetString(toleration, "operator", "Equal");
  if (op == "Exists") return key.empty() || key == api::GetString(taint, "key");
  if (op != "Equal" && !op.empty()) return false;
  return key == api::GetString(taint, "key") &&
         api::GetString(toleration, "value") == api::GetString(taint, "value");
}

std::optional<int64_t> TolerationSeconds(const api::Json& toleration) {
  const api::Json* seconds = api::Find(toleration, "tolerationSeconds");
  if (seconds == nullptr || !seconds->is_number_integer()) return std::nullopt;
  return std::max<int64_t>(0, seconds->get<int64_t>());
}

}  // namespace sampan::controllers
