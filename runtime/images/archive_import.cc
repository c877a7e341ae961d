// ImageStore::Import / ImportStream: `docker save` archives and OCI image layouts (as a tar,
// compressed or not, or as a directory). Files are streamed into the blob store as they come
// (archive order is arbitrary, so small files are kept in memory until the layout is known);
// then the layout's manifests are resolved, every blob checked, and the images committed.

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "runtime/images/image_store.h"
#include "runtime/images/reference.h"
#include "runtime/images/tar_reader.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");
using json = nlohmann::json;

constexpr int64_t kSmallFile = 1 << 20;

struct BlobRef {
  Digest digest;
  int64_t size = 0;
};

// The files of an archive, by clean relative path.
class ArchiveFiles {
 public:
  explicit ArchiveFiles(const BlobStore& blobs) : blobs_(blobs) {}

  const BlobStore& blobs() const { return blobs_; }

  void AddSmall(std::string path, std::string data) { small_[std::move(path)] = std::move(data); }
  void AddBlob(std::string path, BlobRef ref) { large_[std::move(path)] = ref; }
  void AddLink(std::string path, std::string target) {
    links_[std::move(path)] = std::move(target);
  }

  bool HasSmall(const std::string& path) const { return small_.count(Follow(path)) > 0; }
  const std::string* Small(const std::string& path) const {
    auto it = small_.find(Follow(path));
    return it == small_.end() ? nullptr : &it->second;
  }

  // The blob for archive file `path`, stored if it was only in memory.
  Result<BlobRef> Blob(const std::string& path) {
    std::string p = Follow(path);
    if (auto it = large_.find(p); it != large_.end()) return it->second;
    auto it = small_.find(p);
    if (it == small_.end()) return Status::NotFound("archive has no file \"" + path + "\"");
    ASSIGN_OR_RETURN(Digest d, blobs_.Put(it->second));
    BlobRef ref{d, static_cast<int64_t>(it->second.size())};
    large_[p] = ref;
    return ref;
  }

  // The blob a descriptor names, from blobs/sha256/<hex> (verified against the descriptor).
  Result<BlobRef> LayoutBlob(const Descriptor& d) {
    std::string path = "blobs/sha256/" + d.digest.hex();
    ASSIGN_OR_RETURN(BlobRef ref, Blob(path));
    if (ref.digest != d.digest) {
      return Status::Invalid("digest mismatch: " + path + " has content " + ref.digest.str());
    }
    if (ref.size != d.size) {
      return Status::Invalid("size mismatch for " + d.digest.str() + ": descriptor says " +
                             std::to_string(d.size) + " bytes, blob has " +
                             std::to_string(ref.size));
    }
    return ref;
  }

 private:
  std::string Follow(std::string path) const {
    for (int i = 0; i < 16; ++i) {
      auto it = links_.find(path);
      if (it == links_.end()) break;
      path = it->second;
    }
    return path;
  }

  const BlobStore& blobs_;
  std::map<std::string, std::string> small_;
  std::map<std::string, BlobRef> large_;
  std::map<std::string, std::string> links_;
};

std::string JoinParts(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

Result<std::string> CleanPath(std::string_view path) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts, CleanEntryPath(path));
  return JoinParts(parts);
}

Status ReadArchive(Reader* in, ArchiveFiles* files) {
  ASSIGN_OR_RETURN(auto plain, Decompress(in));
  TarReader tar(plain.get());
  while (true) {
    ASSIGN_OR_RETURN(archive_entry * e, tar.Next());
    if (e == nullptr) break;
    const char* raw = archive_entry_pathname(e);
    ASSIGN_OR_RETURN(std::string path, CleanPath(raw ? raw : ""));
    if (const char* hl = archive_entry_hardlink(e)) {
      ASSIGN_OR_RETURN(std::string target, CleanPath(hl));
      files->AddLink(path, target);
      RETURN_IF_ERROR(tar.SkipData());
      continue;
    }
    mode_t type = archive_entry_filetype(e);
    if (type == AE_IFLNK) {
      std::string target = archive_entry_symlink(e) ? archive_entry_symlink(e) : "";
      if (target.starts_with("/"))
        return Status::Invalid("archive symlink " + path + " is absolute");
      std::string dir = path.find('/') == std::string::npos ? "" : path.substr(0, path.rfind('/'));
      ASSIGN_OR_RETURN(std::string resolved, CleanPath(dir.empty() ? target : dir + "/" + target));
      files->AddLink(path, resolved);
      continue;
    }
    if (type != AE_IFREG) {
      RETURN_IF_ERROR(tar.SkipData());
      continue;
    }
    int64_t size = archive_entry_size(e);
    if (size <= kSmallFile) {
      std::string data;
      data.reserve(static_cast<size_t>(size));
      RETURN_IF_ERROR(tar.ReadData([&](int64_t offset, std::string_view chunk) -> Status {
        if (static_cast<size_t>(offset) > data.size()) data.resize(static_cast<size_t>(offset));
        data.append(chunk);
        return Status::Ok();
      }));
      data.resize(static_cast<size_t>(size));
      files->AddSmall(path, std::move(data));
      continue;
    }
    ASSIGN_OR_RETURN(auto writer, files->blobs().NewWriter());
    RETURN_IF_ERROR(
        tar.ReadData([&](int64_t, std::string_view chunk) { return writer->Write(chunk); }));
    ASSIGN_OR_RETURN(Digest d, writer->Commit(std::nullopt, size));
    files->AddBlob(path, {d, size});
  }
  return Status::Ok();
}

Status ReadDirectory(const std::string& root, ArchiveFiles* files) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::string rel = std::filesystem::relative(it->path(), root).string();
    int64_t size = static_cast<int64_t>(it->file_size());
    if (size <= kSmallFile) {
      ASSIGN_OR_RETURN(std::string data, ReadFileToString(it->path().string()));
      files->AddSmall(rel, std::move(data));
      continue;
    }
    ASSIGN_OR_RETURN(auto in, FdReader::Open(it->path().string()));
    ASSIGN_OR_RETURN(auto writer, files->blobs().NewWriter());
    std::vector<char> buf(1 << 20);
    while (true) {
      ASSIGN_OR_RETURN(size_t got, in->Read(buf.data(), buf.size()));
      if (got == 0) break;
      RETURN_IF_ERROR(writer->Write({buf.data(), got}));
    }
    ASSIGN_OR_RETURN(Digest d, writer->Commit(std::nullopt, size));
    files->AddBlob(rel, {d, size});
  }
  if (ec) return Status::FromErrno(ec.value(), "read " + root);
  return Status::Ok();
}

// A name from OCI annotations: containerd's full name, else ref.name when it is a whole
// reference (a bare tag such as "latest" names no repository).
std::string NameFromAnnotations(const Descriptor& d) {
  for (const char* key : {"io.containerd.image.name", "org.opencontainers.image.ref.name"}) {
    auto it = d.annotations.find(key);
    if (it == d.annotations.end()) continue;
    const std::string& v = it->second;
    if (std::string_view(key) == "org.opencontainers.image.ref.name" &&
        v.find(':') == std::string::npos && v.find('/') == std::string::npos &&
        v.find('@') == std::string::npos) {
      continue;
    }
    Result<Reference> ref = Reference::Parse(v);
    if (ref.ok()) return ref->str();
    kLog.Warn("ignoring image name \"{}\": {}", v, ref.status().message());
  }
  return "";
}

struct Pending {
  std::vector<std::string> names;
  Descriptor target;
  Digest manifest;
};

// Stores manifest, config and layer blobs of one platform manifest.
Status CheckManifestBlobs(ArchiveFiles* files, const Descriptor& md) {
  ASSIGN_OR_RETURN(BlobRef mref, files->LayoutBlob(md));
  ASSIGN_OR_RETURN(std::string text, files->blobs().ReadSmall(mref.digest));
  ASSIGN_OR_RETURN(Manifest m, ParseManifest(text));
  RETURN_IF_ERROR(files->LayoutBlob(m.config).status());
  for (const Descriptor& l : m.layers) RETURN_IF_ERROR(files->LayoutBlob(l).status());
  return Status::Ok();
}

Result<std::vector<Pending>> PlanOci(ArchiveFiles* files, const Platform& platform) {
  ASSIGN_OR_RETURN(Index index, ParseIndex(*files->Small("index.json")));
  std::vector<Pending> out;
  for (const Descriptor& d : index.manifests) {
    Pending p;
    p.target = d;
    std::string name = NameFromAnnotations(d);
    Descriptor md = d;
    if (IsIndexType(d.media_type)) {
      ASSIGN_OR_RETURN(BlobRef iref, files->LayoutBlob(d));
      ASSIGN_OR_RETURN(std::string text, files->blobs().ReadSmall(iref.digest));
      ASSIGN_OR_RETURN(Index nested, ParseIndex(text));
      ASSIGN_OR_RETURN(md, SelectPlatform(nested, platform));
    } else if (!IsManifestType(d.media_type)) {
      kLog.Debug("skipping index entry of type {}", d.media_type);
      continue;
    }
    RETURN_IF_ERROR(CheckManifestBlobs(files, md));
    p.manifest = md.digest;
    p.names.push_back(name.empty() ? d.digest.str() : name);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<Pending>> PlanDocker(ArchiveFiles* files) {
  json list = json::parse(*files->Small("manifest.json"), nullptr, false);
  if (list.is_discarded() || !list.is_array()) {
    return Status::Invalid("manifest.json: not a JSON list");
  }
  std::vector<Pending> out;
  for (const json& item : list) {
    if (!item.is_object() || !item.contains("Config") || !item["Config"].is_string() ||
        !item.contains("Layers") || !item["Layers"].is_array()) {
      return Status::Invalid("manifest.json: entry without Config and Layers");
    }
    ASSIGN_OR_RETURN(BlobRef config, files->Blob(item["Config"].get<std::string>()));
    json manifest = {{"schemaVersion", 2},
                     {"mediaType", media::kOciManifest},
                     {"config",
                      {{"mediaType", media::kOciConfig},
                       {"digest", config.digest.str()},
                       {"size", config.size}}},
                     {"layers", json::array()}};
    for (const json& l : item["Layers"]) {
      if (!l.is_string()) return Status::Invalid("manifest.json: layer is not a path");
      ASSIGN_OR_RETURN(BlobRef layer, files->Blob(l.get<std::string>()));
      ASSIGN_OR_RETURN(auto in, FdReader::Open(files->blobs().Path(layer.digest)));
      char magic[4] = {};
      ASSIGN_OR_RETURN(size_t got, in->Read(magic, sizeof(magic)));
      Compression c = DetectCompression({magic, got});
      manifest["layers"].push_back(
          {{"mediaType", OciLayerType(c)}, {"digest", layer.digest.str()}, {"size", layer.size}});
    }
    std::string text = manifest.dump();
    ASSIGN_OR_RETURN(Digest md, files->blobs().Put(text));
    Pending p;
    p.target = Descriptor{
        std::string(media::kOciManifest), md, static_cast<int64_t>(text.size()), std::nullopt, {}};
    p.manifest = md;
    if (item.contains("RepoTags") && item["RepoTags"].is_array()) {
      for (const json& t : item["RepoTags"]) {
        if (!t.is_string()) continue;
        Result<Reference> ref = Reference::Parse(t.get<std::string>());
        if (ref.ok()) {
          p.names.push_back(ref->str());
        } else {
          kLog.Warn("ignoring image name \"{}\": {}", t.get<std::string>(), ref.status().message());
        }
      }
    }
    if (p.names.empty()) p.names.push_back(md.str());
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<std::string>> ImportInto(ImageStore* store,
                                            const std::function<Status(ArchiveFiles*)>& read) {
  // A failed import leaves unreferenced content; the caller removes it once the lock is
  // released (RemoveUnreferencedIfIdle), so that a concurrent writer's blobs are safe.
  ASSIGN_OR_RETURN(auto lock, store->LockForWrite());
  ArchiveFiles files(store->blobs());
  RETURN_IF_ERROR(read(&files));
  std::vector<Pending> plan;
  if (files.HasSmall("oci-layout") && files.HasSmall("index.json")) {
    ASSIGN_OR_RETURN(plan, PlanOci(&files, store->platform()));
  } else if (files.HasSmall("manifest.json")) {
    ASSIGN_OR_RETURN(plan, PlanDocker(&files));
  } else {
    return Status::Invalid(
        "not an OCI image layout (oci-layout, index.json) or a docker "
        "archive (manifest.json)");
  }
  std::vector<std::string> names;
  for (const Pending& p : plan) {
    RETURN_IF_ERROR(store->CommitImage(p.names, p.target, p.manifest));
    names.insert(names.end(), p.names.begin(), p.names.end());
  }
  return names;
}

}  // namespace

Result<std::vector<std::string>> ImageStore::ImportStream(Reader* archive) {
  auto r = ImportInto(this, [&](ArchiveFiles* files) { return ReadArchive(archive, files); });
  if (!r.ok()) (void)RemoveUnreferencedIfIdle();  // e.g. snapshots of verified layers
  return r;
}

Result<std::vector<std::string>> ImageStore::Import(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return Status::FromErrno(errno, path);
  Result<std::vector<std::string>> r = [&]() -> Result<std::vector<std::string>> {
    if (S_ISDIR(st.st_mode)) {
      auto r = ImportInto(this, [&](ArchiveFiles* files) { return ReadDirectory(path, files); });
      if (!r.ok()) (void)RemoveUnreferencedIfIdle();
      return r;
    }
    ASSIGN_OR_RETURN(auto in, FdReader::Open(path));
    return ImportStream(in.get());
  }();
  if (!r.ok()) return r.status().WithContext("import " + path);
  return r;
}

}  // namespace sampan::images
