#include "pkg/apiserver/admission/node_restriction.h"

#include <gtest/gtest.h>

namespace sampan::apiserver::admission {
namespace {

using api::Json;

const api::ResourceInfo& Pods() { return *api::Registry::Builtin().Find("", "v1", "pods"); }
const api::ResourceInfo& Nodes() { return *api::Registry::Builtin().Find("", "v1", "nodes"); }
const api::ResourceInfo& Leases() {
  return *api::Registry::Builtin().Find("coordination.k8s.io", "v1", "leases");
}

Json Pod(const std::string& node, bool mirror) {
  Json pod = {{"metadata", {{"name", "p"}, {"namespace", "default"}}},
              {"spec", {{"nodeName", node}}}};
  if (mirror) pod["metadata"]["annotations"] = {{"kubernetes.io/config.mirror", "abc"}};
  return pod;
}

Attributes As(const std::string& user, Operation op, const api::ResourceInfo& r,
              const std::string& ns, const std::string& name) {
  Attributes a;
  a.operation = op;
  a.resource = &r;
  a.ns = ns;
  a.name = name;
  a.user = user;
  a.groups = {"system:nodes", "system:authenticated"};
  return a;
}

std::string Refusal(const Verdict& v) { return v ? v->message : ""; }

TEST(NodeRestrictionTest, MirrorPodsOfItsOwnOnly) {
  NodeRestriction plugin;
  Json mine = Pod("edge-1", true);
  Attributes a = As("system:node:edge-1", Operation::kCreate, Pods(), "default", "p");
  a.object = &mine;
  EXPECT_FALSE(plugin.Validate(a));

  Json plain = Pod("edge-1", false);
  a.object = &plain;
  EXPECT_EQ(Refusal(plugin.Validate(a)),
            "pods \"p\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" "
            "annotation, node \"edge-1\" can only create mirror pods");
  Json elsewhere = Pod("edge-2", true);
  a.object = &elsewhere;
  EXPECT_EQ(Refusal(plugin.Validate(a)),
            "pods \"p\" is forbidden: node \"edge-1\" can only create pods with spec.nodeName set "
            "to itself");
}

TEST(NodeRestrictionTest, DeletesPodsBoundToItselfAndUpdatesNone) {
  NodeRestriction plugin;
  Json mine = Pod("edge-1", false);
  Json other = Pod("edge-2", false);
  Attributes del = As("system:node:edge-1", Operation::kDelete, Pods(), "default", "p");
  del.old_object = &mine;
  EXPECT_FALSE(plugin.Validate(del));
  del.old_object = &other;
  EXPECT_EQ(Refusal(plugin.Validate(del)),
            "pods \"p\" is forbidden: node \"edge-1\" can only delete pods with spec.nodeName set "
            "to itself");
  Attributes update = As("system:node:edge-1", Operation::kUpdate, Pods(), "default", "p");
  update.object = &mine;
  update.old_object = &mine;
  EXPECT_EQ(Refusal(plugin.Validate(update)),
            "pods \"p\" is forbidden: unexpected operation \"UPDATE\", node \"edge-1\" can only "
            "create and delete mirror pods");
}

TEST(NodeRestrictionTest, ItsOwnNodeAndLeaseOnly) {
  NodeRestriction plugin;
  Json node = {{"metadata", {{"name", "edge-1"}}}};
  Attributes a = As("system:node:edge-1", Operation::kCreate, Nodes(), "", "edge-1");
  a.object = &node;
  EXPECT_FALSE(plugin.Validate(a));
  Attributes other = As("system:node:edge-1", Operation::kDelete, Nodes(), "", "edge-2");
  EXPECT_EQ(Refusal(plugin.Validate(other)),
            "nodes \"edge-2\" is forbidden: node \"edge-1\" is not allowed to modify node "
            "\"edge-2\"");

  Attributes lease =
      As("system:node:edge-1", Operation::kUpdate, Leases(), "kube-node-lease", "edge-1");
  EXPECT_FALSE(plugin.Validate(lease));
  lease.name = "edge-2";
  EXPECT_EQ(Refusal(plugin.Validate(lease)),
            "leases.coordination.k8s.io \"edge-2\" is forbidden: can only access node lease with "
            "the same name as the requesting node");
  lease.ns = "default";
  lease.name = "edge-1";
  EXPECT_EQ(Refusal(plugin.Validate(lease)),
            "leases.coordination.k8s.io \"edge-1\" is forbidden: can only access leases in the "
            "\"kube-node-lease\" system namespace");
}

TEST(NodeRestrictionTest, OtherUsersAreLeftAlone) {
  NodeRestriction plugin;
  Json plain = Pod("edge-2", false);
  // A node's name without the group (the server's own node agent acts as a master).
  Attributes a = As("system:node:edge-1", Operation::kCreate, Pods(), "default", "p");
  a.groups = {"system:masters"};
  a.object = &plain;
  EXPECT_FALSE(plugin.Validate(a));
  a = As("alice", Operation::kCreate, Pods(), "default", "p");
  a.object = &plain;
  EXPECT_FALSE(plugin.Validate(a));
}

}  // namespace
}  // namespace sampan::apiserver::admission
