#pragma once
// ServedRegistry: the resources the API server serves right now, the built-ins plus the
// custom resources of established CRDs. Readers take an immutable snapshot (a shared
// Registry) and keep it for the whole request or watch, so a CRD added or removed
// meanwhile never invalidates a ResourceInfo they hold; writers publish a new snapshot
// (copy-on-write). Thread-safe.

#include <memory>
#include <mutex>
#include <vector>

#include "pkg/api/registry.h"

namespace sampan::api {

class ServedRegistry {
 public:
  ServedRegistry();
  std::shared_ptr<const Registry> Snapshot() const;
  // Replaces the custom resources (those of every established CRD).
  void SetCustomResources(std::vector<ResourceInfo> custom);

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Registry> current_;
};

}  // namespace sampan::api
