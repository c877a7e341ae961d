#include "pkg/controllers/gc/garbage_collector.h"

#include <fmt/format.h>

#include "pkg/api/builtin_resources.h"

namespace sampan::controllers {
namespace {

using api::Json;

const log::Logger kLog("gc");
constexpr std::string_view kDeletePrefix = "delete:";
constexpr std::string_view kOrphanPrefix = "orphan:";
constexpr const char* kForeground = "foregroundDeletion";
constexpr const char* kOrphan = "orphan";

const Json& Meta(const Json& o) { return api::ObjectField(o, "metadata"); }

bool HasFinalizer(const Json& object, const char* finalizer) {
  const Json* list = api::Find(Meta(object), "finalizers");
  return list && list->is_array() &&
         std::find(list->begin(), list->end(), Json(finalizer)) != list->end();
}

bool Deleting(const Json& object) {
  return api::Find(Meta(object), "deletionTimestamp") != nullptr;
}

}  // namespace

GarbageCollector::GarbageCollector(client::Client& client, int workers)
    : client_(client),
      informer_thread_("gc-informers"),
      runner_(
          "garbage collector", [this](const std::string& key) { return Sync(key); }, workers) {
  std::set<std::string> storages;
  for (const api::ResourceInfo& r : api::Registry::Builtin().resources()) {
    // One informer per stored collection (the preferred version); events own nothing.
    if (!r.Stored() || r.storage_name == "core/events" || !storages.insert(r.storage_name).second) {
      continue;
    }
    informers_.push_back(NewInformer(r, &informer_thread_.dispatcher()));
  }
  crd_informer_ =
      std::make_unique<client::Informer>(client, api::builtin::CustomResourceDefinitions(), "",
                                         client::ListOptions{}, &informer_thread_.dispatcher());
  crd_informer_->AddHandlers(
      {[this](const client::ObjectPtr& o) { OnCrd(*o, false); },
       [this](const client::ObjectPtr&, const client::ObjectPtr& o) { OnCrd(*o, false); },
       [this](const client::ObjectPtr& o) { OnCrd(*o, true); }});
}

std::unique_ptr<client::Informer> GarbageCollector::NewInformer(const api::ResourceInfo& r,
                                                                Dispatcher* loop) {
  client::ListOptions metadata_only;
  metadata_only.metadata_only = true;
  auto informer = std::make_unique<client::Informer>(client_, r, "", metadata_only, loop);
  const api::ResourceInfo* resource = &r;
  informer->AddHandlers(
      {[this, resource](const client::ObjectPtr& o) { OnObject(*resource, *o); },
       [this, resource](const client::ObjectPtr&, const client::ObjectPtr& o) {
         OnObject(*resource, *o);
       },
       [this](const client::ObjectPtr& o) { OnDeleted(*o); }});
  return informer;
}

GarbageCollector::~GarbageCollector() { Stop(); }

void GarbageCollector::Start() {
  for (auto& informer : informers_) informer->Start();
  crd_informer_->Start();
  informer_thread_.Start();
  // Decisions need the whole graph: wait for every cache before the first one.
  for (auto& informer : informers_) informer->WaitForSync(std::chrono::seconds(30));
  crd_informer_->WaitForSync(std::chrono::seconds(30));
  {
    std::lock_guard<std::mutex> lock(custom_mu_);
    started_ = true;
    for (auto& [name, informer] : custom_informers_) informer->Start();
  }
  {
    std::lock_guard<std::mutex> lock(custom_mu_);
    for (auto& [name, informer] : custom_informers_) {
      informer->WaitForSync(std::chrono::seconds(30));
    }
  }
  runner_.Start();
}

void GarbageCollector::Stop() {
  runner_.Stop();
  informer_thread_.Stop();  // before the informers, which share it
  for (auto& informer : informers_) informer->Stop();
  if (crd_informer_) crd_informer_->Stop();
  std::map<std::string, std::unique_ptr<client::Informer>> custom;
  {
    std::lock_guard<std::mutex> lock(custom_mu_);
    custom.swap(custom_informers_);
  }
  for (auto& [name, informer] : custom) informer->Stop();
}

void GarbageCollector::OnObject(const api::ResourceInfo& r, const Json& object) {
  const Json& meta = Meta(object);
  std::string uid = api::GetString(meta, "uid");
  if (uid.empty()) return;
  Node node;
  node.resource = &r;
  node.ns = api::GetString(meta, "namespace");
  node.name = api::GetString(meta, "name");
  node.deleting = Deleting(object);
  for (const char* f : {kForeground, kOrphan}) {
    if (HasFinalizer(object, f)) node.finalizers.insert(f);
  }
  if (const Json* refs = api::Find(meta, "ownerReferences"); refs && refs->is_array()) {
    for (const Json& ref : *refs) {
      node.owners.push_back({api::GetString(ref, "uid"), api::GetString(ref, "apiVersion"),
                             api::GetString(ref, "kind"), api::GetString(ref, "name"),
                             api::GetBool(ref, "blockOwnerDeletion")});
    }
  }
  bool owner_missing = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto old = nodes_.find(uid); old != nodes_.end()) {
      for (const OwnerRef& o : old->second.owners) dependents_[o.uid].erase(uid);
    }
    for (const OwnerRef& o : node.owners) {
      dependents_[o.uid].insert(uid);
      owner_missing |= nodes_.count(o.uid) == 0;
    }
    nodes_[uid] = node;
  }
  if (owner_missing) runner_.queue().Add(std::string(kDeletePrefix) + uid);
  if (node.deleting && node.finalizers.count(kForeground)) {
    runner_.queue().Add(std::string(kDeletePrefix) + uid);
  }
  if (node.deleting && node.finalizers.count(kOrphan)) {
    runner_.queue().Add(std::string(kOrphanPrefix) + uid);
  }
}

void GarbageCollector::OnDeleted(const Json& object) {
  std::string uid = api::GetString(Meta(object), "uid");
  std::vector<std::string> recheck;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = nodes_.find(uid);
    if (it == nodes_.end()) return;
    for (const OwnerRef& o : it->second.owners) {
      dependents_[o.uid].erase(uid);
      // An owner waiting for its dependents may now be done.
      auto owner = nodes_.find(o.uid);
      if (owner != nodes_.end() && owner->second.finalizers.count(kForeground)) {
        recheck.push_back(o.uid);
      }
    }
    nodes_.erase(it);
    for (const std::string& dep : dependents_[uid]) recheck.push_back(dep);
  }
  for (const std::string& u : recheck) runner_.queue().Add(std::string(kDeletePrefix) + u);
}

std::set<std::string> GarbageCollector::DependentsOf(const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = dependents_.find(uid);
  return it == dependents_.end() ? std::set<std::string>{} : it->second;
}

Status GarbageCollector::Sync(const std::string& key) {
  if (key.starts_with(kDeletePrefix)) return AttemptToDelete(key.substr(kDeletePrefix.size()));
  if (key.starts_with(kOrphanPrefix)) return AttemptToOrphan(key.substr(kOrphanPrefix.size()));
  return Status::Ok();
}

Result<GarbageCollector::OwnerState> GarbageCollector::ClassifyOwner(const OwnerRef& ref,
                                                                     const std::string& ns) {
  const api::ResourceInfo* r = FindKind(ref.api_version, ref.kind);
  if (r == nullptr) return OwnerState::kSolid;  // a kind we cannot look up: never delete for it
  Result<Json> owner = client_.Get(*r, r->namespaced ? ns : "", ref.name);
  if (owner.status().IsNotFound()) return OwnerState::kDangling;
  if (!owner.ok()) return owner.status();
  if (api::GetString(Meta(*owner), "uid") != ref.uid) return OwnerState::kDangling;  // replaced
  if (Deleting(*owner) && HasFinalizer(*owner, kForeground)) return OwnerState::kWaiting;
  return OwnerState::kSolid;
}

Status GarbageCollector::RemoveFinalizer(const Node& node, const Json& live,
                                         const std::string& finalizer) {
  Json kept = Json::array();
  for (const Json& f : Meta(live).value("finalizers", Json::array())) {
    if (f != finalizer) kept.push_back(f);
  }
  // The resourceVersion makes this a compare-and-swap: a concurrent change retries.
  Json patch = {
      {"metadata",
       {{"finalizers", kept}, {"resourceVersion", api::GetString(Meta(live), "resourceVersion")}}}};
  Result<Json> r =
      client_.Patch(*node.resource, node.ns, node.name, client::PatchType::kMerge, patch);
  return r.ok() || r.status().IsNotFound() ? Status::Ok() : r.status();
}

Status GarbageCollector::ProcessForeground(const std::string& uid, const Json& live) {
  Node owner;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = nodes_.find(uid);
    if (it == nodes_.end()) return Status::Ok();
    owner = it->second;
  }
  int blocking = 0;
  for (const std::string& dep_uid : DependentsOf(uid)) {
    Node dep;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = nodes_.find(dep_uid);
      if (it == nodes_.end()) continue;
      dep = it->second;
    }
    for (const OwnerRef& ref : dep.owners) blocking += ref.uid == uid && ref.block;
    if (dep.deleting) continue;
    client::DeleteOptions options;
    options.uid_precondition = dep_uid;
    // A dependent with dependents of its own is deleted in foreground too.
    options.propagation_policy = DependentsOf(dep_uid).empty() ? "Background" : "Foreground";
    Status st = client_.Delete(*dep.resource, dep.ns, dep.name, options);
    if (!st.ok() && !st.IsNotFound() && !st.IsConflict()) return st;
    kLog.Debug("deleted {} {}/{} (owner {} deleted in foreground)", dep.resource->kind, dep.ns,
               dep.name, owner.name);
  }
  if (blocking > 0) return Status::Ok();  // their deletion events bring us back
  return RemoveFinalizer(owner, live, kForeground);
}

Result<std::optional<GarbageCollector::Live>> GarbageCollector::LiveObject(const std::string& uid) {
  Live out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = nodes_.find(uid);
    if (it == nodes_.end()) return std::optional<Live>();
    out.node = it->second;
  }
  Result<Json> live = client_.Get(*out.node.resource, out.node.ns, out.node.name);
  if (live.status().IsNotFound()) return std::optional<Live>();
  if (!live.ok()) return live.status();
  if (api::GetString(Meta(*live), "uid") != uid) return std::optional<Live>();  // a new object
  out.object = std::move(*live);
  return std::optional<Live>(std::move(out));
}

Status GarbageCollector::AttemptToDelete(const std::string& uid) {
  ASSIGN_OR_RETURN(std::optional<Live> found, LiveObject(uid));
  if (!found) return Status::Ok();
  const Node& node = found->node;
  const Json* live = &found->object;
  if (Deleting(*live)) {
    return HasFinalizer(*live, kForeground) ? ProcessForeground(uid, *live) : Status::Ok();
  }
  const Json* refs = api::Find(Meta(*live), "ownerReferences");
  if (refs == nullptr || !refs->is_array() || refs->empty()) return Status::Ok();
  std::vector<OwnerRef> solid, dangling, waiting;
  for (const Json& ref : *refs) {
    OwnerRef o{api::GetString(ref, "uid"), api::GetString(ref, "apiVersion"),
               api::GetString(ref, "kind"), api::GetString(ref, "name"),
               api::GetBool(ref, "blockOwnerDeletion")};
    ASSIGN_OR_RETURN(OwnerState state, ClassifyOwner(o, node.ns));
    (state == OwnerState::kSolid      ? solid
     : state == OwnerState::kDangling ? dangling
                                      : waiting)
        .push_back(o);
  }
  if (!solid.empty()) {
    if (dangling.empty() && waiting.empty()) return Status::Ok();
    // Keep the object; drop references to owners that are gone, stop blocking those
    // being deleted.
    Json kept = Json::array();
    for (const Json& ref : *refs) {
      std::string ref_uid = api::GetString(ref, "uid");
      bool gone = std::any_of(dangling.begin(), dangling.end(),
                              [&](const OwnerRef& d) { return d.uid == ref_uid; });
      if (gone) continue;
      Json copy = ref;
      bool unblock = std::any_of(waiting.begin(), waiting.end(),
                                 [&](const OwnerRef& w) { return w.uid == ref_uid; });
      if (unblock) copy["blockOwnerDeletion"] = false;
      kept.push_back(std::move(copy));
    }
    Json patch = {{"metadata",
                   {{"ownerReferences", kept},
                    {"resourceVersion", api::GetString(Meta(*live), "resourceVersion")}}}};
    Result<Json> r =
        client_.Patch(*node.resource, node.ns, node.name, client::PatchType::kMerge, patch);
    return r.ok() || r.status().IsNotFound() ? Status::Ok() : r.status();
  }
  client::DeleteOptions options;
  options.uid_precondition = uid;
  options.propagation_policy =
      !waiting.empty() && !DependentsOf(uid).empty() ? "Foreground" : "Background";
  Status st = client_.Delete(*node.resource, node.ns, node.name, options);
  if (st.ok()) {
    kLog.Debug("deleted {} {}/{}: its owners are gone", node.resource->kind, node.ns, node.name);
  }
  return st.ok() || st.IsNotFound() || st.IsConflict() ? Status::Ok() : st;
}

Status GarbageCollector::AttemptToOrphan(const std::string& uid) {
  ASSIGN_OR_RETURN(std::optional<Live> found, LiveObject(uid));
  if (!found || !HasFinalizer(found->object, kOrphan)) return Status::Ok();
  const Node& owner = found->node;
  const Json* live = &found->object;
  for (const std::string& dep_uid : DependentsOf(uid)) {
    Node dep;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = nodes_.find(dep_uid);
      if (it == nodes_.end()) continue;
      dep = it->second;
    }
    Result<Json> dep_live = client_.Get(*dep.resource, dep.ns, dep.name);
    if (dep_live.status().IsNotFound()) continue;
    if (!dep_live.ok()) return dep_live.status();
    Json kept = Json::array();
    for (const Json& ref : Meta(*dep_live).value("ownerReferences", Json::array())) {
      if (api::GetString(ref, "uid") != uid) kept.push_back(ref);
    }
    Json patch = {{"metadata",
                   {{"ownerReferences", kept},
                    {"resourceVersion", api::GetString(Meta(*dep_live), "resourceVersion")}}}};
    Result<Json> r =
        client_.Patch(*dep.resource, dep.ns, dep.name, client::PatchType::kMerge, patch);
    if (!r.ok() && !r.status().IsNotFound()) return r.status();
  }
  return RemoveFinalizer(owner, *live, kOrphan);
}

}  // namespace sampan::controllers
