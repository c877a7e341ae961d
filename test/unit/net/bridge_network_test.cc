// BridgeNetwork (PodNetwork::Open) on the real kernel. Never touches the host's network: every test
// moves its thread into a network namespace of its own (the "node"), and the pods and the "outside"
// host are child processes in namespaces of their own. Everything created dies with those
// namespaces (the fixture also kills the children and restores the thread's namespace). Needs root.
#include "net/bridge_network.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/netns.h"
#include "net/nftables.h"
#include "pkg/util/unique_fd.h"

namespace sampan::net {
namespace {

// Runs a shell command in the calling thread's namespace; returns its exit status.
int Sh(const std::string& cmd, std::string* output = nullptr) {
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  size_t n;
  std::string out;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  if (output) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Output(const std::string& cmd) {
  std::string out;
  Sh(cmd, &out);
  return out;
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

// A child process sleeping in a new network namespace: a stand-in for a pod sandbox.
class NetnsProcess {
 public:
  NetnsProcess() {
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) return;
    pid_t pid = fork();
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      char ok = unshare(CLONE_NEWNET) == 0 ? '1' : '0';
      if (write(ready[1], &ok, 1) != 1) _exit(1);
      for (;;) pause();
    }
    close(ready[1]);
    char ok = '0';
    if (pid > 0 && read(ready[0], &ok, 1) == 1 && ok == '1') pid_ = pid;
    close(ready[0]);
    if (pid > 0 && pid_ < 0) Kill();
  }
  ~NetnsProcess() { Kill(); }
  bool ok() const { return pid_ > 0; }
  std::string path() const { return "/proc/" + std::to_string(pid_) + "/ns/net"; }
  std::string Nsenter() const { return "nsenter --net=" + path() + " "; }
  void Kill() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

sockaddr_in Addr(const std::string& ip, int port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  return a;
}

// A TCP socket created in the namespace at `netns_path` ("" = the calling thread's).
UniqueFd TcpSocket(const std::string& netns_path) {
  UniqueFd fd;
  auto make = [&] {
    fd.Reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    timeval tv{5, 0};
    setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd.valid() ? Status::Ok() : Status::FromErrno(errno, "socket");
  };
  if (netns_path.empty()) {
    (void)make();
    return fd;
  }
  auto ns = OpenNetns(netns_path);
  if (ns.ok()) (void)RunInNetns(ns->get(), make);
  return fd;
}

UniqueFd Listen(const std::string& netns_path, const std::string& ip, int port) {
  UniqueFd fd = TcpSocket(netns_path);
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a = Addr(ip, port);
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd.get(), 4) != 0) {
    ADD_FAILURE() << "listen on " << ip << ":" << port << ": " << strerror(errno);
    fd.Reset();
  }
  return fd;
}

// Connects from a socket made in `from_netns` to ip:port, sends a byte through the accepted
// connection and back; returns the source address the listener saw ("" on failure).
std::string RoundTrip(const std::string& from_netns, int listener, const std::string& ip,
                      int port) {
  UniqueFd client = TcpSocket(from_netns);
  sockaddr_in a = Addr(ip, port);
  if (connect(client.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ADD_FAILURE() << "connect to " << ip << ":" << port << ": " << strerror(errno);
    return "";
  }
  pollfd p{listener, POLLIN, 0};
  if (poll(&p, 1, 5000) != 1) {
    ADD_FAILURE() << "no connection arrived at " << ip << ":" << port;
    return "";
  }
  sockaddr_in peer{};
  socklen_t len = sizeof peer;
  UniqueFd conn(accept4(listener, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC));
  char c = 'x';
  if (!conn.valid() || write(client.get(), &c, 1) != 1 || read(conn.get(), &c, 1) != 1 ||
      write(conn.get(), &c, 1) != 1 || read(client.get(), &c, 1) != 1 || c != 'x') {
    ADD_FAILURE() << "no data through the connection to " << ip << ":" << port;
    return "";
  }
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &peer.sin_addr, buf, sizeof buf);
  return buf;
}

class PodNetworkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces)";
    ASSERT_EQ(Sh("command -v nft && command -v ip && command -v bridge && command -v nsenter"), 0)
        << "the real-kernel tests need nft, ip, bridge and nsenter (scripts/deps.sh)";
    auto original = OpenCurrentNetns();
    ASSERT_TRUE(original.ok()) << original.status().ToString();
    original_ = std::move(original).value();
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << "unshare(CLONE_NEWNET): " << strerror(errno);
    in_node_ = true;
    char tmpl[] = "/tmp/sampan-net-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    config_.state_dir = dir_ + "/net";
    config_.pod_cidr = "10.42.0.0/24";
    config_.cluster_cidr = "10.42.0.0/16";
  }
  void TearDown() override {
    if (in_node_) {
      EXPECT_EQ(setns(original_.get(), CLONE_NEWNET), 0) << strerror(errno);
    }
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<PodNetwork> OpenNetwork() {
    auto network = PodNetwork::Open(config_);
    EXPECT_TRUE(network.ok()) << network.status().ToString();
    return network.ok() ? std::move(network).value() : nullptr;
  }

  UniqueFd original_;
  bool in_node_ = false;
  std::string dir_;
  PodNetworkConfig config_;
};

TEST_F(PodNetworkTest, OpenSetsUpBridgeForwardingAndMasquerade) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  EXPECT_EQ(network->gateway(), "10.42.0.1");
  std::string bridge = Output("ip -d -o link show sampan0");
  EXPECT_NE(bridge.find("bridge"), std::string::npos) << bridge;
  EXPECT_NE(bridge.find(",UP"), std::string::npos) << bridge;
  EXPECT_NE(Output("ip -4 -o addr show dev sampan0").find("inet 10.42.0.1/24"), std::string::npos);
  EXPECT_EQ(Output("cat /proc/sys/net/ipv4/ip_forward"), "1\n");
  std::string table;
  ASSERT_EQ(Sh("nft list table ip sampan", &table), 0) << table;
  EXPECT_NE(table.find("type nat hook postrouting priority srcnat; policy accept;"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("ip saddr 10.42.0.0/16 ip daddr != 10.42.0.0/16 masquerade"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("type filter hook forward priority filter; policy accept;"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("ip saddr 10.42.0.0/16 accept"), std::string::npos) << table;
  EXPECT_NE(table.find("ip daddr 10.42.0.0/16 accept"), std::string::npos) << table;
}

TEST_F(PodNetworkTest, DoesNotAdoptALinkThatIsNotABridge) {
  // A link of another kind in the bridge's name is not adopted.
  ASSERT_EQ(Sh("ip link add sampan0 type veth peer name notabridge"), 0);
  auto conflict = PodNetwork::Open(config_);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), Code::kConflict) << conflict.status().ToString();
}

TEST_F(PodNetworkTest, PodsGetAddressRouteAndTalkToEachOtherAndTheNode) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  NetnsProcess pod_a, pod_b;
  ASSERT_TRUE(pod_a.ok() && pod_b.ok());
  auto a = network->Attach("sandbox-a", pod_a.path());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto b = network->Attach("sandbox-b", pod_b.path());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(a->ip, "10.42.0.2");
  EXPECT_EQ(b->ip, "10.42.0.3");
  EXPECT_EQ(a->prefix_length, 24);
  EXPECT_EQ(a->gateway, "10.42.0.1");
  EXPECT_EQ(a->host_veth, PodNetwork::HostVethName("sandbox-a"));
  EXPECT_EQ(*network->AddressOf("sandbox-b"), "10.42.0.3");

  // Inside the pod: eth0 with the address, up, the MAC reported; lo up; default route.
  std::string eth0 = Output(pod_a.Nsenter() + "ip -o link show eth0");
  EXPECT_NE(eth0.find(",UP"), std::string::npos) << eth0;
  EXPECT_NE(eth0.find("mtu 1500"), std::string::npos) << eth0;
  ASSERT_FALSE(a->mac.empty());
  EXPECT_NE(eth0.find("link/ether " + a->mac), std::string::npos) << eth0 << " vs " << a->mac;
  EXPECT_NE(Output(pod_a.Nsenter() + "ip -4 -o addr show dev eth0").find("inet 10.42.0.2/24"),
            std::string::npos);
  EXPECT_NE(Output(pod_a.Nsenter() + "ip -o link show lo").find(",UP"), std::string::npos);
  std::string route = Output(pod_a.Nsenter() + "ip -4 route show default");
  EXPECT_NE(route.find("default via 10.42.0.1 dev eth0"), std::string::npos) << route;

  // On the node: the host end is a port of the bridge, up, with hairpin mode on.
  std::string port = Output("bridge -d link show dev " + a->host_veth);
  EXPECT_NE(port.find("master sampan0"), std::string::npos) << port;
  EXPECT_NE(port.find("hairpin on"), std::string::npos) << port;
  EXPECT_NE(Output("ip -o link show " + a->host_veth).find(",UP"), std::string::npos);
  // The bridge keeps its own fixed MAC (made of the gateway address) with ports attached.
  EXPECT_NE(Output("ip -o link show sampan0").find("link/ether 0a:58:0a:2a:00:01"),
            std::string::npos);

  // Pod to pod, over the bridge.
  UniqueFd in_b = Listen(pod_b.path(), "10.42.0.3", 8080);
  ASSERT_TRUE(in_b.valid());
  EXPECT_EQ(RoundTrip(pod_a.path(), in_b.get(), "10.42.0.3", 8080), "10.42.0.2");
  // Node to pod (the node's address on the bridge is the gateway).
  UniqueFd in_a = Listen(pod_a.path(), "10.42.0.2", 8081);
  ASSERT_TRUE(in_a.valid());
  EXPECT_EQ(RoundTrip("", in_a.get(), "10.42.0.2", 8081), "10.42.0.1");
  // Pod to node, through the gateway.
  UniqueFd on_node = Listen("", "10.42.0.1", 8082);
  ASSERT_TRUE(on_node.valid());
  EXPECT_EQ(RoundTrip(pod_b.path(), on_node.get(), "10.42.0.1", 8082), "10.42.0.3");
}

TEST_F(PodNetworkTest, AttachIsIdempotentAndConcurrentAttachesGetDistinctAddresses) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  std::vector<std::unique_ptr<NetnsProcess>> pods;
  for (int i = 0; i < 4; ++i) {
    pods.push_back(std::make_unique<NetnsProcess>());
    ASSERT_TRUE(pods.back()->ok());
  }
  std::vector<Result<PodAttachment>> results(4, Status::Internal("not run"));
  std::vector<std::thread> workers;
  for (int i = 0; i < 4; ++i) {
    workers.emplace_back(
        [&, i] { results[i] = network->Attach("sandbox-" + std::to_string(i), pods[i]->path()); });
  }
  for (auto& w : workers) w.join();
  std::set<std::string> ips;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ips.insert(r->ip);
  }
  EXPECT_EQ(ips.size(), 4u);
  // A retry returns the same attachment and keeps the pair (same MAC, same ifindex).
  std::string before = Output("ip -o link show " + results[0]->host_veth);
  auto again = network->Attach("sandbox-0", pods[0]->path());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->ip, results[0]->ip);
  EXPECT_EQ(again->mac, results[0]->mac);
  EXPECT_EQ(Output("ip -o link show " + results[0]->host_veth), before);
  EXPECT_EQ(network->Allocations().size(), 4u);
  // A retry after the pod side was lost (eth0 deleted) rebuilds the pair with the same IP.
  ASSERT_EQ(Sh(pods[1]->Nsenter() + "ip link del eth0"), 0);
  auto rebuilt = network->Attach("sandbox-1", pods[1]->path());
  ASSERT_TRUE(rebuilt.ok()) << rebuilt.status().ToString();
  EXPECT_EQ(rebuilt->ip, results[1]->ip);
  EXPECT_NE(Output(pods[1]->Nsenter() + "ip -4 -o addr show dev eth0").find(rebuilt->ip + "/24"),
            std::string::npos);
  // A namespace that is gone is NotFound, and nothing is allocated for it.
  auto gone = network->Attach("sandbox-x", "/proc/999999999/ns/net");
  EXPECT_TRUE(gone.status().IsNotFound()) << gone.status().ToString();
  EXPECT_FALSE(network->AddressOf("sandbox-x").has_value());
}

TEST_F(PodNetworkTest, ExhaustedSubnetAndForeignEth0AreErrorsWithoutLeftovers) {
  config_.pod_cidr = "10.42.0.0/30";  // .1 gateway, .2 the only pod address
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  NetnsProcess first, second, foreign;
  ASSERT_TRUE(first.ok() && second.ok() && foreign.ok());
  ASSERT_TRUE(network->Attach("first", first.path()).ok());
  auto full = network->Attach("second", second.path());
  EXPECT_EQ(full.status().code(), Code::kUnavailable) << full.status().ToString();
  EXPECT_NE(Sh("ip link show " + PodNetwork::HostVethName("second")), 0);
  EXPECT_NE(Sh(second.Nsenter() + "ip link show eth0"), 0);
  ASSERT_TRUE(network->Detach("first").ok());
  // A namespace that already has an eth0 of its own is not taken over.
  ASSERT_EQ(Sh(foreign.Nsenter() + "ip link add eth0 type veth peer name other0"), 0);
  auto conflict = network->Attach("foreign", foreign.path());
  EXPECT_EQ(conflict.status().code(), Code::kConflict) << conflict.status().ToString();
  EXPECT_NE(conflict.status().message().find("eth0"), std::string::npos);
  EXPECT_NE(Sh("ip link show " + PodNetwork::HostVethName("foreign")), 0);
  EXPECT_EQ(Output(foreign.Nsenter() + "ip -o -4 addr show dev eth0"), "");
}

TEST_F(PodNetworkTest, DetachRemovesVethAndReleasesAddress) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  NetnsProcess pod;
  ASSERT_TRUE(pod.ok());
  auto a = network->Attach("sandbox-a", pod.path());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(Sh("ip link show " + a->host_veth), 0);
  ASSERT_TRUE(network->Detach("sandbox-a").ok());
  EXPECT_NE(Sh("ip link show " + a->host_veth), 0);
  EXPECT_NE(Sh(pod.Nsenter() + "ip link show eth0"), 0);
  EXPECT_TRUE(network->Allocations().empty());
  EXPECT_FALSE(network->AddressOf("sandbox-a").has_value());
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir + "/" + a->ip));
  EXPECT_TRUE(network->Detach("sandbox-a").ok());  // idempotent
}

TEST_F(PodNetworkTest, DetachAfterTheNamespaceIsGone) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  NetnsProcess pod;
  ASSERT_TRUE(pod.ok());
  auto a = network->Attach("sandbox-a", pod.path());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  pod.Kill();
  Status st = network->Detach("sandbox-a");
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_NE(Sh("ip link show " + a->host_veth), 0);
  EXPECT_TRUE(network->Allocations().empty());
}

TEST_F(PodNetworkTest, SecondOpenAdoptsAndReleaseExceptCleansUp) {
  std::string bridge_before, veth_live, veth_dead;
  {
    auto network = OpenNetwork();
    ASSERT_TRUE(network);
    bridge_before = Output("ip -o link show sampan0");
  }
  NetnsProcess live, dead;
  ASSERT_TRUE(live.ok() && dead.ok());
  {
    auto network = OpenNetwork();  // a restart before any pod
    ASSERT_TRUE(network);
    auto a = network->Attach("live", live.path());
    auto b = network->Attach("dead", dead.path());
    ASSERT_TRUE(a.ok() && b.ok());
    veth_live = a->host_veth;
    veth_dead = b->host_veth;
  }
  auto network = OpenNetwork();  // a restart with pods running
  ASSERT_TRUE(network);
  // The same bridge (same ifindex), one copy of each rule, the allocations kept.
  std::string bridge_after = Output("ip -o link show sampan0");
  EXPECT_EQ(bridge_after.substr(0, bridge_after.find(':')),
            bridge_before.substr(0, bridge_before.find(':')));
  EXPECT_EQ(Count(Output("ip -4 -o addr show dev sampan0"), "inet "), 1u);
  EXPECT_EQ(Count(Output("nft list ruleset"), "masquerade"), 1u);
  EXPECT_EQ(Count(Output("nft list ruleset"), "table ip sampan"), 1u);
  EXPECT_EQ(*network->AddressOf("live"), "10.42.0.2");
  EXPECT_EQ(*network->AddressOf("dead"), "10.42.0.3");
  // A veth on the bridge that no sandbox owns (e.g. a crash between create and persist).
  ASSERT_EQ(Sh("ip link add vethdeadbeef type veth peer name stray1 && "
               "ip link set vethdeadbeef master sampan0"),
            0);
  Status st = network->ReleaseExcept({"live"});
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(network->Allocations().size(), 1u);
  EXPECT_FALSE(network->AddressOf("dead").has_value());
  EXPECT_EQ(Sh("ip link show " + veth_live), 0);
  EXPECT_NE(Sh("ip link show " + veth_dead), 0);
  EXPECT_NE(Sh("ip link show vethdeadbeef"), 0);
  // The live pod still works after all this.
  UniqueFd in_live = Listen(live.path(), "10.42.0.2", 8080);
  ASSERT_TRUE(in_live.valid());
  EXPECT_EQ(RoundTrip("", in_live.get(), "10.42.0.2", 8080), "10.42.0.1");
}

TEST_F(PodNetworkTest, TrafficLeavingTheClusterIsMasqueraded) {
  auto network = OpenNetwork();
  ASSERT_TRUE(network);
  NetnsProcess pod, outside;
  ASSERT_TRUE(pod.ok() && outside.ok());
  // The "outside" host: 192.0.2.2 on a link to the node (192.0.2.1); it has no route to the
  // pod CIDR, so only a masqueraded connection can be answered.
  std::string out;
  ASSERT_EQ(Sh("ip link add out0 type veth peer name out1 netns " + outside.path() +
                   " && ip addr add 192.0.2.1/24 dev out0 && ip link set out0 up && " +
                   outside.Nsenter() + "ip addr add 192.0.2.2/24 dev out1 && " + outside.Nsenter() +
                   "ip link set out1 up",
               &out),
            0)
      << out;
  auto a = network->Attach("sandbox-a", pod.path());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  UniqueFd listener = Listen(outside.path(), "192.0.2.2", 9000);
  ASSERT_TRUE(listener.valid());
  EXPECT_EQ(RoundTrip(pod.path(), listener.get(), "192.0.2.2", 9000), "192.0.2.1");
}

TEST_F(PodNetworkTest, NftablesErrorsNameTheFailingMessage) {
  auto cluster = Ipv4Prefix::Parse("10.42.0.0/16");
  ASSERT_TRUE(cluster.ok());
  Status st = InstallPodNatTable(std::string(300, 't'), *cluster);  // name too long
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nftables: add table ip ttt"), std::string::npos) << st.ToString();
  EXPECT_NE(Sh("nft list tables | grep -q ."), 0);  // nothing half-installed
  EXPECT_TRUE(DeleteNftTable("sampan").ok());       // absent: still OK
}

TEST_F(PodNetworkTest, UninstallRemovesEverything) {
  NetnsProcess pod;
  ASSERT_TRUE(pod.ok());
  std::string veth;
  {
    auto network = OpenNetwork();
    ASSERT_TRUE(network);
    auto a = network->Attach("sandbox-a", pod.path());
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    veth = a->host_veth;
  }
  Status st = PodNetwork::Uninstall(config_);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_NE(Sh("ip link show sampan0"), 0);
  EXPECT_NE(Sh("ip link show " + veth), 0);
  EXPECT_NE(Sh(pod.Nsenter() + "ip link show eth0"), 0);
  EXPECT_NE(Sh("nft list table ip sampan"), 0);
  EXPECT_FALSE(std::filesystem::exists(config_.state_dir));
  st = PodNetwork::Uninstall(config_);  // nothing left: still OK
  EXPECT_TRUE(st.ok()) << st.ToString();
}

}  // namespace
}  // namespace sampan::net
