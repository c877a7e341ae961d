#include "runtime/images/image_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "pkg/util/fs.h"
#include "pkg/util/log.h"
#include "pkg/util/random.h"
#include "runtime/images/layer_unpacker.h"
#include "runtime/images/reference.h"
#include "runtime/images/store_internal.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");
using json = nlohmann::json;

bool ValidHolder(std::string_view h) {
  if (h.empty() || h.size() > 200 || h == "." || h == "..") return false;
  for (char c : h) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

bool LooksLikeId(std::string_view ref) {
  if (ref.starts_with("sha256:")) ref.remove_prefix(7);
  if (ref.size() < 6 || ref.size() > 64) return false;
  return std::all_of(ref.begin(), ref.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") out.emplace_back(n);
  }
  closedir(d);
  return out;
}

}  // namespace

struct ImageStore::Record {
  std::string name;
  Descriptor target;
  Digest manifest;
  Digest config;
  int64_t created = 0;
  int64_t size = 0;
};

// --- opening, locking, temporary files ---------------------------------------------------

Result<std::unique_ptr<ImageStore>> ImageStore::Open(const std::string& data_dir,
                                                     StoreOptions options) {
  return OpenRoot(data_dir + "/agent/images", std::move(options));
}

Result<std::unique_ptr<ImageStore>> ImageStore::OpenRoot(const std::string& root,
                                                         StoreOptions options) {
  RETURN_IF_ERROR(MakeDirs(root, 0755));
  ASSIGN_OR_RETURN(BlobStore blobs, BlobStore::Open(root));
  for (const char* sub : {"snapshots", "index", "leases", "used"}) {
    RETURN_IF_ERROR(MakeDirs(root + "/" + sub, sub == std::string_view("snapshots") ? 0755 : 0700));
  }
  std::unique_ptr<ImageStore> store(new ImageStore(root, std::move(blobs), std::move(options)));
  store->CleanTmp();
  return store;
}

ImageStore::WriteLock::~WriteLock() {
  if (!marker_.empty()) unlink(marker_.c_str());
  if (fd_ >= 0) close(fd_);  // releases the flock
}

Result<int> OpenLockFile(const std::string& root) {
  int fd = open((root + "/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status::FromErrno(errno, "open image store lock");
  return fd;
}

Result<std::unique_ptr<ImageStore::WriteLock>> ImageStore::LockForWrite() const {
  ASSIGN_OR_RETURN(int fd, OpenLockFile(root_));
  while (flock(fd, LOCK_SH) != 0) {
    if (errno != EINTR) {
      close(fd);
      return Status::FromErrno(errno, "lock image store");
    }
  }
  std::string marker =
      root_ + "/tmp/writer-" + RandomString(12, "abcdefghijklmnopqrstuvwxyz0123456789");
  Status st = WriteFileAtomic(marker, std::to_string(getpid()), 0600);
  if (!st.ok()) {
    close(fd);
    return st;
  }
  return std::make_unique<WriteLock>(fd, std::move(marker));
}

Result<std::unique_ptr<ImageStore::WriteLock>> LockExclusive(const std::string& root, bool wait) {
  ASSIGN_OR_RETURN(int fd, OpenLockFile(root));
  while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) != 0) {
    int err = errno;
    if (err == EINTR) continue;
    close(fd);
    if (err == EWOULDBLOCK) return Status::Unavailable("image store busy");
    return Status::FromErrno(err, "lock image store");
  }
  return std::make_unique<ImageStore::WriteLock>(fd, "");
}

void ImageStore::CleanTmp() {
  // Only when nobody (another process) is writing: their tmp files are live.
  Result<std::unique_ptr<WriteLock>> lock = LockExclusive(root_, /*wait=*/false);
  if (!lock.ok()) return;
  std::error_code ec;
  bool crashed_writer = false;
  for (const std::string& name : ListDir(root_ + "/tmp")) {
    crashed_writer |= name.starts_with("writer-");
    std::filesystem::remove_all(root_ + "/tmp/" + name, ec);
    if (ec) kLog.Warn("cannot remove leftover {}/tmp/{}: {}", root_, name, ec.message());
  }
  if (crashed_writer) {
    // Blobs and snapshots a crashed pull or import had finished but never referenced.
    Result<GcReport> r = RemoveUnreferenced();
    if (!r.ok()) {
      kLog.Warn("cleaning up after an interrupted pull or import: {}", r.status().message());
    } else if (r->removed_blobs + r->removed_snapshots > 0) {
      kLog.Info("removed {} blobs and {} snapshots left by an interrupted pull or import",
                r->removed_blobs, r->removed_snapshots);
    }
  }
}

// --- records ------------------------------------------------------------------------------

std::string ImageStore::RecordPath(std::string_view name) const {
  return root_ + "/index/" + Digest::Of(name).hex() + ".json";
}

Result<std::vector<ImageStore::Record>> ImageStore::ReadRecords() const {
  std::vector<Record> out;
  for (const std::string& file : ListDir(root_ + "/index")) {
    if (!file.ends_with(".json")) continue;
    Result<std::string> text = ReadFileToString(root_ + "/index/" + file);
    if (!text.ok()) {
      if (text.status().IsNotFound()) continue;  // removed meanwhile
      return text.status();
    }
    json j = json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j["name"].is_string() ||
        !j["manifest"].is_string() || !j["config"].is_string() || !j["target"].is_object() ||
        !j["created"].is_number_integer() || !j["size"].is_number_integer()) {
      kLog.Warn("ignoring corrupt image record {}", file);
      continue;
    }
    Record r;
    r.name = j.value("name", "");
    Result<Descriptor> target = ParseDescriptor(j.value("target", json::object()).dump());
    Result<Digest> manifest = Digest::Parse(j.value("manifest", ""));
    Result<Digest> config = Digest::Parse(j.value("config", ""));
    if (!target.ok() || !manifest.ok() || !config.ok()) {
      kLog.Warn("ignoring corrupt image record {}", file);
      continue;
    }
    r.target = *target;
    r.manifest = *manifest;
    r.config = *config;
    r.created = j.value("created", int64_t{0});
    r.size = j.value("size", int64_t{0});
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const Record& a, const Record& b) { return a.name < b.name; });
  return out;
}

Result<ImageStore::Record> ImageStore::FindRecord(std::string_view ref) const {
  ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
  // Exact stored name first (covers unnamed images stored under their digest).
  for (const Record& r : records) {
    if (r.name == ref) return r;
  }
  Result<Reference> parsed = Reference::Parse(ref);
  if (parsed.ok()) {
    std::string want = parsed->str();
    for (const Record& r : records) {
      if (r.name == want) return r;
    }
    if (!parsed->digest.empty()) {  // name@digest: any record of that repository and digest
      for (const Record& r : records) {
        if ((r.target.digest.str() == parsed->digest || r.manifest.str() == parsed->digest) &&
            r.name.starts_with(parsed->name() + ":")) {
          return r;
        }
      }
    }
  }
  if (LooksLikeId(ref)) {
    std::string_view hex = ref.starts_with("sha256:") ? ref.substr(7) : ref;
    const Record* found = nullptr;
    for (const Record& r : records) {
      if (r.config.hex().starts_with(hex)) {
        if (found != nullptr && found->config != r.config) {
          return Status::Invalid("image ID prefix \"" + std::string(ref) + "\" is ambiguous");
        }
        found = &r;
      }
    }
    if (found != nullptr) {
      Record r = *found;
      r.name.clear();
      return r;
    }
    // An image in use that no name points to any more: its lease knows the manifest.
    for (const std::string& holder : ListDir(root_ + "/leases")) {
      Result<std::string> lease = ReadFileToString(root_ + "/leases/" + holder);
      if (!lease.ok()) continue;
      size_t space = lease->find(' ');
      Result<Digest> id = Digest::Parse(lease->substr(0, space));
      if (!id.ok() || !id->hex().starts_with(hex) || space == std::string::npos) continue;
      Result<Digest> manifest = Digest::Parse(lease->substr(space + 1));
      if (!manifest.ok()) continue;
      Record r;
      r.manifest = *manifest;
      r.config = *id;
      r.target.digest = *manifest;
      r.target.media_type = media::kOciManifest;
      return r;
    }
  }
  if (!parsed.ok() && !LooksLikeId(ref)) return parsed.status();
  return Status::NotFound("image \"" + std::string(ref) + "\" not found");
}

Result<std::vector<Digest>> ImageStore::ChainIds(const Digest& manifest_digest,
                                                 ImageConfig* config_out) const {
  ASSIGN_OR_RETURN(std::string manifest_text, blobs_.ReadSmall(manifest_digest));
  ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(manifest_text));
  ASSIGN_OR_RETURN(std::string config_text, blobs_.ReadSmall(manifest.config.digest));
  ASSIGN_OR_RETURN(ImageConfig config, ParseImageConfig(config_text));
  if (config.diff_ids.size() != manifest.layers.size()) {
    return Status::Invalid("image config lists " + std::to_string(config.diff_ids.size()) +
                           " diff_ids for " + std::to_string(manifest.layers.size()) + " layers");
  }
  std::vector<Digest> chain;
  Digest parent;
  for (const Digest& diff : config.diff_ids) {
    parent = NextChainId(parent, diff);
    chain.push_back(parent);
  }
  if (config_out) *config_out = std::move(config);
  return chain;
}

Result<ResolvedImage> ImageStore::Resolve(std::string_view ref) const {
  ASSIGN_OR_RETURN(Record r, FindRecord(ref));
  ResolvedImage out;
  out.id = r.config.str();
  out.name = r.name;
  out.manifest_digest = r.manifest.str();
  ASSIGN_OR_RETURN(std::vector<Digest> chain, ChainIds(r.manifest, &out.config));
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    std::string dir = root_ + "/snapshots/" + it->hex();
    if (access(dir.c_str(), F_OK) != 0) {
      return Status::NotFound("image " + std::string(ref) + ": layer snapshot " + it->str() +
                              " is missing (import or pull the image again)");
    }
    out.layer_dirs.push_back(std::move(dir));
  }
  return out;
}

std::vector<std::string> ImageStore::UsedIds(std::vector<Digest>* manifests) const {
  std::vector<std::string> ids;
  for (const std::string& holder : ListDir(root_ + "/leases")) {
    Result<std::string> lease = ReadFileToString(root_ + "/leases/" + holder);
    if (!lease.ok()) continue;
    size_t space = lease->find(' ');
    ids.push_back(lease->substr(0, space));
    if (manifests != nullptr && space != std::string::npos) {
      Result<Digest> m = Digest::Parse(lease->substr(space + 1));
      if (m.ok()) manifests->push_back(*m);
    }
  }
  return ids;
}

int64_t ImageStore::LastUsed(const Record& r) const {
  struct stat st;
  if (stat((root_ + "/used/" + r.config.hex()).c_str(), &st) == 0) {
    return std::max<int64_t>(r.created, st.st_mtim.tv_sec);
  }
  return r.created;
}

Result<std::vector<ImageInfo>> ImageStore::List() const {
  ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
  std::vector<std::string> used = UsedIds();
  std::vector<ImageInfo> out;
  for (const Record& r : records) {
    ImageInfo info;
    info.name = r.name;
    info.digest = r.target.digest.str();
    info.id = r.config.str();
    info.size = r.size;
    info.created = r.created;
    info.last_used = LastUsed(r);
    info.in_use = std::find(used.begin(), used.end(), info.id) != used.end();
    out.push_back(std::move(info));
  }
  return out;
}

// --- leases -------------------------------------------------------------------------------

Result<ResolvedImage> ImageStore::AddUse(std::string_view holder, std::string_view image_ref) {
  if (!ValidHolder(holder)) {
    return Status::Invalid("invalid image user \"" + std::string(holder) + "\"");
  }
  // Under the shared lock: GC (exclusive) either ran before and the image is gone, or runs
  // after and sees the lease.
  ASSIGN_OR_RETURN(auto lock, LockForWrite());
  ASSIGN_OR_RETURN(ResolvedImage image, Resolve(image_ref));
  // "<image id> <manifest digest>": the manifest keeps the content alive even if every
  // name of the image moves to another one meanwhile.
  RETURN_IF_ERROR(WriteFileAtomic(root_ + "/leases/" + std::string(holder),
                                  image.id + " " + image.manifest_digest, 0600));
  RETURN_IF_ERROR(WriteFileAtomic(root_ + "/used/" + image.id.substr(7), "", 0600));
  return image;
}

Status ImageStore::RemoveUse(std::string_view holder) {
  if (!ValidHolder(holder))
    return Status::Invalid("invalid image user \"" + std::string(holder) + "\"");
  std::string path = root_ + "/leases/" + std::string(holder);
  Result<std::string> id = ReadFileToString(path);
  if (!id.ok()) return id.status().IsNotFound() ? Status::Ok() : id.status();
  Result<Digest> d = Digest::Parse(id->substr(0, id->find(' ')));
  if (d.ok()) (void)WriteFileAtomic(root_ + "/used/" + d->hex(), "", 0600);
  if (unlink(path.c_str()) != 0 && errno != ENOENT) return Status::FromErrno(errno, "remove lease");
  return Status::Ok();
}

// --- committing an image ------------------------------------------------------------------

Status ImageStore::UnpackSnapshot(const Descriptor& layer, const Digest& diff_id,
                                  const Digest& chain, PendingSnapshots* pending,
                                  bool read_ahead) {
  std::string final_dir = root_ + "/snapshots/" + chain.hex();
  if (access(final_dir.c_str(), F_OK) == 0) return Status::Ok();
  std::string work =
      root_ + "/tmp/unpack-" + RandomString(16, "abcdefghijklmnopqrstuvwxyz0123456789");
  if (mkdir(work.c_str(), 0755) != 0) return Status::FromErrno(errno, "mkdir " + work);
  Status st = [&]() -> Status {
    ASSIGN_OR_RETURN(auto file, FdReader::Open(blobs_.Path(layer.digest)));
    // The DiffID check below covers every uncompressed byte: gzip's CRC would be redundant.
    ASSIGN_OR_RETURN(auto plain, Decompress(file.get(), nullptr, Checksum::kSkip));
    HashingReader hashed(plain.get());
    if (read_ahead) {
      ReadAheadReader ahead(&hashed);
      RETURN_IF_ERROR(UnpackLayer(&ahead, work).status());
      RETURN_IF_ERROR(Drain(&ahead));
    } else {
      RETURN_IF_ERROR(UnpackLayer(&hashed, work).status());
      RETURN_IF_ERROR(hashed.Drain());
    }
    Digest got = hashed.Finish();
    if (got != diff_id) {
      return Status::Invalid("layer " + layer.digest.str() + ": uncompressed content has digest " +
                             got.str() + " but the image config says " + diff_id.str());
    }
    return Status::Ok();
  }();
  if (!st.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
    return st;
  }
  pending->Add(std::move(work), std::move(final_dir));
  return Status::Ok();
}

Status ImageStore::CommitImage(const std::vector<std::string>& names, const Descriptor& target,
                               const Digest& manifest_digest) {
  ASSIGN_OR_RETURN(std::string manifest_text, blobs_.ReadSmall(manifest_digest));
  ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(manifest_text));
  ImageConfig config;
  ASSIGN_OR_RETURN(std::vector<Digest> chain, ChainIds(manifest_digest, &config));
  int64_t size = manifest.config.size + static_cast<int64_t>(manifest_text.size());
  std::vector<size_t> missing;  // layers without a snapshot, largest first
  for (size_t i = 0; i < manifest.layers.size(); ++i) {
    const Descriptor& layer = manifest.layers[i];
    if (!blobs_.Has(layer.digest))
      return Status::NotFound("layer blob " + layer.digest.str() + " missing");
    size += layer.size;
    if (access((root_ + "/snapshots/" + chain[i].hex()).c_str(), F_OK) != 0) missing.push_back(i);
  }
  std::stable_sort(missing.begin(), missing.end(), [&](size_t a, size_t b) {
    return manifest.layers[a].size > manifest.layers[b].size;
  });
  auto unpack = [&](size_t k, PendingSnapshots* pending, bool read_ahead) {
    size_t i = missing[k];
    return UnpackSnapshot(manifest.layers[i], config.diff_ids[i], chain[i], pending, read_ahead);
  };
  RETURN_IF_ERROR(UnpackBatch(root_ + "/tmp", missing.size(), unpack));
  int64_t now = time(nullptr);
  for (const std::string& name : names) {
    json j = {{"name", name},
              {"target", json::parse(SerializeDescriptor(target))},
              {"manifest", manifest_digest.str()},
              {"config", manifest.config.digest.str()},
              {"created", now},
              {"size", size}};
    RETURN_IF_ERROR(WriteFileAtomic(RecordPath(name), j.dump(), 0600));
  }
  return Status::Ok();
}

// --- removal and garbage collection -------------------------------------------------------

Status ImageStore::RemoveRecord(const Record& r) {
  if (unlink(RecordPath(r.name).c_str()) != 0 && errno != ENOENT) {
    return Status::FromErrno(errno, "remove image record");
  }
  return Status::Ok();
}

Status ImageStore::Remove(std::string_view ref) {
  ASSIGN_OR_RETURN(auto lock, LockExclusive(root_, /*wait=*/true));
  ASSIGN_OR_RETURN(Record r, FindRecord(ref));
  ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
  std::vector<Record> victims;
  if (r.name.empty()) {  // by ID: every name of that image
    for (const Record& x : records) {
      if (x.config == r.config) victims.push_back(x);
    }
  } else {
    victims.push_back(r);
  }
  size_t others = 0;
  for (const Record& x : records) others += x.config == r.config;
  others -= victims.size();
  std::vector<std::string> used = UsedIds();
  if (others == 0 && std::find(used.begin(), used.end(), r.config.str()) != used.end()) {
    return Status::Conflict("image " + std::string(ref) + " is in use by a container");
  }
  for (const Record& v : victims) RETURN_IF_ERROR(RemoveRecord(v));
  if (others == 0) unlink((root_ + "/used/" + r.config.hex()).c_str());
  return RemoveUnreferenced().status();
}

Result<GcReport> ImageStore::RemoveUnreferenced() {
  GcReport report;
  ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
  std::set<std::string> blobs_kept, snapshots_kept;
  // Images with a name, and images in use (whose names may have moved on).
  std::vector<Digest> manifests;
  UsedIds(&manifests);
  for (const Record& r : records) {
    blobs_kept.insert(r.target.digest.hex());
    manifests.push_back(r.manifest);
  }
  for (const Digest& manifest : manifests) {
    blobs_kept.insert(manifest.hex());
    Result<std::string> text = blobs_.ReadSmall(manifest);
    if (!text.ok()) continue;
    Result<Manifest> m = ParseManifest(*text);
    if (!m.ok()) continue;
    blobs_kept.insert(m->config.digest.hex());
    for (const Descriptor& l : m->layers) blobs_kept.insert(l.digest.hex());
    Result<std::vector<Digest>> chain = ChainIds(manifest, nullptr);
    if (!chain.ok()) continue;
    for (const Digest& c : *chain) snapshots_kept.insert(c.hex());
  }
  ASSIGN_OR_RETURN(std::vector<Digest> all, blobs_.List());
  for (const Digest& d : all) {
    if (blobs_kept.count(d.hex())) continue;
    Result<int64_t> size = blobs_.Size(d);
    RETURN_IF_ERROR(blobs_.Remove(d));
    report.removed_blobs++;
    if (size.ok()) report.freed_bytes += *size;
  }
  for (const std::string& s : ListDir(root_ + "/snapshots")) {
    if (snapshots_kept.count(s)) continue;
    // Move out of sight first: a half-deleted snapshot must never look complete.
    std::string doomed = root_ + "/tmp/remove-" + s;
    if (rename((root_ + "/snapshots/" + s).c_str(), doomed.c_str()) != 0) {
      return Status::FromErrno(errno, "remove snapshot " + s);
    }
    std::error_code ec;
    std::filesystem::remove_all(doomed, ec);
    if (ec) kLog.Warn("removing snapshot {}: {}", s, ec.message());
    report.removed_snapshots++;
  }
  for (const std::string& u : ListDir(root_ + "/used")) {
    bool live = std::any_of(records.begin(), records.end(),
                            [&](const Record& r) { return r.config.hex() == u; });
    if (!live) unlink((root_ + "/used/" + u).c_str());
  }
  return report;
}

Result<GcReport> ImageStore::RemoveUnreferencedIfIdle() {
  Result<std::unique_ptr<WriteLock>> lock = LockExclusive(root_, /*wait=*/false);
  if (!lock.ok()) return GcReport{};
  return RemoveUnreferenced();
}

Result<GcReport> ImageStore::Prune(bool all_unused) {
  ASSIGN_OR_RETURN(auto lock, LockExclusive(root_, /*wait=*/true));
  std::vector<std::string> removed;
  if (all_unused) {
    ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
    std::vector<std::string> used = UsedIds();
    for (const Record& r : records) {
      if (std::find(used.begin(), used.end(), r.config.str()) != used.end()) continue;
      RETURN_IF_ERROR(RemoveRecord(r));
      removed.push_back(r.name);
    }
  }
  ASSIGN_OR_RETURN(GcReport report, RemoveUnreferenced());
  report.removed_images = std::move(removed);
  return report;
}

Result<GcReport> ImageStore::CollectGarbage(const GcPolicy& policy) {
  DiskUsageFn usage = policy.disk_usage ? policy.disk_usage : DiskUsedPercent;
  ASSIGN_OR_RETURN(double used_percent, usage(root_));
  if (used_percent <= policy.high_percent) return GcReport{};
  Result<std::unique_ptr<WriteLock>> lock = LockExclusive(root_, /*wait=*/false);
  if (!lock.ok()) return GcReport{};  // a pull or import is running: next time
  GcReport report;
  // Unreferenced content first: it frees space without removing any image.
  ASSIGN_OR_RETURN(GcReport first, RemoveUnreferenced());
  report.removed_blobs += first.removed_blobs;
  report.removed_snapshots += first.removed_snapshots;
  report.freed_bytes += first.freed_bytes;
  ASSIGN_OR_RETURN(std::vector<Record> records, ReadRecords());
  std::vector<std::string> used = UsedIds();
  // Group names by image: an image goes (all its names) or stays.
  std::map<std::string, std::vector<Record>> by_id;
  for (const Record& r : records) by_id[r.config.hex()].push_back(r);
  std::vector<std::pair<int64_t, std::string>> order;
  for (auto& [id, recs] : by_id) {
    if (std::find(used.begin(), used.end(), "sha256:" + id) != used.end()) continue;
    int64_t last = 0;
    for (const Record& r : recs) last = std::max(last, LastUsed(r));
    order.emplace_back(last, id);
  }
  std::sort(order.begin(), order.end());
  for (const auto& [last, id] : order) {
    ASSIGN_OR_RETURN(used_percent, usage(root_));
    if (used_percent <= policy.low_percent) break;
    for (const Record& r : by_id[id]) {
      RETURN_IF_ERROR(RemoveRecord(r));
      report.removed_images.push_back(r.name);
    }
    ASSIGN_OR_RETURN(GcReport step, RemoveUnreferenced());
    report.removed_blobs += step.removed_blobs;
    report.removed_snapshots += step.removed_snapshots;
    report.freed_bytes += step.freed_bytes;
    kLog.Info("image gc: removed unused image {} (disk {:.1f}% used)", id.substr(0, 12),
              used_percent);
  }
  return report;
}

std::string FormatBytes(int64_t bytes) {
  const char* units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1000 && u < 4) {
    v /= 1000;
    ++u;
  }
  char buf[32];
  snprintf(buf, sizeof(buf), u == 0 ? "%.0f %s" : "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace sampan::images
