// RBAC through the whole request path (in-process transport, real store), plus the rule
// matching details.
#include "pkg/apiserver/rbac.h"

#include <gtest/gtest.h>

#include "test/unit/test_api_server.h"

namespace sampan::apiserver {
namespace {

using api::Json;
using sampan::testing::WaitFor;

const api::ResourceInfo& R(const char* group, const char* resource) {
  return *api::Registry::Builtin().Find(group, "v1", resource);
}

RequestInfo Resource(std::string verb, std::string group, std::string resource,
                     std::string sub = "", std::string name = "", std::string ns = "default") {
  RequestInfo i;
  i.is_resource_request = true;
  i.verb = std::move(verb);
  i.group = std::move(group);
  i.resource = std::move(resource);
  i.subresource = std::move(sub);
  i.name = std::move(name);
  i.namespace_ = std::move(ns);
  return i;
}

TEST(RbacRuleTest, MatchesVerbsGroupsResourcesNamesAndUrls) {
  RbacRule rule{{"get", "list"}, {"", "apps"}, {"pods", "deployments/scale"}, {}, {}};
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "", "pods")));
  EXPECT_FALSE(RuleAllows(rule, Resource("delete", "", "pods")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "batch", "pods")));
  EXPECT_FALSE(RuleAllows(rule, Resource("get", "", "pods", "log")));  // subresources are separate
  EXPECT_TRUE(RuleAllows(rule, Resource("get", "apps", "deployments", "scale")));
  RbacRule named{{"*"}, {"*"}, {"configmaps", "*/status"}, {"only-this"}, {}};
  EXPECT_TRUE(RuleAllows(named, Resource("update", "", "configmaps", "", "only-this")));
  EXPECT_FALSE(RuleAllows(named, Resource("update", "", "configmaps", "", "other")));
  EXPECT_TRUE(RuleAllows(named, Resource("update", "", "pods", "status", "only-this")));
  RbacRule urls{{"get"}, {}, {}, {}, {"/healthz", "/apis/*"}};
  RequestInfo health;
  health.verb = "get";
  health.path = "/healthz";
  EXPECT_TRUE(RuleAllows(urls, health));
  health.path = "/apis/apps/v1";
  EXPECT_TRUE(RuleAllows(urls, health));
  health.path = "/metrics";
  EXPECT_FALSE(RuleAllows(urls, health));
}

class RbacTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(api_.ok());
    admin_ = api_.NewClient();
    alice_ = std::make_unique<client::Client>(api_.server().InProcessTransport({"alice", {"dev"}}));
  }
  sampan::testing::TestApiServer api_;
  std::unique_ptr<client::Client> admin_;
  std::unique_ptr<client::Client> alice_;
};

TEST(RbacSubjectsTest, ServiceAccountsBecomeUserNamesInTheBindingsNamespaceByDefault) {
  Json subjects = Json::parse(R"([{"kind":"User","name":"alice"},{"kind":"Group","name":"dev"},
      {"kind":"ServiceAccount","name":"robot"},
      {"kind":"ServiceAccount","name":"ci","namespace":"build"},{"kind":"Other","name":"x"}])");
  RbacPolicy::Subjects s = ParseSubjects(subjects, "apps");
  EXPECT_EQ(s.users, (std::vector<std::string>{"alice", "system:serviceaccount:apps:robot",
                                               "system:serviceaccount:build:ci"}));
  EXPECT_EQ(s.groups, (std::vector<std::string>{"dev"}));
  EXPECT_TRUE(ParseSubjects(Json::object(), "apps").users.empty());
}

TEST_F(RbacTest, UsersGetWhatTheirBindingsGrant) {
  const auto& cms = R("", "configmaps");
  EXPECT_EQ(alice_->List(cms, "default").status().code(), Code::kForbidden);
  // Default policy: any authenticated user may use discovery.
  ASSERT_TRUE(alice_->List(cms, "default")
                  .status()
                  .message()
                  .find("User \"alice\" cannot list resource \"configmaps\"") != std::string::npos);

  // A RoleBinding of the group to the built-in "view" ClusterRole, in default only.
  Json binding = Json::parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
      "metadata":{"name":"devs-view","namespace":"default"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"},
      "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"Group","name":"dev"}]})");
  ASSERT_TRUE(admin_->Create(R("rbac.authorization.k8s.io", "rolebindings"), binding).ok());
  EXPECT_TRUE(WaitFor([&] { return alice_->List(cms, "default").ok(); }));
  EXPECT_EQ(alice_->List(cms, "kube-system").status().code(), Code::kForbidden);
  Json cm = {{"apiVersion", "v1"},
             {"kind", "ConfigMap"},
             {"metadata", {{"name", "x"}, {"namespace", "default"}}}};
  EXPECT_EQ(alice_->Create(cms, cm).status().code(), Code::kForbidden);  // view cannot write
  EXPECT_EQ(alice_->List(R("", "secrets"), "default").status().code(), Code::kForbidden);

  // A Role of her own for writes; removing the binding takes it away again.
  Json role = Json::parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role",
      "metadata":{"name":"cm-writer","namespace":"default"},
      "rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["create"]}]})");
  Json write_binding =
      Json::parse(R"({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding",
      "metadata":{"name":"alice-writes","namespace":"default"},
      "roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"cm-writer"},
      "subjects":[{"apiGroup":"rbac.authorization.k8s.io","kind":"User","name":"alice"}]})");
  ASSERT_TRUE(admin_->Create(R("rbac.authorization.k8s.io", "roles"), role).ok());
  ASSERT_TRUE(admin_->Create(R("rbac.authorization.k8s.io", "rolebindings"), write_binding).ok());
  EXPECT_TRUE(WaitFor([&] { return alice_->Create(cms, cm).ok(); }));
  ASSERT_TRUE(
      admin_->Delete(R("rbac.authorization.k8s.io", "rolebindings"), "default", "devs-view").ok());
  EXPECT_TRUE(
      WaitFor([&] { return alice_->List(cms, "default").status().code() == Code::kForbidden; }));
}

TEST_F(RbacTest, NodesGetTheNodeRole) {
  client::Client node(api_.server().InProcessTransport({"system:node:n1", {"system:nodes"}}));
  EXPECT_TRUE(node.List(R("", "pods"), "").ok());
  EXPECT_TRUE(node.Get(R("", "nodes"), "", "missing").status().IsNotFound());  // allowed, absent
  EXPECT_EQ(node.Delete(R("", "configmaps"), "default", "x").code(), Code::kForbidden);
  EXPECT_EQ(node.List(R("rbac.authorization.k8s.io", "roles"), "").status().code(),
            Code::kForbidden);
}

}  // namespace
}  // namespace sampan::apiserver
