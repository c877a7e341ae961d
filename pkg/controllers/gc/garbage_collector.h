#pragma once
// The garbage collector: deletes objects whose owners (metadata.ownerReferences) are all
// gone, and carries out the foreground and orphan deletions the API server starts by
// adding a finalizer:
// - background (the default): the owner goes at once; here its dependents are deleted once
//   no owner of theirs remains (dependents with another live owner only lose the dangling
//   reference);
// - foreground (`foregroundDeletion`): dependents are deleted first; the owner's finalizer
//   is removed when no dependent that blocks it (blockOwnerDeletion) remains;
// - orphan (`orphan`): the owner's reference is removed from every dependent, then the
//   finalizer.
// It keeps a graph of owners and dependents from metadata-only informers of every resource
// (one shared thread), and decides on live reads, so a lagging cache never deletes too
// much. State lives only in the objects: a restart mid-deletion picks up where it was.
// Custom resources join the graph as their CRDs are established (custom_informers.cc): a
// CRD informer starts one metadata informer (on its own thread) per custom collection and
// stops it when the CRD goes.

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"
#include "pkg/util/libuv_dispatcher.h"

namespace sampan::controllers {

class GarbageCollector {
 public:
  explicit GarbageCollector(client::Client& client, int workers = 2);
  ~GarbageCollector();  // Stop()
  void Start();
  void Stop();

  Status Sync(const std::string& key);  // "delete:<uid>" or "orphan:<uid>"

 private:
  struct OwnerRef {
    std::string uid, api_version, kind, name;
    bool block = false;
  };
  struct Node {
    const api::ResourceInfo* resource = nullptr;
    std::string ns, name;
    std::vector<OwnerRef> owners;
    bool deleting = false;
    std::set<std::string> finalizers;
  };

  // A graph node with its object read live; nullopt when either is gone or replaced.
  struct Live {
    Node node;
    api::Json object;
  };
  Result<std::optional<Live>> LiveObject(const std::string& uid);

  void OnObject(const api::ResourceInfo& r, const api::Json& object);
  // Informs a collection's changes to the graph.
  std::unique_ptr<client::Informer> NewInformer(const api::ResourceInfo& r, Dispatcher* loop);
  // A CRD added, changed or gone: start or stop the informer of its objects.
  void OnCrd(const api::Json& crd, bool deleted);
  // The resource of an owner reference (built-in or custom); nullptr if unknown.
  const api::ResourceInfo* FindKind(const std::string& api_version, const std::string& kind);
  void OnDeleted(const api::Json& object);
  Status AttemptToDelete(const std::string& uid);
  Status AttemptToOrphan(const std::string& uid);
  Status ProcessForeground(const std::string& uid, const api::Json& live);
  // Is the owner named by `ref` (in `ns`) alive, absent, or being deleted in foreground?
  enum class OwnerState { kSolid, kDangling, kWaiting };
  Result<OwnerState> ClassifyOwner(const OwnerRef& ref, const std::string& ns);
  Status RemoveFinalizer(const Node& node, const api::Json& live, const std::string& finalizer);
  std::set<std::string> DependentsOf(const std::string& uid);

  client::Client& client_;
  DispatcherThread informer_thread_;
  std::vector<std::unique_ptr<client::Informer>> informers_;
  std::unique_ptr<client::Informer> crd_informer_;
  std::mutex custom_mu_;  // guards the three below
  // Every custom ResourceInfo ever used stays alive: graph nodes point to them.
  std::deque<std::unique_ptr<api::ResourceInfo>> custom_infos_;
  std::map<std::string, const api::ResourceInfo*> custom_by_storage_;  // "group/plural"
  std::map<std::string, std::unique_ptr<client::Informer>> custom_informers_;
  bool started_ = false;
  Runner runner_;
  std::mutex mu_;
  std::map<std::string, Node> nodes_;                        // by uid
  std::map<std::string, std::set<std::string>> dependents_;  // owner uid -> dependent uids
};

}  // namespace sampan::controllers
