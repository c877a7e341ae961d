#include "net/bridge_network.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "net/links.h"
#include "net/netns.h"
#include "net/nftables.h"
#include "pkg/util/fs.h"
#include "pkg/util/log.h"

namespace sampan::net {
namespace {

const log::Logger kLog("net");
constexpr char kPodInterface[] = "eth0";

// IPv4 forwarding of the calling thread's namespace (/proc/sys/net follows the opener's).
Status EnableIpForwarding() {
  const std::string path = "/proc/sys/net/ipv4/ip_forward";
  auto current = ReadFileToString(path);
  if (current.ok() && current->rfind("1", 0) == 0) return Status::Ok();
  int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return Status::FromErrno(errno, "open " + path);
  ssize_t n = write(fd, "1\n", 2);
  int err = errno;
  close(fd);
  if (n != 2) return Status::FromErrno(err, "write " + path);
  return Status::Ok();
}

struct PodSide {
  std::string mac;
};

// Inside the sandbox's namespace: address, MTU and up for eth0, lo up, default route.
Status ConfigurePodSide(uint32_t address, int prefix_length, uint32_t gateway, unsigned mtu,
                        PodSide* out) {
  ASSIGN_OR_RETURN(NlSocket sock, OpenNetlinkSocket(NETLINK_ROUTE));
  ASSIGN_OR_RETURN(LinkInfo eth0, GetLink(sock.get(), kPodInterface));
  RETURN_IF_ERROR(ConfigureLink(sock.get(), "lo", 0, 0));
  RETURN_IF_ERROR(ConfigureLink(sock.get(), kPodInterface, 0, mtu));
  RETURN_IF_ERROR(AddAddress(sock.get(), eth0.ifindex, address, prefix_length));
  RETURN_IF_ERROR(ReplaceDefaultRoute(sock.get(), eth0.ifindex, gateway));
  out->mac = eth0.mac;
  return Status::Ok();
}

// eth0 in the sandbox's namespace, if it exists: NotFound otherwise.
Result<LinkInfo> PodInterface(int netns_fd) {
  LinkInfo info;
  Status st = RunInNetns(netns_fd, [&]() -> Status {
    ASSIGN_OR_RETURN(NlSocket sock, OpenNetlinkSocket(NETLINK_ROUTE));
    ASSIGN_OR_RETURN(info, GetLink(sock.get(), kPodInterface));
    return Status::Ok();
  });
  if (!st.ok()) return st;
  return info;
}

// Removes the IPAM files (named by address) and the round-robin hint, then the directory.
Status RemoveIpamState(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) {
    return errno == ENOENT ? Status::Ok() : Status::FromErrno(errno, "opendir " + dir);
  }
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) names.emplace_back(e->d_name);
  closedir(d);
  for (const std::string& name : names) {
    if (name != "last_reserved_ip" && !ParseIpv4(name)) continue;
    std::string path = dir + "/" + name;
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
      return Status::FromErrno(errno, "unlink " + path);
    }
  }
  if (rmdir(dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY) {
    return Status::FromErrno(errno, "rmdir " + dir);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<BridgeNetwork>> BridgeNetwork::Open(const PodNetworkConfig& config) {
  ASSIGN_OR_RETURN(Ipv4Prefix pod, Ipv4Prefix::Parse(config.pod_cidr));
  ASSIGN_OR_RETURN(Ipv4Prefix cluster, Ipv4Prefix::Parse(config.cluster_cidr));
  if (cluster.length < 1 || !cluster.Contains(pod.address) || pod.length < cluster.length) {
    return Status::Invalid("pod CIDR " + config.pod_cidr + " is not inside the cluster CIDR " +
                           config.cluster_cidr);
  }
  if (config.mtu < 576 || config.mtu > 65535) {
    return Status::Invalid("pod network MTU " + std::to_string(config.mtu) + " out of range");
  }
  if (config.bridge.empty() || config.bridge.size() > 15) {
    return Status::Invalid("bridge name \"" + config.bridge + "\" must have 1 to 15 characters");
  }
  const uint32_t gateway = pod.address + 1;
  ASSIGN_OR_RETURN(auto ipam, Ipam::Open(config.state_dir, pod, gateway));
  ASSIGN_OR_RETURN(NlSocket route, OpenNetlinkSocket(NETLINK_ROUTE));
  // A locally administered MAC made of the gateway address: stable across restarts and nodes'
  // bridges differ (0a:58 as other Kubernetes networks use for IP-derived MACs).
  const uint8_t mac[6] = {0x0a,
                          0x58,
                          static_cast<uint8_t>(gateway >> 24),
                          static_cast<uint8_t>(gateway >> 16),
                          static_cast<uint8_t>(gateway >> 8),
                          static_cast<uint8_t>(gateway)};
  auto bridge = EnsureBridge(route.get(), config.bridge, static_cast<unsigned>(config.mtu), mac);
  if (!bridge.ok()) return bridge.status().WithContext("pod network");
  RETURN_IF_ERROR(AddAddress(route.get(), *bridge, gateway, pod.length));
  RETURN_IF_ERROR(EnableIpForwarding());
  RETURN_IF_ERROR(InstallPodNatTable(config.nft_table, cluster));
  kLog.Info("pod network: bridge {} {}/{}, {} addresses in use, masquerading {}", config.bridge,
            FormatIpv4(gateway), pod.length, ipam->Allocations().size(), cluster.ToString());
  return std::unique_ptr<BridgeNetwork>(
      new BridgeNetwork(config, pod, std::move(route), std::move(ipam), *bridge));
}

Status BridgeNetwork::Uninstall(const PodNetworkConfig& config) {
  ASSIGN_OR_RETURN(NlSocket route, OpenNetlinkSocket(NETLINK_ROUTE));
  auto bridge = GetLink(route.get(), config.bridge);
  if (bridge.ok()) {
    ASSIGN_OR_RETURN(auto links, ListLinks(route.get()));
    for (const LinkInfo& l : links) {
      if (l.master == bridge->ifindex && l.kind == "veth") {
        RETURN_IF_ERROR(DeleteLink(route.get(), l.name));
      }
    }
    RETURN_IF_ERROR(DeleteLink(route.get(), config.bridge));
  } else if (!bridge.status().IsNotFound()) {
    return bridge.status();
  }
  RETURN_IF_ERROR(DeleteNftTable(config.nft_table));
  if (!config.state_dir.empty()) RETURN_IF_ERROR(RemoveIpamState(config.state_dir));
  kLog.Info("pod network: removed bridge {} and table ip {}", config.bridge, config.nft_table);
  return Status::Ok();
}

Result<PodAttachment> BridgeNetwork::Attach(const std::string& sandbox_id,
                                            const std::string& netns_path) {
  std::lock_guard<std::mutex> lock(mu_);
  auto ns = OpenNetns(netns_path);
  if (!ns.ok()) return ns.status().WithContext("attach sandbox " + sandbox_id);
  ASSIGN_OR_RETURN(uint32_t address, ipam_->Allocate(sandbox_id));
  const uint32_t gw = pod_cidr_.address + 1;
  const unsigned mtu = static_cast<unsigned>(config_.mtu);
  const std::string host = PodNetwork::HostVethName(sandbox_id);
  auto context = [&](const Status& st) {
    return st.WithContext("attach sandbox " + sandbox_id + " (" + host + ")");
  };

  // A pair from an earlier Attach is kept if its other end is this namespace's eth0.
  auto existing = GetLink(route_.get(), host);
  if (!existing.ok() && !existing.status().IsNotFound()) return context(existing.status());
  auto eth0 = PodInterface(ns->get());
  if (!eth0.ok() && !eth0.status().IsNotFound()) return context(eth0.status());
  bool paired = existing.ok() && eth0.ok() && eth0->peer == existing->ifindex &&
                existing->peer == eth0->ifindex;
  if (!paired) {
    if (eth0.ok()) {
      return context(Status::Conflict("the namespace " + netns_path +
                                      " already has an eth0 that is not ours"));
    }
    if (existing.ok()) {
      kLog.Warn("sandbox {}: replacing stale veth {}", sandbox_id, host);
      RETURN_IF_ERROR(context(DeleteLink(route_.get(), host)));
    }
    RETURN_IF_ERROR(context(CreateVethPair(route_.get(), host, kPodInterface, ns->get(), mtu)));
  }
  PodSide side;
  Status st = ConfigureLink(route_.get(), host, bridge_ifindex_, mtu);
  if (st.ok()) {
    auto info = GetLink(route_.get(), host);
    st = info.ok() ? SetHairpin(route_.get(), info->ifindex, true) : info.status();
  }
  if (st.ok()) {
    st = RunInNetns(ns->get(),
                    [&] { return ConfigurePodSide(address, pod_cidr_.length, gw, mtu, &side); });
  }
  if (!st.ok()) {
    // Leave no half-configured pair behind; the address stays reserved for the retry.
    Status cleanup = DeleteLink(route_.get(), host);
    if (!cleanup.ok()) kLog.Warn("sandbox {}: {}", sandbox_id, cleanup.ToString());
    return context(st);
  }
  kLog.Debug("sandbox {}: attached {} {}/{} via {}", sandbox_id, host, FormatIpv4(address),
             pod_cidr_.length, FormatIpv4(gw));
  return PodAttachment{FormatIpv4(address), pod_cidr_.length, FormatIpv4(gw), host, side.mac};
}

Status BridgeNetwork::Detach(const std::string& sandbox_id) {
  std::lock_guard<std::mutex> lock(mu_);
  const std::string host = PodNetwork::HostVethName(sandbox_id);
  // Deleting one end of a veth pair deletes the other (eth0 in the sandbox) as well.
  Status st = DeleteLink(route_.get(), host);
  if (!st.ok()) return st.WithContext("detach sandbox " + sandbox_id);
  st = ipam_->Release(sandbox_id);
  if (!st.ok()) return st.WithContext("detach sandbox " + sandbox_id);
  kLog.Debug("sandbox {}: detached {}", sandbox_id, host);
  return Status::Ok();
}

Status BridgeNetwork::ReleaseExcept(const std::set<std::string>& live_sandbox_ids) {
  std::lock_guard<std::mutex> lock(mu_);
  ASSIGN_OR_RETURN(auto released, ipam_->ReleaseExcept(live_sandbox_ids));
  std::set<std::string> keep;
  for (const std::string& id : live_sandbox_ids) keep.insert(PodNetwork::HostVethName(id));
  for (const std::string& id : released) {
    if (id.empty()) continue;
    std::string host = PodNetwork::HostVethName(id);
    if (keep.count(host) == 0) RETURN_IF_ERROR(DeleteLink(route_.get(), host));
  }
  ASSIGN_OR_RETURN(auto links, ListLinks(route_.get()));
  for (const LinkInfo& l : links) {
    if (l.master != bridge_ifindex_ || l.kind != "veth" || keep.count(l.name)) continue;
    kLog.Info("deleting veth {} of no live sandbox", l.name);
    RETURN_IF_ERROR(DeleteLink(route_.get(), l.name));
  }
  return Status::Ok();
}

std::optional<std::string> BridgeNetwork::AddressOf(const std::string& sandbox_id) const {
  auto a = ipam_->AddressOf(sandbox_id);
  if (!a) return std::nullopt;
  return FormatIpv4(*a);
}

std::map<std::string, std::string> BridgeNetwork::Allocations() const {
  std::map<std::string, std::string> out;
  for (const auto& [address, owner] : ipam_->Allocations()) out[FormatIpv4(address)] = owner;
  return out;
}

std::string BridgeNetwork::gateway() const { return FormatIpv4(pod_cidr_.address + 1); }

}  // namespace sampan::net
