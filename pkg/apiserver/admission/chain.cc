#include "pkg/apiserver/admission/chain.h"

#include "pkg/apiserver/admission/default_storage_class.h"
#include "pkg/apiserver/admission/default_toleration_seconds.h"
#include "pkg/apiserver/admission/limit_ranger.h"
#include "pkg/apiserver/admission/namespace_lifecycle.h"
#include "pkg/apiserver/admission/node_restriction.h"
#include "pkg/apiserver/admission/resource_quota.h"
#include "pkg/apiserver/admission/service_account.h"

namespace sampan::apiserver::admission {

void Chain::Add(std::unique_ptr<Plugin> plugin) { plugins_.push_back(std::move(plugin)); }

Verdict Chain::Admit(Attributes& a) const {
  for (const auto& plugin : plugins_) {
    if (Verdict v = plugin->Admit(a)) return v;
  }
  return std::nullopt;
}

Verdict Chain::Validate(const Attributes& a) const {
  for (const auto& plugin : plugins_) {
    if (Verdict v = plugin->Validate(a)) return v;
  }
  return std::nullopt;
}

std::unique_ptr<Chain> DefaultChain(const AdmissionOptions& options, storage::Store& store,
                                    const Clock& /*clock*/) {
  auto chain = std::make_unique<Chain>();
  chain->Add(std::make_unique<NamespaceLifecycle>(store));
  chain->Add(std::make_unique<LimitRanger>(store));
  if (options.service_account) chain->Add(std::make_unique<ServiceAccount>(store));
  chain->Add(std::make_unique<DefaultStorageClass>(store));
  chain->Add(std::make_unique<DefaultTolerationSeconds>(options));
  chain->Add(std::make_unique<NodeRestriction>());
  chain->Add(std::make_unique<ResourceQuota>(store));
  return chain;
}

}  // namespace sampan::apiserver::admission
