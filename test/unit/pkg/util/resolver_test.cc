// Resolver tests send nothing beyond loopback: hosts-file lookups use lookups = "f", and DNS
// lookups go to a stub nameserver on 127.0.0.1 with the host's resolv.conf replaced.

#include "pkg/util/resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace sampan {
namespace {

using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

bool IsLoopback(const std::string& address) {
  return address == "::1" || address.rfind("127.", 0) == 0;
}

// A UDP nameserver on 127.0.0.1: answers A queries for one name with one address, AAAA
// queries for it with no data, other names with NXDOMAIN; or, if `silent`, never answers.
class StubNameserver {
 public:
  StubNameserver(std::string name, std::array<uint8_t, 4> address, bool silent = false)
      : name_(std::move(name)), address_(address), silent_(silent) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    stop_fd_ = eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { Serve(); });
  }
  ~StubNameserver() {
    uint64_t one = 1;
    EXPECT_EQ(write(stop_fd_, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
    thread_.join();
    close(fd_);
    close(stop_fd_);
  }

  std::string Address() const { return "127.0.0.1:" + std::to_string(port_); }
  int QueryCount() const { return queries_.load(); }

 private:
  void Serve() {
    while (true) {
      pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
      if (poll(fds, 2, -1) < 0 || fds[1].revents != 0) return;
      uint8_t query[512];
      sockaddr_in from{};
      socklen_t from_len = sizeof(from);
      ssize_t n =
          recvfrom(fd_, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
      if (n < 12) continue;
      ++queries_;
      if (silent_) continue;
      // Question: labels from offset 12, then type and class.
      size_t pos = 12;
      std::string qname;
      while (pos < static_cast<size_t>(n) && query[pos] != 0) {
        size_t len = query[pos];
        if (!qname.empty()) qname += '.';
        qname.append(reinterpret_cast<char*>(query + pos + 1), len);
        pos += len + 1;
      }
      pos += 1;
      if (pos + 4 > static_cast<size_t>(n)) continue;
      uint16_t qtype = static_cast<uint16_t>(query[pos] << 8 | query[pos + 1]);
      size_t question_end = pos + 4;
      bool match = qname == name_;
      bool answer = match && qtype == 1;

      std::vector<uint8_t> reply(query, query + question_end);
      reply[2] = 0x80 | (query[2] & 0x01);  // QR, copy RD
      reply[3] = match ? 0x80 : 0x83;       // RA; NOERROR or NXDOMAIN
      reply[4] = 0, reply[5] = 1;           // QDCOUNT
      reply[6] = 0, reply[7] = answer ? 1 : 0;
      reply[8] = reply[9] = reply[10] = reply[11] = 0;
      if (answer) {
        const uint8_t rr[] = {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4};
        reply.insert(reply.end(), std::begin(rr), std::end(rr));
        reply.insert(reply.end(), address_.begin(), address_.end());
      }
      sendto(fd_, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    }
  }

  std::string name_;
  std::array<uint8_t, 4> address_;
  bool silent_;
  int fd_ = -1;
  int stop_fd_ = -1;
  int port_ = 0;
  std::atomic<int> queries_{0};
  std::thread thread_;
};

class ResolverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/resolver_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << content;
    return path;
  }

  // DNS only, to `server`, with an empty resolv.conf instead of the host's.
  ResolverOptions DnsOptions(const std::string& server) {
    ResolverOptions options;
    options.lookups = "b";
    options.resolv_conf = WriteFile("resolv.conf", "options ndots:1 attempts:1\n");
    options.servers = {server};
    return options;
  }

  std::string dir_;
};

TEST_F(ResolverTest, LiteralAddressesNeedNoLookup) {
  ResolverOptions options;
  options.lookups = "f";
  options.hosts_file = dir_ + "/absent";
  EXPECT_EQ(*ResolveHost("127.0.0.1", 1s, options), Strings{"127.0.0.1"});
  EXPECT_EQ(*ResolveHost("10.43.0.10", 1s, options), Strings{"10.43.0.10"});
  EXPECT_EQ(*ResolveHost("0:0::1", 1s, options), Strings{"::1"});
  EXPECT_EQ(*ResolveHost("[fd00::a]", 1s, options), Strings{"fd00::a"});

  options.family = AddressFamily::kIPv6;
  Result<Strings> wrong = ResolveHost("127.0.0.1", 1s, options);
  EXPECT_TRUE(wrong.status().IsNotFound()) << wrong.status().ToString();
}

TEST_F(ResolverTest, LocalhostFromTheSystemHostsFileOnly) {
  ResolverOptions options;
  options.lookups = "f";  // /etc/hosts through c-ares; never DNS
  Result<Strings> got = ResolveHost("localhost", 2s, options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_FALSE(got->empty());
  for (const std::string& address : *got) EXPECT_TRUE(IsLoopback(address)) << address;

  options.family = AddressFamily::kIPv4;
  got = ResolveHost("localhost", 2s, options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->front(), "127.0.0.1");
}

TEST_F(ResolverTest, UnknownNameFailsCleanlyWithoutDns) {
  ResolverOptions options;
  options.lookups = "f";
  Result<Strings> got = ResolveHost("no-such-host.invalid", 2s, options);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsNotFound()) << got.status().ToString();
  EXPECT_NE(got.status().message().find("no-such-host.invalid"), std::string::npos);
}

TEST_F(ResolverTest, CustomHostsFile) {
  ResolverOptions options;
  options.lookups = "f";
  options.hosts_file = WriteFile("hosts",
                                 "# test hosts\n"
                                 "127.0.0.5  node-a node-a.example  # first\n"
                                 "::1        node-a\n"
                                 "127.0.0.5  node-a\n"
                                 "10.9.9.9   other\n"
                                 "not-an-ip  node-a\n");
  Result<Strings> got = ResolveHost("NODE-A", 1s, options);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, (Strings{"127.0.0.5", "::1"}));

  options.family = AddressFamily::kIPv6;
  EXPECT_EQ(*ResolveHost("node-a", 1s, options), Strings{"::1"});
  options.family = AddressFamily::kAny;
  EXPECT_EQ(*ResolveHost("node-a.example", 1s, options), Strings{"127.0.0.5"});
  EXPECT_TRUE(ResolveHost("no-such-host.invalid", 1s, options).status().IsNotFound());
  // RFC 6761: localhost is loopback even if the file does not say so.
  EXPECT_EQ(*ResolveHost("localhost", 1s, options), (Strings{"127.0.0.1", "::1"}));
}

TEST_F(ResolverTest, DnsThroughStubNameserver) {
  StubNameserver stub("node-b.test", {127, 0, 0, 7});
  Result<Strings> got = ResolveHost("node-b.test", 5s, DnsOptions(stub.Address()));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Strings{"127.0.0.7"});
  EXPECT_GE(stub.QueryCount(), 1);
}

TEST_F(ResolverTest, DnsNxdomainIsNotFound) {
  StubNameserver stub("node-b.test", {127, 0, 0, 7});
  Result<Strings> got = ResolveHost("missing.test", 5s, DnsOptions(stub.Address()));
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(got.status().IsNotFound()) << got.status().ToString();
}

TEST_F(ResolverTest, HostsFileThenDns) {
  StubNameserver stub("node-b.test", {127, 0, 0, 7});
  ResolverOptions options = DnsOptions(stub.Address());
  options.lookups = "fb";
  options.hosts_file = WriteFile("hosts", "127.0.0.8 node-c.test\n");
  EXPECT_EQ(*ResolveHost("node-c.test", 5s, options), Strings{"127.0.0.8"});
  EXPECT_EQ(stub.QueryCount(), 0);
  EXPECT_EQ(*ResolveHost("node-b.test", 5s, options), Strings{"127.0.0.7"});
}

TEST_F(ResolverTest, SilentNameserverTimesOut) {
  StubNameserver stub("node-b.test", {127, 0, 0, 7}, /*silent=*/true);
  Result<Strings> got = ResolveHost("node-b.test", 200ms, DnsOptions(stub.Address()));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), Code::kUnavailable) << got.status().ToString();
  EXPECT_NE(got.status().message().find("timed out"), std::string::npos);
}

TEST_F(ResolverTest, BadInputIsInvalid) {
  ResolverOptions options;
  options.lookups = "f";
  EXPECT_EQ(ResolveHost("", 1s, options).status().code(), Code::kInvalid);
  EXPECT_EQ(ResolveHost(std::string(300, 'a'), 1s, options).status().code(), Code::kInvalid);
  options.lookups = "x";
  EXPECT_EQ(ResolveHost("localhost", 1s, options).status().code(), Code::kInvalid);
  ResolverOptions bad_server = DnsOptions("not-an-address");
  EXPECT_EQ(ResolveHost("node.test", 1s, bad_server).status().code(), Code::kInvalid);
}

}  // namespace
}  // namespace sampan
