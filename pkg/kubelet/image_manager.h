#pragma once
// The kubelet's images: makes a container's image present according to its
// imagePullPolicy (Always, IfNotPresent, Never), pulling through registries.yaml, with a
// back-off per image after failed pulls (ImagePullBackOff), the events upstream's kubelet
// writes (Pulling, Pulled, Failed, BackOff, ErrImageNeverPull), and a use of the image
// recorded for the container so that image GC keeps it while the container exists.
//
// Threading: called from pod workers concurrently; pulls of one image may overlap (the
// store makes that safe).

#include <string>

#include "pkg/api/json.h"
#include "pkg/client/event_recorder.h"
#include "pkg/kubelet/backoff.h"
#include "pkg/kubelet/container_config.h"
#include "pkg/util/clock.h"
#include "pkg/util/status.h"
#include "runtime/images/image_store.h"
#include "runtime/images/registries_config.h"

namespace sampan::kubelet {

struct ImageError {
  std::string reason;  // ErrImagePull, ImagePullBackOff, ErrImageNeverPull, InvalidImageName
  std::string message;
};

struct PreparedImage {
  ImageDefaults defaults;
  std::string id;        // "sha256:..." (the config digest)
  std::string name;      // normalised name, for status.containerStatuses[].image
  std::string repo_ref;  // "docker.io/library/busybox@sha256:..." for imageID, if known
};

class ImageManager {
 public:
  ImageManager(images::ImageStore& store, images::RegistriesConfig registries, const Clock& clock,
               client::EventRecorder& events);

  // Ensures the container's image per its pull policy and records `container_id` as its
  // user. On failure fills `error` and returns its status.
  Result<PreparedImage> Prepare(const api::Json& pod, const api::Json& container,
                                const std::string& container_id, ImageError* error);
  // The container is gone: its image may be collected.
  void Release(const std::string& container_id);

  images::ImageStore& store() { return store_; }

 private:
  images::ImageStore& store_;
  const images::RegistriesConfig registries_;
  const Clock& clock_;
  client::EventRecorder& events_;
  Backoff backoff_;
};

}  // namespace sampan::kubelet
