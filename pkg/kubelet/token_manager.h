#pragma once
// Service-account tokens for pods' projected volumes, as upstream's kubelet token manager:
// each (pod, account, audience, lifetime) gets a pod-bound token through the TokenRequest API
// (POST serviceaccounts/NAME/token), kept until 80% of its life has passed (or 24 hours),
// then requested again. Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "pkg/api/json.h"
#include "pkg/client/client.h"
#include "pkg/util/clock.h"

namespace sampan::kubelet {

class TokenManager {
 public:
  TokenManager(client::Client& client, const Clock& clock) : client_(client), clock_(clock) {}
  // The token for `pod` (its spec.serviceAccountName, "default" when unset).
  Result<std::string> Get(const api::Json& pod, const std::string& audience, int64_t seconds);
  // Drops the tokens of a pod that is gone.
  void Forget(const std::string& pod_uid);

 private:
  struct Entry {
    std::string token;
    Clock::WallTime issued;
    Clock::WallTime expires;
  };
  bool Fresh(const Entry& e) const;

  client::Client& client_;
  const Clock& clock_;
  std::mutex mu_;
  std::map<std::string, Entry> cache_;  // key: uid|account|audience|seconds
};

}  // namespace sampan::kubelet
