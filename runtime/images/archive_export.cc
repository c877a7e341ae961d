// ImageStore::Export: one image as a tar that is both an OCI image layout (oci-layout,
// index.json, blobs/sha256/...) and a `docker load` archive (manifest.json pointing at the
// same blobs), written to a temporary file and renamed into place.

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <set>

#include "pkg/util/random.h"
#include "runtime/images/image_store.h"
#include "runtime/images/reference.h"
#include "runtime/images/tar_writer.h"
#include "pkg/util/unique_fd.h"

namespace sampan::images {

Status ImageStore::Export(std::string_view ref, const std::string& out_path) const {
  ASSIGN_OR_RETURN(ResolvedImage image, Resolve(ref));
  ASSIGN_OR_RETURN(Digest manifest_digest, Digest::Parse(image.manifest_digest));
  ASSIGN_OR_RETURN(std::string manifest_text, blobs_.ReadSmall(manifest_digest));
  ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(manifest_text));

  nlohmann::json annotations = nlohmann::json::object();
  std::vector<std::string> repo_tags;
  if (!image.name.empty()) {
    Result<Reference> r = Reference::Parse(image.name);
    if (r.ok()) {
      annotations["io.containerd.image.name"] = r->str();
      if (!r->tag.empty()) {
        annotations["org.opencontainers.image.ref.name"] = r->tag;
        repo_tags.push_back(r->name() + ":" + r->tag);
      }
    }
  }
  nlohmann::json index = {{"schemaVersion", 2},
                          {"mediaType", media::kOciIndex},
                          {"manifests",
                           {{{"mediaType", manifest.media_type},
                             {"digest", manifest_digest.str()},
                             {"size", manifest_text.size()},
                             {"annotations", annotations}}}}};
  nlohmann::json docker = nlohmann::json::array();
  nlohmann::json layers = nlohmann::json::array();
  for (const Descriptor& l : manifest.layers) layers.push_back("blobs/sha256/" + l.digest.hex());
  docker.push_back({{"Config", "blobs/sha256/" + manifest.config.digest.hex()},
                    {"RepoTags", repo_tags},
                    {"Layers", layers}});

  std::string tmp = out_path + ".tmp-" + RandomString(8, "abcdefghijklmnopqrstuvwxyz0123456789");
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return Status::FromErrno(errno, "create " + tmp);
  Status st = [&]() -> Status {
    TarWriter tar = TarWriter::ToFd(fd.get());
    RETURN_IF_ERROR(tar.AddFile("oci-layout", R"({"imageLayoutVersion":"1.0.0"})"));
    RETURN_IF_ERROR(tar.AddFile("index.json", index.dump()));
    RETURN_IF_ERROR(tar.AddFile("manifest.json", docker.dump()));
    std::vector<Digest> blobs = {manifest_digest, manifest.config.digest};
    for (const Descriptor& l : manifest.layers) blobs.push_back(l.digest);
    std::set<std::string> seen;
    for (const Digest& d : blobs) {
      if (!seen.insert(d.hex()).second) continue;
      ASSIGN_OR_RETURN(int64_t size, blobs_.Size(d));
      ASSIGN_OR_RETURN(auto in, FdReader::Open(blobs_.Path(d)));
      TarHeader h;
      h.name = "blobs/sha256/" + d.hex();
      h.size = size;
      RETURN_IF_ERROR(tar.AddFromReader(h, in.get()));
    }
    RETURN_IF_ERROR(tar.Finish());
    if (fsync(fd.get()) != 0) return Status::FromErrno(errno, "fsync " + tmp);
    if (rename(tmp.c_str(), out_path.c_str()) != 0) {
      return Status::FromErrno(errno, "rename to " + out_path);
    }
    return Status::Ok();
  }();
  if (!st.ok()) unlink(tmp.c_str());
  return st;
}

}  // namespace sampan::images
