#include "pkg/apiserver/rbac.h"

#include <algorithm>

#include "pkg/util/log.h"

namespace sampan::apiserver {
namespace {

using api::Json;

const log::Logger kLog("apiserver");
constexpr std::string_view kRbacPrefix = "/registry/rbac.authorization.k8s.io/";

bool Has(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool Binds(const RbacPolicy::Binding& b, const UserInfo& user) {
  if (Has(b.subjects.users, user.name)) return true;
  return std::any_of(b.subjects.groups.begin(), b.subjects.groups.end(),
                     [&](const std::string& g) { return user.InGroup(g); });
}

}  // namespace

std::vector<RbacRule> ParseRules(const Json& rules) {
  std::vector<RbacRule> out;
  if (!rules.is_array()) return out;
  for (const Json& r : rules) {
    out.push_back({api::GetStrings(r, "verbs"), api::GetStrings(r, "apiGroups"),
                   api::GetStrings(r, "resources"), api::GetStrings(r, "resourceNames"),
                   api::GetStrings(r, "nonResourceURLs")});
  }
  return out;
}

RbacPolicy::Subjects ParseSubjects(const Json& subjects, const std::string& binding_ns) {
  RbacPolicy::Subjects out;
  if (!subjects.is_array()) return out;
  for (const Json& subject : subjects) {
    std::string kind = api::GetString(subject, "kind");
    std::string name = api::GetString(subject, "name");
    if (kind == "User") out.users.push_back(name);
    if (kind == "Group") out.groups.push_back(name);
    if (kind == "ServiceAccount") {
      std::string ns = api::GetString(subject, "namespace", binding_ns);
      out.users.push_back("system:serviceaccount:" + ns + ":" + name);
    }
  }
  return out;
}

bool RuleAllows(const RbacRule& rule, const RequestInfo& info) {
  if (!Has(rule.verbs, "*") && !Has(rule.verbs, info.verb)) return false;
  if (!info.is_resource_request) {
    for (const std::string& url : rule.non_resource_urls) {
      if (url == "*" || url == info.path) return true;
      if (url.ends_with("*") && info.path.starts_with(url.substr(0, url.size() - 1))) return true;
    }
    return false;
  }
  if (!Has(rule.api_groups, "*") && !Has(rule.api_groups, info.group)) return false;
  std::string combined =
      info.subresource.empty() ? info.resource : info.resource + "/" + info.subresource;
  bool resource = Has(rule.resources, "*") || Has(rule.resources, combined) ||
                  (!info.subresource.empty() && Has(rule.resources, "*/" + info.subresource));
  if (!resource) return false;
  return rule.resource_names.empty() || Has(rule.resource_names, info.name);
}

bool RbacPolicy::Allows(const UserInfo& user, const RequestInfo& info) const {
  for (const auto& [key, b] : bindings) {
    if (!b.ns.empty() && b.ns != info.namespace_) continue;
    if (!Binds(b, user)) continue;
    const std::vector<RbacRule>* rules = nullptr;
    if (b.role_kind == "ClusterRole") {
      auto it = cluster_roles.find(b.role_name);
      if (it != cluster_roles.end()) rules = &it->second;
    } else {
      auto it = roles.find(b.ns + "/" + b.role_name);
      if (it != roles.end()) rules = &it->second;
    }
    if (rules == nullptr) continue;
    for (const RbacRule& rule : *rules) {
      if (RuleAllows(rule, info)) return true;
    }
  }
  return false;
}

std::vector<RbacRule> RbacPolicy::RulesFor(const UserInfo& user, const std::string& ns) const {
  std::vector<RbacRule> out;
  for (const auto& [key, b] : bindings) {
    if ((!b.ns.empty() && b.ns != ns) || !Binds(b, user)) continue;
    const auto& table = b.role_kind == "ClusterRole" ? cluster_roles : roles;
    auto it = table.find(b.role_kind == "ClusterRole" ? b.role_name : b.ns + "/" + b.role_name);
    if (it != table.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  return out;
}

Result<std::unique_ptr<RbacAuthorizer>> RbacAuthorizer::Start(storage::Store& store) {
  std::unique_ptr<RbacAuthorizer> authz(new RbacAuthorizer(store));
  ASSIGN_OR_RETURN(storage::ListResult list, store.List(std::string(kRbacPrefix), {}));
  for (const storage::KeyValue& kv : list.items) {
    authz->Apply(storage::Event{storage::Event::Type::kCreate, kv, {}});
  }
  RbacAuthorizer* self = authz.get();
  ASSIGN_OR_RETURN(std::unique_ptr<storage::Watch> watch,
                   store.WatchPrefix(std::string(kRbacPrefix), list.revision,
                                     [self](const std::vector<storage::EventPtr>& events) {
                                       for (const storage::EventPtr& e : events) self->Apply(*e);
                                     }));
  authz->watches_.push_back(std::move(watch));
  return authz;
}

void RbacAuthorizer::Apply(const storage::Event& event) {
  // "/registry/rbac.authorization.k8s.io/<collection>/<ns>/<name>" or ".../<collection>/<name>".
  std::string_view rest = event.kv.key;
  if (!rest.starts_with(kRbacPrefix)) return;
  rest.remove_prefix(kRbacPrefix.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return;
  std::string collection(rest.substr(0, slash));
  std::string id(rest.substr(slash + 1));  // "name" or "ns/name"
  bool removed = event.type == storage::Event::Type::kDelete;
  Json object;
  if (!removed) {
    Result<Json> parsed = api::ParseJson(event.kv.value);
    if (!parsed.ok()) {
      kLog.Warn("rbac: unreadable object {}", event.kv.key);
      return;
    }
    object = std::move(*parsed);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto next = std::make_shared<RbacPolicy>(*policy_);
  if (collection == "clusterroles" || collection == "roles") {
    auto& table = collection == "clusterroles" ? next->cluster_roles : next->roles;
    if (removed) {
      table.erase(id);
    } else {
      table[id] = ParseRules(object.value("rules", Json::array()));
    }
  } else if (collection == "clusterrolebindings" || collection == "rolebindings") {
    if (removed) {
      next->bindings.erase(event.kv.key);
    } else {
      const Json ref = object.value("roleRef", Json::object());
      std::string ns = collection == "rolebindings" ? id.substr(0, id.find('/')) : "";
      RbacPolicy::Subjects subjects =
          ParseSubjects(object.value("subjects", Json::array()), ns);
      RbacPolicy::Binding b{api::GetString(ref, "kind"), api::GetString(ref, "name"),
                            std::move(ns), std::move(subjects)};
      next->bindings[event.kv.key] = std::move(b);
    }
  } else {
    return;
  }
  policy_ = std::move(next);
}

std::shared_ptr<const RbacPolicy> RbacAuthorizer::policy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return policy_;
}

bool RbacAuthorizer::Allowed(const UserInfo& user, const RequestInfo& info) const {
  if (user.InGroup("system:masters")) return true;
  return policy()->Allows(user, info);
}

}  // namespace sampan::apiserver
