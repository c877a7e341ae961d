#include "runtime/images/oci.h"

#include <sys/utsname.h>

#include <nlohmann/json.hpp>

namespace sampan::images {
namespace {

using json = nlohmann::json;

Result<json> ParseObject(std::string_view text, std::string_view what) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Invalid(std::string(what) + ": not a JSON object");
  }
  return j;
}

std::string GetString(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<std::vector<std::string>> GetStrings(const json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return out;
  if (!it->is_array()) return Status::Invalid(std::string(key) + " must be a list of strings");
  for (const json& v : *it) {
    if (!v.is_string()) return Status::Invalid(std::string(key) + " must be a list of strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<Descriptor> DescriptorFrom(const json& j) {
  if (!j.is_object()) return Status::Invalid("descriptor is not an object");
  Descriptor d;
  d.media_type = GetString(j, "mediaType");
  ASSIGN_OR_RETURN(d.digest, Digest::Parse(GetString(j, "digest")));
  auto size = j.find("size");
  if (size == j.end() || !size->is_number_integer() || size->get<int64_t>() < 0) {
    return Status::Invalid("descriptor " + d.digest.str() + " has no valid size");
  }
  d.size = size->get<int64_t>();
  auto p = j.find("platform");
  if (p != j.end() && p->is_object()) {
    d.platform =
        Platform{GetString(*p, "os"), GetString(*p, "architecture"), GetString(*p, "variant")};
  }
  auto a = j.find("annotations");
  if (a != j.end() && a->is_object()) {
    for (auto& [k, v] : a->items()) {
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
    }
  }
  return d;
}

json DescriptorJson(const Descriptor& d) {
  json j = {{"mediaType", d.media_type}, {"digest", d.digest.str()}, {"size", d.size}};
  if (d.platform) {
    j["platform"] = {{"os", d.platform->os}, {"architecture", d.platform->architecture}};
    if (!d.platform->variant.empty()) j["platform"]["variant"] = d.platform->variant;
  }
  if (!d.annotations.empty()) j["annotations"] = d.annotations;
  return j;
}

std::string NormalVariant(const Platform& p) {
  if (p.architecture == "arm64" && p.variant.empty()) return "v8";
  return p.variant;
}

}  // namespace

bool IsManifestType(std::string_view t) {
  return t == media::kOciManifest || t == media::kDockerManifest;
}
bool IsIndexType(std::string_view t) {
  return t == media::kOciIndex || t == media::kDockerManifestList;
}
bool IsLayerType(std::string_view t) {
  for (std::string_view ok :
       {media::kOciLayer, media::kOciLayerGzip, media::kOciLayerZstd, media::kDockerLayer,
        media::kDockerLayerGzip,
        std::string_view("application/vnd.oci.image.layer.nondistributable.v1.tar"),
        std::string_view("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"),
        std::string_view("application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"),
        std::string_view("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip")}) {
    if (t == ok) return true;
  }
  return false;
}

std::string_view OciLayerType(Compression c) {
  switch (c) {
    case Compression::kGzip: return media::kOciLayerGzip;
    case Compression::kZstd: return media::kOciLayerZstd;
    case Compression::kNone: break;
  }
  return media::kOciLayer;
}

Result<Platform> Platform::Parse(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    size_t j = text.find('/', i);
    parts.emplace_back(text.substr(i, j == std::string_view::npos ? j : j - i));
    if (j == std::string_view::npos) break;
    i = j + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty()) {
    return Status::Invalid("platform \"" + std::string(text) + "\" is not os/arch[/variant]");
  }
  p.os = parts[0];
  p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

Platform Platform::Host() {
  utsname u{};
  uname(&u);
  std::string_view m = u.machine;
  if (m == "x86_64") return {"linux", "amd64", ""};
  if (m == "aarch64") return {"linux", "arm64", "v8"};
  if (m.starts_with("armv7")) return {"linux", "arm", "v7"};
  if (m.starts_with("armv6")) return {"linux", "arm", "v6"};
  if (m == "i686" || m == "i386") return {"linux", "386", ""};
  return {"linux", std::string(m), ""};
}

std::string Platform::str() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Result<std::string> DetectDocumentType(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseObject(text, "manifest"));
  std::string t = GetString(j, "mediaType");
  if (!t.empty()) return t;
  if (j.contains("manifests")) return std::string(media::kOciIndex);
  if (j.contains("layers")) return std::string(media::kOciManifest);
  return Status::Invalid("manifest: neither a manifest nor an index");
}

Result<Manifest> ParseManifest(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseObject(text, "manifest"));
  Manifest m;
  m.media_type = GetString(j, "mediaType");
  if (m.media_type.empty()) m.media_type = media::kOciManifest;
  if (!IsManifestType(m.media_type)) {
    return Status::Invalid("manifest: unsupported media type \"" + m.media_type + "\"");
  }
  auto schema = j.find("schemaVersion");
  if (schema == j.end() || *schema != 2) return Status::Invalid("manifest: schemaVersion is not 2");
  auto config = j.find("config");
  if (config == j.end()) return Status::Invalid("manifest: no config");
  Result<Descriptor> cd = DescriptorFrom(*config);
  if (!cd.ok()) return cd.status().WithContext("manifest config");
  m.config = std::move(*cd);
  auto layers = j.find("layers");
  if (layers == j.end() || !layers->is_array()) return Status::Invalid("manifest: no layers");
  for (const json& l : *layers) {
    Result<Descriptor> d = DescriptorFrom(l);
    if (!d.ok()) return d.status().WithContext("manifest layer");
    if (!IsLayerType(d->media_type)) {
      return Status::Invalid("manifest: unsupported layer media type \"" + d->media_type + "\"");
    }
    m.layers.push_back(std::move(*d));
  }
  return m;
}

Result<Index> ParseIndex(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseObject(text, "index"));
  Index index;
  index.media_type = GetString(j, "mediaType");
  if (index.media_type.empty()) index.media_type = media::kOciIndex;
  if (!IsIndexType(index.media_type)) {
    return Status::Invalid("index: unsupported media type \"" + index.media_type + "\"");
  }
  auto list = j.find("manifests");
  if (list == j.end() || !list->is_array()) return Status::Invalid("index: no manifests");
  for (const json& m : *list) {
    Result<Descriptor> d = DescriptorFrom(m);
    if (!d.ok()) return d.status().WithContext("index entry");
    index.manifests.push_back(std::move(*d));
  }
  return index;
}

Result<Descriptor> ParseDescriptor(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseObject(text, "descriptor"));
  return DescriptorFrom(j);
}

Result<ImageConfig> ParseImageConfig(std::string_view text) {
  ASSIGN_OR_RETURN(json j, ParseObject(text, "image config"));
  ImageConfig c;
  c.os = GetString(j, "os");
  c.architecture = GetString(j, "architecture");
  c.created = GetString(j, "created");
  auto cfg = j.find("config");
  if (cfg != j.end() && cfg->is_object()) {
    const json& x = *cfg;
    ASSIGN_OR_RETURN(c.entrypoint, GetStrings(x, "Entrypoint"));
    ASSIGN_OR_RETURN(c.cmd, GetStrings(x, "Cmd"));
    ASSIGN_OR_RETURN(c.env, GetStrings(x, "Env"));
    c.working_dir = GetString(x, "WorkingDir");
    c.user = GetString(x, "User");
    c.stop_signal = GetString(x, "StopSignal");
    auto ports = x.find("ExposedPorts");
    if (ports != x.end() && ports->is_object()) {
      for (auto& [k, v] : ports->items()) c.exposed_ports.push_back(k);
    }
    auto labels = x.find("Labels");
    if (labels != x.end() && labels->is_object()) {
      for (auto& [k, v] : labels->items()) {
        if (v.is_string()) c.labels[k] = v.get<std::string>();
      }
    }
  }
  auto rootfs = j.find("rootfs");
  if (rootfs == j.end() || !rootfs->is_object()) return Status::Invalid("image config: no rootfs");
  ASSIGN_OR_RETURN(std::vector<std::string> ids, GetStrings(*rootfs, "diff_ids"));
  for (const std::string& id : ids) {
    Result<Digest> d = Digest::Parse(id);
    if (!d.ok()) return d.status().WithContext("image config diff_ids");
    c.diff_ids.push_back(*d);
  }
  return c;
}

Result<Descriptor> SelectPlatform(const Index& index, const Platform& want) {
  std::string have;
  for (const Descriptor& d : index.manifests) {
    if (!d.platform) continue;
    const Platform& p = *d.platform;
    if (!have.empty()) have += ", ";
    have += p.str();
    if (p.os != want.os || p.architecture != want.architecture) continue;
    std::string pv = NormalVariant(p), wv = NormalVariant(want);
    if (!pv.empty() && !wv.empty() && pv != wv) continue;
    return d;
  }
  // An index whose only entry has no platform (single-image OCI layouts) is that image.
  if (index.manifests.size() == 1 && !index.manifests[0].platform) return index.manifests[0];
  return Status::NotFound("no image for platform " + want.str() +
                          " (index has: " + (have.empty() ? "none" : have) + ")");
}

std::string SerializeDescriptor(const Descriptor& d) { return DescriptorJson(d).dump(); }

}  // namespace sampan::images
