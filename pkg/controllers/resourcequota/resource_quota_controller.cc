#include "pkg/controllers/resourcequota/resource_quota_controller.h"

#include <map>
#include <set>

#include "pkg/api/builtin_resources.h"
#include "pkg/api/object_names.h"
#include "pkg/api/quota_usage.h"
#include "pkg/util/log.h"

namespace sampan::controllers {
namespace {

using api::NamespaceOf;
using api::builtin::Core;
using api::builtin::ResourceQuotas;

using api::Json;
using api::ResourceList;

const log::Logger kLog("controller");

bool Terminal(const Json& pod) {
  std::string phase = api::GetString(api::ObjectField(pod, "status"), "phase");
  return phase == "Succeeded" || phase == "Failed";
}

client::ListOptions MetadataOnly() {
  client::ListOptions o;
  o.metadata_only = true;
  return o;
}

}  // namespace

ResourceQuotaController::ResourceQuotaController(client::Client& client, const Clock& clock,
                                                 ResourceQuotaOptions options)
    : client_(client),
      options_(options),
      informer_thread_("quota-inf"),
      quotas_(client, ResourceQuotas(), "", {}, &informer_thread_.dispatcher()),
      pods_(client, Core("pods"), "", {}, &informer_thread_.dispatcher()),
      services_(client, Core("services"), "", {}, &informer_thread_.dispatcher()),
      claims_(client, Core("persistentvolumeclaims"), "", {}, &informer_thread_.dispatcher()),
      configmaps_(client, Core("configmaps"), "", MetadataOnly(), &informer_thread_.dispatcher()),
      secrets_(client, Core("secrets"), "", MetadataOnly(), &informer_thread_.dispatcher()),
      rcs_(client, Core("replicationcontrollers"), "", MetadataOnly(),
           &informer_thread_.dispatcher()),
      timer_("quota"),
      runner_(
          "resourcequota", [this](const std::string& key) { return Sync(key); }, options.workers,
          clock) {
  auto enqueue = [this](const client::ObjectPtr& q) { runner_.queue().Add(client::ObjectKey(*q)); };
  quotas_.AddHandlers({enqueue,
                       [this](const client::ObjectPtr& old, const client::ObjectPtr& q) {
                         // Status-only changes are admission's charges or our own writes.
                         if (api::ObjectField(*old, "spec") != api::ObjectField(*q, "spec")) {
                           runner_.queue().Add(client::ObjectKey(*q));
                         }
                       },
                       nullptr});
  auto on_delete = [this](const client::ObjectPtr& o) { EnqueueNamespace(NamespaceOf(*o)); };
  pods_.AddHandlers({nullptr,
                     [this](const client::ObjectPtr& old, const client::ObjectPtr& pod) {
                       if (!Terminal(*old) && Terminal(*pod)) EnqueueNamespace(NamespaceOf(*pod));
                     },
                     on_delete});
  auto on_spec_change = [this](const client::ObjectPtr& old, const client::ObjectPtr& o) {
    if (api::ObjectField(*old, "spec") != api::ObjectField(*o, "spec")) {
      EnqueueNamespace(NamespaceOf(*o));
    }
  };
  services_.AddHandlers({nullptr, on_spec_change, on_delete});
  claims_.AddHandlers({nullptr, on_spec_change, on_delete});
  configmaps_.AddHandlers({nullptr, nullptr, on_delete});
  secrets_.AddHandlers({nullptr, nullptr, on_delete});
  rcs_.AddHandlers({nullptr, nullptr, on_delete});
}

ResourceQuotaController::~ResourceQuotaController() { Stop(); }

void ResourceQuotaController::Start() {
  for (client::Informer* i :
       {&quotas_, &pods_, &services_, &claims_, &configmaps_, &secrets_, &rcs_}) {
    i->Start();
  }
  informer_thread_.Start();
  timer_.dispatcher().AddRepeatingTimer(options_.resync_period, [this] { EnqueueAll(); });
  timer_.Start();
  runner_.Start();
}

void ResourceQuotaController::Stop() {
  runner_.Stop();
  timer_.Stop();
  informer_thread_.Stop();  // before the informers, which share it
  for (client::Informer* i :
       {&quotas_, &pods_, &services_, &claims_, &configmaps_, &secrets_, &rcs_}) {
    i->Stop();
  }
}

void ResourceQuotaController::EnqueueNamespace(const std::string& ns) {
  for (const client::ObjectPtr& q : quotas_.List()) {
    if (NamespaceOf(*q) == ns) runner_.queue().Add(client::ObjectKey(*q));
  }
}

void ResourceQuotaController::EnqueueAll() {
  for (const client::ObjectPtr& q : quotas_.List()) runner_.queue().Add(client::ObjectKey(*q));
}

Status ResourceQuotaController::Sync(const std::string& key) {
  size_t slash = key.find('/');
  if (slash == std::string::npos) return Status::Ok();
  std::string ns = key.substr(0, slash);
  std::string name = key.substr(slash + 1);
  // A live read: the cache may trail admission's latest charge, whose resourceVersion the
  // status write must name.
  Result<Json> quota = client_.Get(ResourceQuotas(), ns, name);
  if (!quota.ok()) return quota.status().IsNotFound() ? Status::Ok() : quota.status();

  ResourceList hard = api::ParseResourceList(api::FindPath(*quota, "spec.hard"));
  std::map<const api::ResourceInfo*, std::set<std::string>> by_resource;
  for (const auto& [resource, q] : hard) {
    if (const api::ResourceInfo* r = api::quota::CountedResource(resource)) {
      by_resource[r].insert(resource);
    }
  }
  ResourceList used;
  for (const auto& [r, names] : by_resource) {
    std::set<std::string> matching = api::quota::MatchingResources(*r, names);
    for (const std::string& n : matching) used[n];  // counted, even when zero
    if (matching.empty()) continue;
    Result<client::ObjectList> list = client_.List(*r, ns);
    if (!list.ok()) return list.status();
    for (const Json& item : list->items) {
      if (!api::quota::MatchesScopes(*quota, *r, item)) continue;
      used = api::AddResources(used, api::MaskResources(api::quota::Usage(*r, item), matching));
    }
  }

  ResourceList old_hard = api::ParseResourceList(api::FindPath(*quota, "status.hard"));
  ResourceList old_used = api::ParseResourceList(api::FindPath(*quota, "status.used"));
  if (api::ResourcesEqual(old_hard, hard) && api::ResourcesEqual(old_used, used)) {
    return Status::Ok();
  }
  Json next = *quota;
  next["status"] = {{"hard", api::ResourceListToJson(hard)},
                    {"used", api::ResourceListToJson(used)}};
  Result<Json> written = client_.Update(ResourceQuotas(), next, "status");
  if (!written.ok()) {
    if (!written.status().IsNotFound()) {
      kLog.Debug("resourcequota {}: {}", key, written.status().message());
      return written.status();
    }
  }
  return Status::Ok();
}

}  // namespace sampan::controllers
