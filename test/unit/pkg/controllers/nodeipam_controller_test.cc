#include "pkg/controllers/nodeipam/nodeipam_controller.h"

#include <gtest/gtest.h>

#include <set>

#include "test/unit/test_api_server.h"

namespace sampan::controllers {
namespace {

using api::Json;
using sampan::testing::WaitFor;

const api::ResourceInfo& Nodes() { return *api::Registry::Builtin().Find("", "v1", "nodes"); }

Json Node(const std::string& name, const std::string& cidr = "") {
  Json n = {{"apiVersion", "v1"}, {"kind", "Node"}, {"metadata", {{"name", name}}}};
  if (!cidr.empty()) n["spec"] = {{"podCIDR", cidr}, {"podCIDRs", Json::array({cidr})}};
  return n;
}

TEST(NodeIpamControllerTest, HandsOutFreeRangesOnce) {
  sampan::testing::TestApiServer api;
  ASSERT_TRUE(api.ok());
  auto client = api.NewClient();
  // A node from before a restart already holds the first range.
  ASSERT_TRUE(client->Create(Nodes(), Node("old", "10.42.0.0/24")).ok());
  auto controller = NodeIpamController::New(*client, "10.42.0.0/16");
  ASSERT_TRUE(controller.ok());
  (*controller)->Start();
  ASSERT_TRUE(client->Create(Nodes(), Node("a")).ok());
  ASSERT_TRUE(client->Create(Nodes(), Node("b")).ok());
  auto cidr = [&](const char* name) {
    Result<Json> n = client->Get(Nodes(), "", name);
    return n.ok() ? api::GetString(n->value("spec", Json::object()), "podCIDR") : "";
  };
  ASSERT_TRUE(WaitFor([&] { return !cidr("a").empty() && !cidr("b").empty(); }));
  std::set<std::string> ranges = {cidr("old"), cidr("a"), cidr("b")};
  EXPECT_EQ(ranges, (std::set<std::string>{"10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24"}));
  // A deleted node's range is reused.
  std::string freed = cidr("a");
  ASSERT_TRUE(client->Delete(Nodes(), "", "a").ok());
  ASSERT_TRUE(client->Create(Nodes(), Node("c")).ok());
  EXPECT_TRUE(WaitFor([&] { return cidr("c") == freed; }));
  (*controller)->Stop();
}

TEST(NodeIpamControllerTest, RejectsBadClusterCidrs) {
  sampan::testing::TestApiServer api;
  ASSERT_TRUE(api.ok());
  auto client = api.NewClient();
  EXPECT_FALSE(NodeIpamController::New(*client, "nonsense").ok());
  EXPECT_FALSE(NodeIpamController::New(*client, "10.42.0.0/25").ok());
}

}  // namespace
}  // namespace sampan::controllers
