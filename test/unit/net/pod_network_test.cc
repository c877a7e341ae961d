// The PodNetwork interface's own pieces (no kernel): veth names, config validation, and the
// fake the kubelet's tests use behaving like the real one (same id, same address).
#include "net/pod_network.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "test/fakes/fake_pod_network.h"

namespace sampan::net {
namespace {

TEST(PodNetworkNamesTest, HostVethNamesAreStableShortAndDistinct) {
  std::string name = PodNetwork::HostVethName("0123456789abcdef0123456789abcdef");
  EXPECT_EQ(name, PodNetwork::HostVethName("0123456789abcdef0123456789abcdef"));
  EXPECT_EQ(name.size(), 12u);  // within IFNAMSIZ
  EXPECT_EQ(name.rfind("veth", 0), 0u);
  EXPECT_EQ(name.find_first_not_of("0123456789abcdef", 4), std::string::npos) << name;
  std::set<std::string> names;
  for (int i = 0; i < 1000; ++i)
    names.insert(PodNetwork::HostVethName("sandbox-" + std::to_string(i)));
  EXPECT_EQ(names.size(), 1000u);
}

TEST(PodNetworkConfigTest, OpenRejectsBadConfigBeforeTouchingTheKernel) {
  PodNetworkConfig config;
  config.state_dir = ::testing::TempDir() + "sampan-net-never-created";
  config.pod_cidr = "10.42.0.0/24";
  config.cluster_cidr = "10.43.0.0/16";  // does not contain the pod CIDR
  EXPECT_EQ(PodNetwork::Open(config).status().code(), Code::kInvalid);
  config.cluster_cidr = "10.42.0.0/16";
  config.pod_cidr = "10.0.0.0/8";  // wider than the cluster
  EXPECT_EQ(PodNetwork::Open(config).status().code(), Code::kInvalid);
  config.pod_cidr = "10.42.0.5/24";  // host bits
  EXPECT_EQ(PodNetwork::Open(config).status().code(), Code::kInvalid);
  config.pod_cidr = "10.42.0.0/24";
  config.mtu = 100;
  EXPECT_EQ(PodNetwork::Open(config).status().code(), Code::kInvalid);
  config.mtu = 1500;
  config.bridge = "a-bridge-name-too-long";
  EXPECT_EQ(PodNetwork::Open(config).status().code(), Code::kInvalid);
  EXPECT_FALSE(std::filesystem::exists(config.state_dir));
}

TEST(FakePodNetworkTest, SameSandboxSameAddressUntilDetached) {
  testing::FakePodNetwork fake;
  PodNetwork& network = fake;
  auto a = network.Attach("a", "/proc/1/ns/net");
  auto b = network.Attach("b", "/proc/2/ns/net");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->ip, b->ip);
  EXPECT_EQ(network.Attach("a", "/proc/1/ns/net")->ip, a->ip);
  EXPECT_EQ(*network.AddressOf("b"), b->ip);
  fake.FailNext(Status::Unavailable("no free address"));
  EXPECT_EQ(network.Attach("c", "/proc/3/ns/net").status().code(), Code::kUnavailable);
  ASSERT_TRUE(network.ReleaseExcept({"b"}).ok());
  EXPECT_FALSE(network.AddressOf("a").has_value());
  ASSERT_TRUE(network.Detach("b").ok());
  EXPECT_TRUE(network.Allocations().empty());
  ASSERT_EQ(fake.calls().size(), 6u);
  EXPECT_EQ(fake.calls()[0], "attach a /proc/1/ns/net");
  EXPECT_EQ(fake.calls()[5], "detach b");
}

}  // namespace
}  // namespace sampan::net
