#include "pkg/controllers/nodeipam/nodeipam_controller.h"

#include "pkg/api/builtin_resources.h"
#include <arpa/inet.h>
#include <fmt/format.h>

#include <chrono>

namespace sampan::controllers {
namespace {

using api::Json;

const log::Logger kLog("controller");

using api::builtin::Nodes;

std::string PodCidrOf(const Json& node) {
  const Json* spec = api::Find(node, "spec");
  return spec ? api::GetString(*spec, "podCIDR") : "";
}

}  // namespace

Result<std::unique_ptr<NodeIpamController>> NodeIpamController::New(client::Client& client,
                                                                    const std::string& cluster_cidr,
                                                                    int mask_size) {
  size_t slash = cluster_cidr.find('/');
  in_addr addr{};
  if (slash == std::string::npos ||
      inet_pton(AF_INET, cluster_cidr.substr(0, slash).c_str(), &addr) != 1) {
    return Status::Invalid(fmt::format("cluster CIDR \"{}\" is not an IPv4 CIDR", cluster_cidr));
  }
  int bits = std::atoi(cluster_cidr.c_str() + slash + 1);
  if (bits < 8 || bits > mask_size || mask_size > 30) {
    return Status::Invalid(
        fmt::format("cluster CIDR \"{}\" cannot hold /{} node ranges", cluster_cidr, mask_size));
  }
  uint32_t base = ntohl(addr.s_addr) & (bits == 0 ? 0 : ~uint32_t{0} << (32 - bits));
  return std::unique_ptr<NodeIpamController>(new NodeIpamController(client, base, bits, mask_size));
}

NodeIpamController::NodeIpamController(client::Client& client, uint32_t base, int cluster_bits,
                                       int mask_size)
    : client_(client),
      base_(base),
      cluster_bits_(cluster_bits),
      mask_size_(mask_size),
      nodes_(client, Nodes()),
      runner_("nodeipam", [this](const std::string& key) { return Sync(key); }) {
  auto seen = [this](const client::ObjectPtr& node) {
    int64_t index = IndexOf(PodCidrOf(*node));
    if (index >= 0) {
      std::lock_guard<std::mutex> lock(mu_);
      used_.insert(static_cast<uint32_t>(index));
    }
    runner_.queue().Add(client::ObjectKey(*node));
  };
  nodes_.AddHandlers(
      {seen, [seen](const client::ObjectPtr&, const client::ObjectPtr& n) { seen(n); },
       [this](const client::ObjectPtr& node) {
         int64_t index = IndexOf(PodCidrOf(*node));
         std::lock_guard<std::mutex> lock(mu_);
         if (index >= 0) used_.erase(static_cast<uint32_t>(index));
         assigned_.erase(api::GetString(api::ObjectField(*node, "metadata"), "name"));
       }});
}

NodeIpamController::~NodeIpamController() { Stop(); }

void NodeIpamController::Start() {
  nodes_.Start();
  // Every existing node's CIDR must be known before one is handed out.
  nodes_.WaitForSync(std::chrono::seconds(30));
  runner_.Start();
}

void NodeIpamController::Stop() {
  runner_.Stop();
  nodes_.Stop();
}

std::string NodeIpamController::Format(uint32_t index) const {
  uint32_t ip = base_ + (index << (32 - mask_size_));
  return fmt::format("{}.{}.{}.{}/{}", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255,
                     mask_size_);
}

int64_t NodeIpamController::IndexOf(const std::string& cidr) const {
  size_t slash = cidr.find('/');
  in_addr addr{};
  if (slash == std::string::npos || inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1 ||
      std::atoi(cidr.c_str() + slash + 1) != mask_size_) {
    return -1;
  }
  uint32_t ip = ntohl(addr.s_addr);
  uint32_t cluster_mask = ~uint32_t{0} << (32 - cluster_bits_);
  if ((ip & cluster_mask) != base_) return -1;
  return (ip - base_) >> (32 - mask_size_);
}

Status NodeIpamController::Sync(const std::string& node_name) {
  client::ObjectPtr node = nodes_.Get(node_name);
  if (!node || !PodCidrOf(*node).empty()) return Status::Ok();
  uint32_t count = uint32_t{1} << (mask_size_ - cluster_bits_);
  uint32_t index = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (assigned_.count(node_name) != 0) return Status::Ok();  // the cache lags our patch
    while (index < count && used_.count(index)) ++index;
    if (index == count) {
      return Status::Unavailable(fmt::format("no pod CIDR left for node {}", node_name));
    }
    used_.insert(index);
  }
  std::string cidr = Format(index);
  Result<Json> patched =
      client_.Patch(Nodes(), "", node_name, client::PatchType::kMerge,
                    Json{{"spec", {{"podCIDR", cidr}, {"podCIDRs", Json::array({cidr})}}}});
  if (!patched.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    used_.erase(index);
    return patched.status().IsNotFound() ? Status::Ok() : patched.status();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    assigned_[node_name] = cidr;
  }
  kLog.Info("node {}: pod CIDR {}", node_name, cidr);
  return Status::Ok();
}

}  // namespace sampan::controllers
