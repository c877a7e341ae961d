#pragma once
// RBAC authorization (rbac.authorization.k8s.io/v1) as upstream evaluates it: a request is
// allowed when a rule of a role bound to the user (by name), one of their groups, or their
// service account allows its verb on its group/resource[/subresource] (and name), or its
// verb on a non-resource URL. ClusterRoleBindings grant everywhere; RoleBindings grant in
// their namespace. Members of system:masters are always allowed (as upstream's privileged
// group). The policy is kept in memory from a watch of the four RBAC collections.
//
// Threading: Allowed() from any thread; the policy is swapped atomically as it changes.

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/apiserver/authn.h"
#include "pkg/apiserver/request_info.h"
#include "storage/store.h"

namespace sampan::apiserver {

// One PolicyRule.
struct RbacRule {
  std::vector<std::string> verbs, api_groups, resources, resource_names, non_resource_urls;
};

// The rules of every role and the subjects of every binding, as one immutable snapshot.
struct RbacPolicy {
  // Who a binding grants to, read once when the binding changes: requests only compare
  // names (a service account as its user name, system:serviceaccount:<ns>:<name>).
  struct Subjects {
    std::vector<std::string> users, groups;
  };
  struct Binding {
    std::string role_kind;  // "ClusterRole" or "Role"
    std::string role_name;
    std::string ns;  // "" for ClusterRoleBindings
    Subjects subjects;
  };
  std::map<std::string, std::vector<RbacRule>> cluster_roles;  // by name
  std::map<std::string, std::vector<RbacRule>> roles;          // by "ns/name"
  std::map<std::string, Binding> bindings;                     // by storage key

  // Whether `user` may do what `info` asks.
  bool Allows(const UserInfo& user, const RequestInfo& info) const;
  // The rules granted to `user` in `ns` (cluster-wide ones included), for
  // SelfSubjectRulesReview.
  std::vector<RbacRule> RulesFor(const UserInfo& user, const std::string& ns) const;
};

std::vector<RbacRule> ParseRules(const api::Json& rules);
// A binding's `subjects` (in namespace `binding_ns`, the default of service accounts').
RbacPolicy::Subjects ParseSubjects(const api::Json& subjects, const std::string& binding_ns);
bool RuleAllows(const RbacRule& rule, const RequestInfo& info);

class Authorizer {
 public:
  virtual ~Authorizer() = default;
  virtual bool Allowed(const UserInfo& user, const RequestInfo& info) const = 0;
};

class RbacAuthorizer final : public Authorizer {
 public:
  // Loads the policy and keeps watching it.
  static Result<std::unique_ptr<RbacAuthorizer>> Start(storage::Store& store);
  bool Allowed(const UserInfo& user, const RequestInfo& info) const override;
  std::shared_ptr<const RbacPolicy> policy() const;

 private:
  explicit RbacAuthorizer(storage::Store& store) : store_(store) {}
  void Apply(const storage::Event& event);

  storage::Store& store_;
  mutable std::mutex mu_;
  std::shared_ptr<const RbacPolicy> policy_ = std::make_shared<RbacPolicy>();
  std::vector<std::unique_ptr<storage::Watch>> watches_;
};

}  // namespace sampan::apiserver
