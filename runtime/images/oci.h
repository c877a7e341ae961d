#pragma once
// OCI image-spec and Docker v2 schema 2 documents: descriptors, manifests, indexes
// (manifest lists), image configs, and platform selection. Parsing checks what the store
// relies on (digests, sizes, media types) and reports bad input as Invalid; unknown fields
// are ignored. Plain data, copyable.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/images/digest.h"
#include "runtime/images/stream.h"

namespace sampan::images {

namespace media {
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr std::string_view kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr std::string_view kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr std::string_view kDockerManifest =
    "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayerGzip =
    "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
}  // namespace media

bool IsManifestType(std::string_view media_type);
bool IsIndexType(std::string_view media_type);
// Layer media types this store can unpack (tar, tar+gzip, tar+zstd, OCI and Docker
// names, plus the "non-distributable" variants).
bool IsLayerType(std::string_view media_type);
// The layer media type for a compression.
std::string_view OciLayerType(Compression c);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  // "linux/arm64/v8" -> {linux, arm64, v8}.
  static Result<Platform> Parse(std::string_view text);
  // The platform of this machine (linux/amd64, linux/arm64/v8, linux/arm/v7, ...).
  static Platform Host();
  std::string str() const;
};

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = 0;
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
};

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct Index {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

// What a container gets from its image by default (image config "config" object).
struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "NAME=value"
  std::string working_dir;
  std::string user;
  std::string stop_signal;
  std::vector<std::string> exposed_ports;  // "80/tcp"
  std::map<std::string, std::string> labels;
  std::string os;
  std::string architecture;
  std::string created;  // RFC 3339, may be empty
  std::vector<Digest> diff_ids;
};

// The media type of a manifest or index document: its "mediaType" field, else guessed from
// its fields ("manifests" -> OCI index, "layers" -> OCI manifest).
Result<std::string> DetectDocumentType(std::string_view json);
Result<Manifest> ParseManifest(std::string_view json);
Result<Index> ParseIndex(std::string_view json);
Result<ImageConfig> ParseImageConfig(std::string_view json);
Result<Descriptor> ParseDescriptor(std::string_view json);

// The manifest for `want` in an index: same os and architecture and, when both say one, the
// same variant (arm64 without a variant means v8). NotFound lists what the index has.
Result<Descriptor> SelectPlatform(const Index& index, const Platform& want);

std::string SerializeDescriptor(const Descriptor& d);

}  // namespace sampan::images
