#include "pkg/kubelet/token_manager.h"

#include <fmt/core.h>

#include "pkg/api/builtin_resources.h"
#include "pkg/util/time_format.h"

namespace sampan::kubelet {
namespace {

using api::builtin::ServiceAccounts;

using api::Json;

}  // namespace

bool TokenManager::Fresh(const Entry& e) const {
  Clock::WallTime now = clock_.WallNow();
  auto life = e.expires - e.issued;
  return now < e.issued + life * 8 / 10 && now < e.issued + std::chrono::hours(24);
}

Result<std::string> TokenManager::Get(const Json& pod, const std::string& audience,
                                      int64_t seconds) {
  const Json& meta = api::ObjectField(pod, "metadata");
  std::string uid = api::GetString(meta, "uid");
  std::string ns = api::GetString(meta, "namespace");
  std::string pod_name = api::GetString(meta, "name");
  std::string account = api::GetString(api::ObjectField(pod, "spec"), "serviceAccountName");
  if (account.empty()) account = "default";
  std::string key = fmt::format("{}|{}|{}|{}", uid, account, audience, seconds);
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && Fresh(it->second)) return it->second.token;
  }
  Json spec = {{"expirationSeconds", seconds},
               {"boundObjectRef",
                {{"apiVersion", "v1"}, {"kind", "Pod"}, {"name", pod_name}, {"uid", uid}}}};
  if (!audience.empty()) spec["audiences"] = Json::array({audience});
  Json request = {{"apiVersion", "authentication.k8s.io/v1"},
                  {"kind", "TokenRequest"},
                  {"metadata", {{"name", account}, {"namespace", ns}}},
                  {"spec", spec}};
  Clock::WallTime issued = clock_.WallNow();
  ASSIGN_OR_RETURN(Json answer,
                   client_.CreateSubresource(ServiceAccounts(), ns, account, "token", request));
  const Json& status = api::ObjectField(answer, "status");
  std::string token = api::GetString(status, "token");
  if (token.empty()) return Status::Internal("the TokenRequest answer carries no token");
  std::optional<Clock::WallTime> expires =
      ParseRfc3339(api::GetString(status, "expirationTimestamp"));
  std::lock_guard<std::mutex> lock(mu_);
  cache_[key] = {token, issued, expires ? *expires : issued + std::chrono::seconds(seconds)};
  return token;
}

void TokenManager::Forget(const std::string& pod_uid) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = it->first.starts_with(pod_uid + "|") ? cache_.erase(it) : std::next(it);
  }
}

}  // namespace sampan::kubelet
