#pragma once
// FakePodNetwork: an in-memory PodNetwork for kubelet tests (no root, no kernel). Hands out
// 10.42.0.2, .3, ... in order, remembers which sandbox has which address, records the calls,
// and fails the next Attach/Detach with a Status a test sets. Thread-safe.

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "net/pod_network.h"

namespace sampan::testing {

class FakePodNetwork final : public net::PodNetwork {
 public:
  Result<net::PodAttachment> Attach(const std::string& sandbox_id,
                                    const std::string& netns_path) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back("attach " + sandbox_id + " " + netns_path);
    if (!fail_next_.ok()) return std::exchange(fail_next_, Status());
    std::string& ip = ips_[sandbox_id];
    if (ip.empty()) ip = "10.42.0." + std::to_string(next_++);
    return net::PodAttachment{ip, 24, "10.42.0.1", HostVethName(sandbox_id), "0a:58:0a:2a:00:02"};
  }
  Status Detach(const std::string& sandbox_id) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back("detach " + sandbox_id);
    if (!fail_next_.ok()) return std::exchange(fail_next_, Status());
    ips_.erase(sandbox_id);
    return Status::Ok();
  }
  Status ReleaseExcept(const std::set<std::string>& live) override {
    std::lock_guard<std::mutex> lock(mu_);
    calls_.push_back("release-except " + std::to_string(live.size()));
    std::erase_if(ips_, [&](const auto& e) { return live.count(e.first) == 0; });
    return Status::Ok();
  }
  std::optional<std::string> AddressOf(const std::string& sandbox_id) const override {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = ips_.find(sandbox_id);
    if (it == ips_.end()) return std::nullopt;
    return it->second;
  }
  std::map<std::string, std::string> Allocations() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::map<std::string, std::string> out;
    for (const auto& [id, ip] : ips_) out[ip] = id;
    return out;
  }
  std::string gateway() const override { return "10.42.0.1"; }

  // The next Attach or Detach returns `status` (once).
  void FailNext(Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    fail_next_ = std::move(status);
  }
  std::vector<std::string> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::string> ips_;  // sandbox id -> address
  int next_ = 2;
  Status fail_next_;
  std::vector<std::string> calls_;
};

}  // namespace sampan::testing
