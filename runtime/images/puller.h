#pragma once
// Pull: fetches an image from a registry into an ImageStore. Resolves the name (Docker Hub
// normalisation), tries the endpoints registries.yaml gives (mirrors, then the registry),
// picks the store's platform from an index, downloads config and layers (several layers in
// parallel, each streamed to a blob file and verified against its descriptor), then commits
// the image (unpacking and checking DiffIDs). A failed pull keeps none of the blobs it
// downloaded. Progress goes to a terminal only. Blocking; safe to run several at once.

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "pkg/util/status.h"
#include "runtime/images/image_store.h"
#include "runtime/images/registries_config.h"

namespace sampan::images {

struct PullOptions {
  RegistriesConfig registries;
  int max_parallel_layers = 3;
  // Where to draw per-layer progress (bytes, speed); nullptr for none. Drawn only if it is a
  // terminal.
  FILE* progress = nullptr;
};

struct PullResult {
  std::string name;    // normalised, e.g. docker.io/library/redis:latest
  std::string digest;  // what the reference resolved to (index or manifest)
  std::string id;      // config digest
  int64_t downloaded_bytes = 0;
  std::string endpoint;  // the endpoint that served it
};

Result<PullResult> Pull(ImageStore* store, std::string_view ref, const PullOptions& options);

}  // namespace sampan::images
