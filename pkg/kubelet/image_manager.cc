#include "pkg/kubelet/image_manager.h"

#include <fmt/format.h>

#include "pkg/util/log.h"
#include "runtime/images/puller.h"
#include "runtime/images/reference.h"

namespace sampan::kubelet {
namespace {

const log::Logger kLog("kubelet");

std::string FieldPath(const api::Json& pod, const std::string& container) {
  const api::Json* inits = api::FindPath(pod, "spec.initContainers");
  if (inits != nullptr && inits->is_array()) {
    for (const api::Json& c : *inits) {
      if (api::GetString(c, "name") == container) {
        return "spec.initContainers{" + container + "}";
      }
    }
  }
  return "spec.containers{" + container + "}";
}

std::string Seconds(std::chrono::nanoseconds d) {
  return fmt::format("{:.3f}s", std::chrono::duration<double>(d).count());
}

}  // namespace

ImageManager::ImageManager(images::ImageStore& store, images::RegistriesConfig registries,
                           const Clock& clock, client::EventRecorder& events)
    : store_(store),
      registries_(std::move(registries)),
      clock_(clock),
      events_(events),
      backoff_(clock, std::chrono::seconds(10), std::chrono::minutes(5)) {}

Result<PreparedImage> ImageManager::Prepare(const api::Json& pod, const api::Json& container,
                                            const std::string& container_id, ImageError* error) {
  std::string ref = api::GetString(container, "image");
  std::string name = api::GetString(container, "name");
  std::string policy = api::GetString(container, "imagePullPolicy", "IfNotPresent");
  std::string field = FieldPath(pod, name);
  auto fail = [&](std::string reason, std::string message) -> Status {
    *error = {reason, message};
    return Status::Unavailable(message);
  };
  if (ref.empty()) return fail("InvalidImageName", "container has no image");

  // Unless the policy pulls anyway, recording the container's use of the image is also the
  // check that it is present (one lookup in the store, not two).
  Result<images::ResolvedImage> image = Status::NotFound(ref);
  if (policy != "Always") image = store_.AddUse(container_id, ref);
  bool present = image.ok();
  if (policy == "Never" && !present) {
    std::string message =
        fmt::format("Container image \"{}\" is not present with pull policy of Never", ref);
    events_.Record(pod, "Warning", "ErrImageNeverPull", message, field);
    return fail("ErrImageNeverPull", message);
  }
  if (present) {
    events_.Record(pod, "Normal", "Pulled",
                   fmt::format("Container image \"{}\" already present on machine", ref), field);
  } else {
    if (backoff_.Remaining(ref, clock_.Now()) > std::chrono::milliseconds(0)) {
      std::string message = fmt::format("Back-off pulling image \"{}\"", ref);
      events_.Record(pod, "Normal", "BackOff", message, field);
      return fail("ImagePullBackOff", message);
    }
    events_.Record(pod, "Normal", "Pulling", fmt::format("Pulling image \"{}\"", ref), field);
    Clock::MonoTime start = clock_.Now();
    images::PullOptions options;
    options.registries = registries_;
    Result<images::PullResult> pulled = images::Pull(&store_, ref, options);
    if (!pulled.ok()) {
      backoff_.Next(ref);
      std::string message =
          fmt::format("Failed to pull image \"{}\": {}", ref, pulled.status().message());
      kLog.Info("pod {}/{}: {}", api::GetString(api::ObjectField(pod, "metadata"), "namespace"),
                api::GetString(api::ObjectField(pod, "metadata"), "name"), message);
      events_.Record(pod, "Warning", "Failed", message, field);
      events_.Record(pod, "Warning", "Failed", "Error: ErrImagePull", field);
      return fail("ErrImagePull", message);
    }
    backoff_.Forget(ref);
    std::string took = Seconds(clock_.Now() - start);
    events_.Record(pod, "Normal", "Pulled",
                   fmt::format("Successfully pulled image \"{}\" in {} ({} including waiting). "
                               "Image size: {} bytes.",
                               ref, took, took, pulled->downloaded_bytes),
                   field);
    image = store_.AddUse(container_id, ref);
  }
  if (!image.ok()) {
    return fail("ErrImagePull", fmt::format("image \"{}\": {}", ref, image.status().message()));
  }
  PreparedImage out;
  out.defaults = {image->layer_dirs, image->config};
  out.id = image->id;
  out.name = image->name.empty() ? ref : image->name;
  if (Result<images::Reference> name = images::Reference::Parse(image->name); name.ok()) {
    out.repo_ref = name->name() + "@" + image->manifest_digest;
  }
  return out;
}

void ImageManager::Release(const std::string& container_id) {
  (void)store_.RemoveUse(container_id);
}

}  // namespace sampan::kubelet
