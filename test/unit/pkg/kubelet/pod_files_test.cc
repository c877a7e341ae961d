#include "pkg/kubelet/pod_files.h"

#include <gtest/gtest.h>

namespace sampan::kubelet {
namespace {

using api::Json;

Json Pod(Json spec) {
  return {{"metadata", {{"name", "web-0"}, {"namespace", "shop"}}}, {"spec", std::move(spec)}};
}

const char kHostResolv[] = "# host\nnameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch lan\n";

TEST(PodFilesTest, ClusterFirstUsesClusterDnsAndSearchPath) {
  DnsSettings dns;
  Result<std::string> text = ResolvConf(Pod(Json::object()), dns, kHostResolv);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text,
            "nameserver 10.43.0.10\n"
            "search shop.svc.cluster.local svc.cluster.local cluster.local lan\n"
            "options ndots:5\n");
}

TEST(PodFilesTest, DefaultAndHostNetworkUseTheNodesResolver) {
  DnsSettings dns;
  std::string expected = "nameserver 192.168.1.1\nnameserver 192.168.1.2\nsearch lan\n";
  EXPECT_EQ(*ResolvConf(Pod({{"dnsPolicy", "Default"}}), dns, kHostResolv), expected);
  EXPECT_EQ(*ResolvConf(Pod({{"hostNetwork", true}}), dns, kHostResolv), expected);
  // ClusterFirstWithHostNet keeps the cluster DNS for host-network pods.
  Result<std::string> with = ResolvConf(
      Pod({{"hostNetwork", true}, {"dnsPolicy", "ClusterFirstWithHostNet"}}), dns, kHostResolv);
  EXPECT_EQ(with->substr(0, 22), "nameserver 10.43.0.10\n");
}

TEST(PodFilesTest, NoneTakesOnlyDnsConfigAndOptionsMerge) {
  DnsSettings dns;
  Json spec = {{"dnsPolicy", "None"},
               {"dnsConfig",
                {{"nameservers", {"1.1.1.1"}},
                 {"searches", {"a.example"}},
                 {"options", {{{"name", "ndots"}, {"value", "2"}}, {{"name", "edns0"}}}}}}};
  EXPECT_EQ(*ResolvConf(Pod(spec), dns, kHostResolv),
            "nameserver 1.1.1.1\nsearch a.example\noptions ndots:2 edns0\n");
  Json merged = {{"dnsConfig", {{"options", {{{"name", "ndots"}, {"value", "1"}}}}}}};
  EXPECT_NE(ResolvConf(Pod(merged), dns, kHostResolv)->find("options ndots:1\n"),
            std::string::npos);
  EXPECT_FALSE(ResolvConf(Pod({{"dnsPolicy", "Bogus"}}), dns, kHostResolv).ok());
}

TEST(PodFilesTest, HostsFileHasThePodsNamesAndAliases) {
  Json spec = {{"hostname", "db"},
               {"subdomain", "backend"},
               {"hostAliases", {{{"ip", "10.1.2.3"}, {"hostnames", {"foo.local", "bar"}}}}}};
  std::string hosts = HostsFile(Pod(spec), "10.42.0.7", "cluster.local");
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.42.0.7\tdb.backend.shop.svc.cluster.local\tdb\n"), std::string::npos);
  EXPECT_NE(hosts.find("# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar\n"),
            std::string::npos);
  EXPECT_NE(HostsFile(Pod(Json::object()), "10.42.0.8", "cluster.local").find("10.42.0.8\tweb-0\n"),
            std::string::npos);
}

TEST(PodFilesTest, HostnameIsCutTo63Characters) {
  std::string long_name(70, 'a');
  long_name[62] = '-';
  Json pod = {{"metadata", {{"name", long_name}}}, {"spec", Json::object()}};
  EXPECT_EQ(PodHostname(pod), std::string(62, 'a'));
}

}  // namespace
}  // namespace sampan::kubelet
