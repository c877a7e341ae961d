#pragma once
// ImageStore: the node's images, under <data-dir>/agent/images/ (the airgap archives of
// k3s' convention sit at the top of that folder; the store uses sub-folders):
//
//   blobs/sha256/<hex>     content-addressed blobs (manifests, configs, compressed layers)
//   snapshots/<chainid>/   unpacked layers, shared by every image with the same layer stack
//                          prefix (ChainID), ready for an overlayfs lowerdir
//   index/<hex>.json       one record per image name: what it points to (written last)
//   leases/<holder>        "<image ID> <manifest>": a container uses it, GC keeps it
//   used/<image hex>       its mtime is the image's last use (GC removes oldest first)
//   tmp/                   downloads and unpacks in progress (emptied at Open when idle)
//   airgap.json            archives the AirgapImporter has seen (airgap.h)
//
// Atomicity: blobs and snapshots are written under tmp/ and renamed into place once
// verified (sha256 of each blob; DiffID of each unpacked layer), and the name record is
// written after all of them, so a crash leaves no image that looks complete; leftovers are
// unreferenced content that the next Open() removes (a writer leaves a marker in tmp/ while
// it works; Open() finding one, with nobody writing, removes unreferenced blobs and
// snapshots too).
//
// For the container runtime:
//   auto store = ImageStore::Open(data_dir);
//   Result<ResolvedImage> image = store->AddUse(container_id, "busybox");  // or an ID
//   (from now on GC keeps that image, even if the name moves to another one)
//   mount overlay with lowerdir=LowerDirOption(*image), its own upperdir and workdir
//   store->RemoveUse(container_id);            // when the container is deleted
//
// Thread-safe, and several processes (the server, `sampan images ...`) may use one store:
// writers hold a shared flock on <root>/lock, removal and GC an exclusive one.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/status.h"
#include "runtime/images/blob_store.h"
#include "runtime/images/oci.h"
#include "runtime/images/pending_snapshots.h"
#include "runtime/images/stream.h"

namespace sampan::images {

// An image ready to run.
struct ResolvedImage {
  std::string id;               // the config digest, "sha256:..."
  std::string name;             // normalised name it was found by ("" when by ID)
  std::string manifest_digest;  // the platform manifest
  // Unpacked read-only layer directories, TOP-MOST FIRST (overlayfs lowerdir order).
  std::vector<std::string> layer_dirs;
  // Process defaults: entrypoint, cmd, env, working_dir, user, stop_signal,
  // exposed_ports, labels.
  ImageConfig config;
};

// The overlayfs "lowerdir=" value for an image: its layer directories, top-most first,
// joined with ':'. (The mount option page limits a mount to about 35 layers at these path
// lengths.)
inline std::string LowerDirOption(const ResolvedImage& image) {
  std::string out;
  for (const std::string& dir : image.layer_dirs) out += (out.empty() ? "" : ":") + dir;
  return out;
}

struct ImageInfo {
  std::string name;
  std::string digest;     // what the name points to (an index or a manifest): the repo digest
  std::string id;         // config digest
  int64_t size = 0;       // compressed bytes: config + layers (+ manifest)
  int64_t created = 0;    // unix seconds the image was stored
  int64_t last_used = 0;  // unix seconds of the last AddUse/RemoveUse (else `created`)
  bool in_use = false;
};

struct GcReport {
  std::vector<std::string> removed_images;  // names
  int removed_blobs = 0;
  int removed_snapshots = 0;
  int64_t freed_bytes = 0;  // blob bytes
};

// Disk usage of the file system holding the store: used percentage (0-100).
using DiskUsageFn = std::function<Result<double>(const std::string& path)>;

struct GcPolicy {
  double high_percent = 85;  // start removing unused images above this
  double low_percent = 80;   // ... until usage is at or below this
  DiskUsageFn disk_usage;    // unset: statvfs
};

struct StoreOptions {
  Platform platform = Platform::Host();  // what to pick from multi-platform indexes
};

class ImageStore {
 public:
  // Opens (creating) <data_dir>/agent/images.
  static Result<std::unique_ptr<ImageStore>> Open(const std::string& data_dir,
                                                  StoreOptions options = {});
  // Opens a store at exactly `root` (tests, benchmarks).
  static Result<std::unique_ptr<ImageStore>> OpenRoot(const std::string& root,
                                                      StoreOptions options = {});

  const std::string& root() const { return root_; }
  const BlobStore& blobs() const { return blobs_; }
  const Platform& platform() const { return options_.platform; }

  // By name ("busybox", "docker.io/library/busybox:latest", "reg:5000/a/b@sha256:...") or
  // by ID ("sha256:<config hex>", or a unique hex prefix of at least 6 digits; an image
  // in use is found by ID even when no name points to it any more).
  Result<ResolvedImage> Resolve(std::string_view ref) const;
  Result<std::vector<ImageInfo>> List() const;

  // Marks the image `image_ref` resolves to as used by `holder` (a container ID:
  // [A-Za-z0-9_.-]) and returns it, atomically with respect to GC and removal. One image
  // per holder; a second call replaces the first.
  Result<ResolvedImage> AddUse(std::string_view holder, std::string_view image_ref);
  Status RemoveUse(std::string_view holder);

  // Imports a `docker save` archive or an OCI image layout (a tar, plain, gzip or zstd, or a
  // directory). Returns the names stored.
  Result<std::vector<std::string>> Import(const std::string& path);
  // The same from a stream (already open archive).
  Result<std::vector<std::string>> ImportStream(Reader* archive);
  // Writes one image as a tar that is both an OCI layout and a `docker load` archive.
  Status Export(std::string_view ref, const std::string& out_path) const;

  // Removes a name. Conflict if its image is in use and no other name keeps it.
  // Unreferenced blobs and snapshots go with it.
  Status Remove(std::string_view ref);
  // Removes unreferenced blobs and snapshots; with `all_unused`, every image not in use too.
  Result<GcReport> Prune(bool all_unused);
  // Removes unreferenced blobs and snapshots unless a pull or import is running (then it
  // does nothing): what a failed pull or import calls once it has released its lock, so
  // that it keeps nothing (not even the layers it had verified and unpacked).
  Result<GcReport> RemoveUnreferencedIfIdle();
  // Image GC: if the file system is above policy.high_percent, removes unused images
  // oldest-first (last use) until it is at or below low_percent, then unreferenced content.
  // Skips (returns an empty report) when a pull or import is in progress.
  Result<GcReport> CollectGarbage(const GcPolicy& policy);

  // --- for the registry puller and importers -------------------------------------------
  // Records `names` -> `target` once every blob of `manifest` is present: unpacks missing
  // snapshots (verifying DiffIDs) and writes the records. The caller holds a WriteLock.
  Status CommitImage(const std::vector<std::string>& names, const Descriptor& target,
                     const Digest& manifest);
  // Unpacks one stored layer blob as snapshot `chain` unless it exists, verifying its
  // DiffID. The verified tree waits in tmp/ in `pending`, whose Publish() makes the whole
  // batch durable with one syncfs and visible (a puller unpacks each layer as it arrives,
  // then publishes them all; CommitImage does the rest). `read_ahead` decompresses and
  // hashes on a thread of its own while this one writes files (worth it when a core is
  // idle). The caller holds a WriteLock. Thread-safe.
  Status UnpackSnapshot(const Descriptor& layer, const Digest& diff_id, const Digest& chain,
                        PendingSnapshots* pending, bool read_ahead);
  // A shared lock for the duration of a pull or import.
  class WriteLock;
  Result<std::unique_ptr<WriteLock>> LockForWrite() const;

 private:
  struct Record;
  ImageStore(std::string root, BlobStore blobs, StoreOptions options)
      : root_(std::move(root)), blobs_(std::move(blobs)), options_(std::move(options)) {}

  std::string RecordPath(std::string_view name) const;
  Result<std::vector<Record>> ReadRecords() const;
  Result<Record> FindRecord(std::string_view ref) const;
  Result<std::vector<Digest>> ChainIds(const Digest& manifest, ImageConfig* config) const;
  // Image IDs held by leases (and, if asked, their manifests).
  std::vector<std::string> UsedIds(std::vector<Digest>* manifests = nullptr) const;
  int64_t LastUsed(const Record& r) const;
  Result<GcReport> RemoveUnreferenced();
  Status RemoveRecord(const Record& r);
  void CleanTmp();

  std::string root_;
  BlobStore blobs_;
  StoreOptions options_;
};

class ImageStore::WriteLock {
 public:
  ~WriteLock();
  // `marker`: a file in tmp/ saying a write is in progress ("" for none); removed with
  // the lock. One left behind tells Open() that a writer crashed.
  WriteLock(int fd, std::string marker) : fd_(fd), marker_(std::move(marker)) {}

 private:
  int fd_;
  std::string marker_;
};

// Human-readable byte count: "12.3 MB".
std::string FormatBytes(int64_t bytes);

}  // namespace sampan::images
