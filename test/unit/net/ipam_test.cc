// Ipam alone, on a temporary directory: order, persistence, idempotence, exhaustion, release.
#include "net/ipam.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace sampan::net {
namespace {

class IpamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sampan-ipam-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<Ipam> OpenIpam(const std::string& cidr = "10.42.0.0/24") {
    auto subnet = Ipv4Prefix::Parse(cidr);
    EXPECT_TRUE(subnet.ok()) << subnet.status().ToString();
    auto ipam = Ipam::Open(dir_, *subnet, subnet->address + 1);
    EXPECT_TRUE(ipam.ok()) << ipam.status().ToString();
    return ipam.ok() ? std::move(ipam).value() : nullptr;
  }
  static std::string Ip(Result<uint32_t> r) {
    return r.ok() ? FormatIpv4(*r) : "error: " + r.status().ToString();
  }

  std::string dir_;
};

TEST(Ipv4Test, ParsesAndRejects) {
  auto p = Ipv4Prefix::Parse("10.42.3.0/24");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ToString(), "10.42.3.0/24");
  EXPECT_EQ(FormatIpv4(p->Broadcast()), "10.42.3.255");
  EXPECT_TRUE(p->Contains(*ParseIpv4("10.42.3.7")));
  EXPECT_FALSE(p->Contains(*ParseIpv4("10.42.4.7")));
  EXPECT_FALSE(Ipv4Prefix::Parse("10.42.3.1/24").ok());  // host bits
  EXPECT_FALSE(Ipv4Prefix::Parse("10.42.3.0").ok());
  EXPECT_FALSE(Ipv4Prefix::Parse("10.42.3.0/33").ok());
  EXPECT_FALSE(Ipv4Prefix::Parse("10.42.300.0/24").ok());
  EXPECT_FALSE(Ipv4Prefix::Parse("10.42.3.0/2x").ok());
}

TEST_F(IpamTest, AllocatesInOrderSkippingNetworkAndGateway) {
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  EXPECT_EQ(Ip(ipam->Allocate("a")), "10.42.0.2");
  EXPECT_EQ(Ip(ipam->Allocate("b")), "10.42.0.3");
  EXPECT_EQ(Ip(ipam->Allocate("c")), "10.42.0.4");
  // The same owner gets its address back.
  EXPECT_EQ(Ip(ipam->Allocate("b")), "10.42.0.3");
  EXPECT_EQ(ipam->Allocations().size(), 3u);
  EXPECT_EQ(FormatIpv4(*ipam->AddressOf("c")), "10.42.0.4");
  EXPECT_FALSE(ipam->AddressOf("z").has_value());
  EXPECT_FALSE(ipam->Allocate("").ok());
  EXPECT_FALSE(ipam->Allocate("x\ny").ok());
}

TEST_F(IpamTest, OneFilePerAddressHoldingTheOwner) {
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  ASSERT_EQ(Ip(ipam->Allocate("sandbox-1")), "10.42.0.2");
  std::ifstream f(dir_ + "/10.42.0.2");
  std::string owner;
  std::getline(f, owner);
  EXPECT_EQ(owner, "sandbox-1");
}

TEST_F(IpamTest, PersistsAcrossReopen) {
  {
    auto ipam = OpenIpam();
    ASSERT_TRUE(ipam);
    ASSERT_EQ(Ip(ipam->Allocate("a")), "10.42.0.2");
    ASSERT_EQ(Ip(ipam->Allocate("b")), "10.42.0.3");
  }
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  EXPECT_EQ(Ip(ipam->Allocate("a")), "10.42.0.2");
  EXPECT_EQ(Ip(ipam->Allocate("b")), "10.42.0.3");
  // Round-robin continues after the last address handed out.
  EXPECT_EQ(Ip(ipam->Allocate("c")), "10.42.0.4");
}

TEST_F(IpamTest, ReleasedAddressIsNotReusedAtOnce) {
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  ASSERT_EQ(Ip(ipam->Allocate("a")), "10.42.0.2");
  ASSERT_EQ(Ip(ipam->Allocate("b")), "10.42.0.3");
  ASSERT_TRUE(ipam->Release("a").ok());
  EXPECT_TRUE(ipam->Release("a").ok());  // idempotent
  EXPECT_FALSE(ipam->AddressOf("a").has_value());
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/10.42.0.2"));
  EXPECT_EQ(Ip(ipam->Allocate("c")), "10.42.0.4");
  EXPECT_EQ(Ip(ipam->Allocate("a")), "10.42.0.5");
}

TEST_F(IpamTest, ExhaustionIsUnavailableAndWrapsAround) {
  // 10.42.0.0/29: .0 network, .1 gateway, .7 broadcast: .2 to .6 for pods.
  auto ipam = OpenIpam("10.42.0.0/29");
  ASSERT_TRUE(ipam);
  for (int i = 2; i <= 6; ++i) {
    EXPECT_EQ(Ip(ipam->Allocate("p" + std::to_string(i))), "10.42.0." + std::to_string(i));
  }
  auto full = ipam->Allocate("p7");
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.status().code(), Code::kUnavailable) << full.status().ToString();
  EXPECT_NE(full.status().message().find("10.42.0.0/29"), std::string::npos);
  ASSERT_TRUE(ipam->Release("p3").ok());
  EXPECT_EQ(Ip(ipam->Allocate("p7")), "10.42.0.3");  // wrapped around past .6
}

TEST_F(IpamTest, RejectsSubnetsWithoutRoom) {
  auto subnet = Ipv4Prefix::Parse("10.42.0.0/31");
  ASSERT_TRUE(subnet.ok());
  EXPECT_FALSE(Ipam::Open(dir_, *subnet, subnet->address + 1).ok());
}

TEST_F(IpamTest, ReleaseExceptKeepsLiveAndReclaimsOrphans) {
  {
    auto ipam = OpenIpam();
    ASSERT_TRUE(ipam);
    ASSERT_TRUE(ipam->Allocate("live-1").ok());
    ASSERT_TRUE(ipam->Allocate("dead-1").ok());
    ASSERT_TRUE(ipam->Allocate("live-2").ok());
  }
  // A crash between create and write leaves an empty file; an address outside the subnet is
  // from an older pod CIDR.
  std::ofstream(dir_ + "/10.42.0.9").close();
  std::ofstream(dir_ + "/10.99.0.5") << "old\n";
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/10.99.0.5"));
  auto all = ipam->Allocations();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[*ParseIpv4("10.42.0.9")], "");
  auto released = ipam->ReleaseExcept({"live-1", "live-2"});
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  EXPECT_EQ(released->size(), 2u);
  all = ipam->Allocations();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(Ip(ipam->Allocate("live-1")), "10.42.0.2");
  EXPECT_EQ(Ip(ipam->Allocate("live-2")), "10.42.0.4");
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/10.42.0.3"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/10.42.0.9"));
}

TEST_F(IpamTest, ConcurrentAllocationsAreDistinct) {
  auto ipam = OpenIpam();
  ASSERT_TRUE(ipam);
  std::vector<std::thread> threads;
  std::vector<uint32_t> got(40);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        auto r = ipam->Allocate("s" + std::to_string(t * 10 + i));
        got[t * 10 + i] = r.ok() ? *r : 0;
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<uint32_t> distinct(got.begin(), got.end());
  EXPECT_EQ(distinct.size(), 40u);
  EXPECT_EQ(distinct.count(0), 0u);
}

}  // namespace
}  // namespace sampan::net
