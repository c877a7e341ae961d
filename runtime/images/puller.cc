#include "runtime/images/puller.h"

#include <atomic>
#include <thread>

#include "pkg/util/log.h"
#include "runtime/images/pull_progress.h"
#include "runtime/images/reference.h"
#include "runtime/images/registry_client.h"

namespace sampan::images {
namespace {

const log::Logger kLog("images");

// Downloads one blob into the store, verified.
Status FetchVerified(RegistryClient* client, const ImageStore& store, const Descriptor& d,
                     PullProgress* progress, size_t line) {
  ASSIGN_OR_RETURN(auto writer, store.blobs().NewWriter());
  RETURN_IF_ERROR(
      client->FetchBlob(d, writer.get(), [&](uint64_t done) { progress->Update(line, done); }));
  Result<Digest> got = writer->Commit(d.digest, d.size);
  if (!got.ok()) return got.status().WithContext("blob from " + client->endpoint().str());
  return Status::Ok();
}

struct Attempt {
  PullResult result;
};

Status PullFrom(ImageStore* store, const Reference& ref, const Endpoint& endpoint,
                const PullOptions& options, Attempt* attempt) {
  RegistryClient client(endpoint);
  ASSIGN_OR_RETURN(FetchedManifest top, client.GetManifest(ref.manifest_ref()));
  auto put = [&](const std::string& body) { return store->blobs().Put(body).status(); };
  Descriptor target{
      top.media_type, top.digest, static_cast<int64_t>(top.body.size()), std::nullopt, {}};
  FetchedManifest manifest = top;
  if (IsIndexType(top.media_type)) {
    ASSIGN_OR_RETURN(Index index, ParseIndex(top.body));
    ASSIGN_OR_RETURN(Descriptor chosen, SelectPlatform(index, store->platform()));
    ASSIGN_OR_RETURN(manifest, client.GetManifest(chosen.digest.str()));
    RETURN_IF_ERROR(put(top.body));
  } else if (!IsManifestType(top.media_type)) {
    return Status::Invalid("unsupported manifest type \"" + top.media_type + "\"");
  }
  ASSIGN_OR_RETURN(Manifest m, ParseManifest(manifest.body));
  RETURN_IF_ERROR(put(manifest.body));

  // The config first: its DiffIDs let each layer be unpacked as soon as it has arrived,
  // while the others are still downloading.
  PullProgress progress(options.progress);
  size_t config_line = progress.Add(m.config.digest.str().substr(0, 19), m.config.size);
  if (!store->blobs().Has(m.config.digest)) {
    RETURN_IF_ERROR(FetchVerified(&client, *store, m.config, &progress, config_line));
    attempt->result.downloaded_bytes += m.config.size;
  }
  progress.Finish(config_line, "done");
  ASSIGN_OR_RETURN(std::string config_text, store->blobs().ReadSmall(m.config.digest));
  ASSIGN_OR_RETURN(ImageConfig config, ParseImageConfig(config_text));
  if (config.diff_ids.size() != m.layers.size()) {
    return Status::Invalid("image config lists " + std::to_string(config.diff_ids.size()) +
                           " diff_ids for " + std::to_string(m.layers.size()) + " layers");
  }
  std::vector<Digest> chain;
  for (const Digest& diff : config.diff_ids) {
    chain.push_back(NextChainId(chain.empty() ? Digest() : chain.back(), diff));
  }
  const std::vector<Descriptor>& wanted = m.layers;
  std::vector<size_t> lines;
  for (const Descriptor& d : wanted) {
    lines.push_back(progress.Add(d.digest.str().substr(0, 19), d.size));
  }
  // Layers in parallel: each worker has its own client (connections are not shared). Each
  // layer is unpacked as soon as it is verified; all are made durable at the end together.
  PendingSnapshots pending;
  pending.SyncInBackground(store->root() + "/tmp");
  std::mutex mu;
  std::atomic<size_t> next{0};
  Status failure;
  auto worker = [&](RegistryClient* c) {
    while (true) {
      size_t i = next.fetch_add(1);
      if (i >= wanted.size()) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!failure.ok()) return;
      }
      const Descriptor& d = wanted[i];
      bool fetched = false;
      Status st;
      if (!store->blobs().Has(d.digest)) {
        st = FetchVerified(c, *store, d, &progress, lines[i]);
        fetched = st.ok();
      }
      if (fetched) {
        std::lock_guard<std::mutex> lock(mu);
        attempt->result.downloaded_bytes += d.size;
      }
      if (st.ok()) {
        progress.Finish(lines[i], "unpacking");
        st = store->UnpackSnapshot(d, config.diff_ids[i], chain[i], &pending,
                                   /*read_ahead=*/true);
      }
      progress.Finish(lines[i], st.ok() ? (fetched ? "done" : "exists") : "failed");
      if (!st.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (failure.ok()) failure = st;
      }
    }
  };
  int n = std::max(1, std::min<int>(options.max_parallel_layers, static_cast<int>(wanted.size())));
  std::vector<std::unique_ptr<RegistryClient>> clients;
  std::vector<std::thread> threads;
  for (int t = 1; t < n; ++t) {
    clients.push_back(client.Clone());
    threads.emplace_back(worker, clients.back().get());
  }
  worker(&client);
  for (std::thread& t : threads) t.join();
  progress.Flush();
  RETURN_IF_ERROR(failure);
  RETURN_IF_ERROR(pending.Publish());

  attempt->result.name = ref.str();
  attempt->result.digest = target.digest.str();
  attempt->result.id = m.config.digest.str();
  attempt->result.endpoint = endpoint.str();
  return store->CommitImage({ref.str()}, target, manifest.digest);
}

}  // namespace

// Pull() under the store's write lock.
Result<PullResult> PullLocked(ImageStore* store, const Reference& ref,
                              const std::vector<Endpoint>& endpoints, const PullOptions& options);

Result<PullResult> Pull(ImageStore* store, std::string_view text, const PullOptions& options) {
  ASSIGN_OR_RETURN(Reference ref, Reference::Parse(text));
  ASSIGN_OR_RETURN(std::vector<Endpoint> endpoints,
                   options.registries.EndpointsFor(ref.domain, ref.repository));
  Result<PullResult> result = PullLocked(store, ref, endpoints, options);
  if (!result.ok()) (void)store->RemoveUnreferencedIfIdle();  // verified layers too
  return result;
}

Result<PullResult> PullLocked(ImageStore* store, const Reference& ref,
                              const std::vector<Endpoint>& endpoints, const PullOptions& options) {
  ASSIGN_OR_RETURN(auto lock, store->LockForWrite());
  Status last;
  for (const Endpoint& endpoint : endpoints) {
    Attempt attempt;
    Status st = PullFrom(store, ref, endpoint, options, &attempt);
    // Verified blobs of a failed attempt may serve the next endpoint; if the pull fails
    // as a whole, Pull() removes whatever nothing references.
    if (st.ok()) return attempt.result;
    kLog.Debug("pull {} from {}: {}", ref.str(), endpoint.str(), st.message());
    last = st.WithContext("pull " + ref.str() + " from " + endpoint.str());
    // Content that is wrong (digest mismatch, bad manifest) is an error, not a reason to
    // try the next mirror; a missing or unreachable one is.
    if (st.code() == Code::kInvalid) return last;
  }
  return last;
}

}  // namespace sampan::images
