// bench images: a 100 MB (uncompressed), 4-layer gzip image built locally.
//   unpack   decompress + DiffID hash + unpack of every layer (MB/s of uncompressed data)
//   import   `images import` of the image as an OCI archive (seconds, peak RSS)
//   pull     from Debian's docker-registry on loopback into an empty store (seconds, peak RSS)
//   baseline `skopeo copy` + `umoci unpack` of the same image from the same registry
// Each phase runs in its own child process, so its peak RSS is its own (wait4 rusage).
// Prints one line: bench images: unpack_mb_s=... pull_s=... pull_rss_mb=...
// ratio_vs_skopeo_umoci=... (baseline seconds / our pull seconds: > 1 means faster).
// Without docker-registry, skopeo or umoci (scripts/deps.sh) the pull figures are skipped.
// On ext4 without a journal, the kernel passes over inodes freed in the last minute (five if
// their inode table block is still dirty) when it allocates new ones, one by one: within a
// few minutes of removing many files (such as the previous run's cleanup, or a test suite's)
// unpacking creates files several times slower. Compare runs taken a few minutes apart.

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <thread>

#include "pkg/util/fs.h"
#include "runtime/images/image_store.h"
#include "runtime/images/layer_unpacker.h"
#include "runtime/images/puller.h"
#include "runtime/images/stream.h"
#include "test/bench/bench_util.h"
#include "test/fixtures/image_builder.h"

namespace sampan::bench {
namespace {

using namespace sampan::images;  // NOLINT

constexpr int kLayers = 4;
constexpr size_t kLayerBytes = 25u << 20;  // uncompressed file data per layer

struct Phase {
  bool ok = false;
  double seconds = 0;
  double rss_mb = 0;
};

// Runs `fn` in a child process; its exit code is its success.
Phase RunChild(const std::function<int()>& fn) {
  fflush(stdout);  // or the child would print our buffered lines again
  auto start = BenchClock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int rc = fn();
    fflush(stdout);
    _exit(rc);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Phase p;
  p.seconds = std::chrono::duration<double>(BenchClock::now() - start).count();
  p.rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;
  p.ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return p;
}

int Shell(const std::string& cmd) { return system(cmd.c_str()) == 0 ? 0 : 1; }

// Text-like content: compresses about 3:1, like binaries and libraries do.
std::string Content(std::mt19937& rng, size_t size) {
  static const char* kWords[] = {"lorem ",
                                 "ipsum ",
                                 "dolor ",
                                 "sit ",
                                 "amet ",
                                 "\x7f"
                                 "ELF",
                                 "\x00\x00\x00\x01",
                                 "libc.so.6 ",
                                 "main ",
                                 "_start ",
                                 "\n"};
  std::string out;
  out.reserve(size);
  std::uniform_int_distribution<int> word(0, 10), byte(0, 255);
  while (out.size() < size) {
    if (byte(rng) < 40) {
      out += static_cast<char>(byte(rng));
    } else {
      out += kWords[word(rng)];
    }
  }
  out.resize(size);
  return out;
}

int BuildFixture(const std::string& dir) {
  std::mt19937 rng(42);
  std::vector<fixtures::Layer> layers;
  for (int l = 0; l < kLayers; ++l) {
    fixtures::Layer layer;
    layer.compression = Compression::kGzip;
    std::string d = "layer" + std::to_string(l);
    layer.entries.push_back(fixtures::Dir(d));
    size_t done = 0;
    int i = 0;
    // Mostly small files (as in /usr), a few large ones.
    while (done < kLayerBytes) {
      size_t size = (i % 50 == 0) ? (2u << 20) : (1024 + (rng() % 64) * 1024);
      size = std::min(size, kLayerBytes - done);
      std::string sub = d + "/dir" + std::to_string(i / 100);
      if (i % 100 == 0) layer.entries.push_back(fixtures::Dir(sub));
      layer.entries.push_back(fixtures::File(sub + "/f" + std::to_string(i), Content(rng, size)));
      done += size;
      ++i;
    }
    layers.push_back(std::move(layer));
  }
  auto image = fixtures::BuildImage(layers, {});
  if (!image.ok()) return 1;
  Status st = fixtures::WriteOciArchive(*image, "bench.local/bench:1", dir + "/bench.tar");
  if (st.ok()) st = fixtures::WriteOciDir(*image, "bench", dir + "/layout");
  for (size_t i = 0; st.ok() && i < image->layers.size(); ++i) {
    st = WriteFileAtomic(dir + "/layer" + std::to_string(i), image->layers[i].data, 0644);
  }
  if (!st.ok()) {
    fprintf(stderr, "fixture: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}

// Decompression and hashing alone: the floor under unpacking.
int InflateAll(const std::string& dir) {
  std::vector<char> buf(1 << 20);
  for (int i = 0; i < kLayers; ++i) {
    auto file = FdReader::Open(dir + "/layer" + std::to_string(i));
    if (!file.ok()) return 1;
    auto plain = Decompress(file->get());
    if (!plain.ok()) return 1;
    HashingReader hashed(plain->get());
    if (!hashed.Drain().ok()) return 1;
  }
  return 0;
}

int UnpackAll(const std::string& dir) {
  for (int i = 0; i < kLayers; ++i) {
    std::string root = dir + "/unpacked" + std::to_string(i);
    if (!MakeDirs(root, 0755).ok()) return 1;
    auto file = FdReader::Open(dir + "/layer" + std::to_string(i));
    if (!file.ok()) return 1;
    auto plain = Decompress(file->get());
    if (!plain.ok()) return 1;
    HashingReader hashed(plain->get());
    {
      ReadAheadReader ahead(&hashed);  // as the store does
      auto r = UnpackLayer(&ahead, root);
      if (!r.ok() || !Drain(&ahead).ok()) {
        fprintf(stderr, "unpack: %s\n", r.status().ToString().c_str());
        return 1;
      }
    }
    hashed.Finish();
  }
  // Like the store, make it durable before calling it done.
  sync();
  return 0;
}

}  // namespace
}  // namespace sampan::bench

int main() {
  using namespace sampan::bench;  // NOLINT
  using sampan::images::ImageStore;
  char tmpl[] = "/tmp/sampan-bench-images-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Summary summary("images");
  double uncompressed_mb = static_cast<double>(kLayers * kLayerBytes) / (1 << 20);

  if (!RunChild([&] { return BuildFixture(dir); }).ok) {
    fprintf(stderr, "cannot build the benchmark image\n");
    return 1;
  }
  sync();
  Phase inflate = RunChild([&] { return InflateAll(dir); });
  Phase stream = RunChild([&] { return UnpackAll(dir); });
  printf("decompress + sha256 only: %.2f s (%.0f MB/s)\n", inflate.seconds,
         uncompressed_mb / inflate.seconds);
  printf("one layer at a time: %.2f s (%.0f MB/s)\n", stream.seconds,
         uncompressed_mb / stream.seconds);
  Phase import = RunChild([&] {
    auto store = ImageStore::OpenRoot(dir + "/import-store");
    if (!store.ok()) return 1;
    auto r = (*store)->Import(dir + "/bench.tar");
    if (!r.ok()) fprintf(stderr, "import: %s\n", r.status().ToString().c_str());
    return r.ok() ? 0 : 1;
  });
  // The store's own unpack path (CommitImage: layers in parallel, DiffIDs checked, one
  // syncfs) on the imported blobs, hard-linked into a store without snapshots. (Not the
  // import store with its snapshots removed: ext4 without a journal skips inodes freed in
  // the last minute when it allocates new ones, and unpacking right after removing
  // thousands of files measured that scan rather than the unpacker.) The child times itself.
  std::string unpack_time = dir + "/unpack.seconds";
  Phase unpack = RunChild([&] {
    auto imported = ImageStore::OpenRoot(dir + "/import-store");
    if (!imported.ok()) return 1;
    auto image = (*imported)->Resolve("bench.local/bench:1");
    auto list = (*imported)->List();
    if (!image.ok() || !list.ok() || list->empty()) return 1;
    std::error_code ec;
    if (!sampan::MakeDirs(dir + "/unpack-store", 0755).ok()) return 1;
    std::filesystem::copy(dir + "/import-store/blobs", dir + "/unpack-store/blobs",
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::create_hard_links,
                          ec);
    if (ec) {
      fprintf(stderr, "copy blobs: %s\n", ec.message().c_str());
      return 1;
    }
    auto store = ImageStore::OpenRoot(dir + "/unpack-store");
    if (!store.ok()) return 1;
    sync();
    auto manifest = Digest::Parse(image->manifest_digest);
    auto target = Digest::Parse((*list)[0].digest);
    auto size = (*store)->blobs().Size(*target);
    Descriptor desc{std::string(media::kOciManifest), *target, *size, std::nullopt, {}};
    auto start = BenchClock::now();
    sampan::Status st = (*store)->CommitImage({"bench.local/bench:1"}, desc, *manifest);
    double secs = std::chrono::duration<double>(BenchClock::now() - start).count();
    if (!st.ok()) fprintf(stderr, "unpack: %s\n", st.ToString().c_str());
    return st.ok() && sampan::WriteFileAtomic(unpack_time, std::to_string(secs), 0644).ok() ? 0 : 1;
  });
  if (!unpack.ok || !import.ok || !stream.ok) return 1;
  double unpack_s = std::stod(sampan::ReadFileToString(unpack_time).value());
  printf("unpack: %.0f MB in %.2f s (%.0f MB/s), rss %.1f MB\n", uncompressed_mb, unpack_s,
         uncompressed_mb / unpack_s, unpack.rss_mb);
  printf("import: %.2f s, rss %.1f MB\n", import.seconds, import.rss_mb);
  summary.Add("image_mb", uncompressed_mb, 0)
      .Add("unpack_s", unpack_s)
      .Add("unpack_mb_s", uncompressed_mb / unpack_s, 0)
      .Add("unpack_1layer_mb_s", uncompressed_mb / stream.seconds, 0)
      .Add("unpack_rss_mb", unpack.rss_mb, 1)
      .Add("import_s", import.seconds)
      .Add("import_rss_mb", import.rss_mb, 1);

  bool tools = Shell("command -v docker-registry skopeo umoci >/dev/null") == 0;
  pid_t registry = -1;
  int port = 0;
  if (tools) {
    port = 20000 + static_cast<int>(getpid() % 20000);
    std::string config = dir + "/registry.yml";
    (void)sampan::WriteFileAtomic(
        config,
        "version: 0.1\nlog: {level: error}\nstorage:\n  filesystem: "
        "{rootdirectory: " +
            dir + "/registry}\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port) + "\n",
        0644);
    fflush(stdout);
    registry = fork();
    if (registry == 0) {
      (void)!freopen("/dev/null", "w", stderr);
      (void)!freopen("/dev/null", "w", stdout);
      execlp("docker-registry", "docker-registry", "serve", config.c_str(), nullptr);
      _exit(127);
    }
    std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v2/";
    bool up = false;
    for (int i = 0; i < 200 && !up; ++i) {
      up = Shell("curl -sf -o /dev/null " + url) == 0;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::string ref = "127.0.0.1:" + std::to_string(port) + "/bench/image:1";
    tools = up && Shell("skopeo copy --quiet --dest-tls-verify=false oci:" + dir +
                        "/layout:bench docker://" + ref + " >/dev/null") == 0;
    if (tools) {
      Phase pull = RunChild([&] {
        auto store = ImageStore::OpenRoot(dir + "/pull-store");
        if (!store.ok()) return 1;
        sampan::images::PullOptions options;
        auto config = sampan::images::RegistriesConfig::Parse(
            "mirrors:\n  \"127.0.0.1:" + std::to_string(port) +
            "\":\n    endpoint: [\"http://127.0.0.1:" + std::to_string(port) + "\"]\n");
        if (!config.ok()) return 1;
        options.registries = *config;
        auto r = sampan::images::Pull(store->get(), ref, options);
        if (!r.ok()) fprintf(stderr, "pull: %s\n", r.status().ToString().c_str());
        return r.ok() ? 0 : 1;
      });
      Phase baseline = RunChild([&] {
        return Shell("skopeo copy --quiet --src-tls-verify=false docker://" + ref + " oci:" + dir +
                     "/skopeo:bench >/dev/null && umoci unpack --image " + dir + "/skopeo:bench " +
                     dir + "/bundle >/dev/null 2>&1 && sync");
      });
      if (pull.ok && baseline.ok) {
        printf("pull: %.2f s, rss %.1f MB; skopeo copy + umoci unpack: %.2f s\n", pull.seconds,
               pull.rss_mb, baseline.seconds);
        summary.Add("pull_s", pull.seconds)
            .Add("pull_rss_mb", pull.rss_mb, 1)
            .Add("skopeo_umoci_s", baseline.seconds)
            .Add("ratio_vs_skopeo_umoci", baseline.seconds / pull.seconds);
      } else {
        fprintf(stderr, "pull phase failed (ours ok=%d, baseline ok=%d)\n", pull.ok, baseline.ok);
        tools = false;
      }
    }
    kill(registry, SIGTERM);
    waitpid(registry, nullptr, 0);
  }
  if (!tools) fprintf(stderr, "pull figures skipped: docker-registry, skopeo or umoci missing\n");
  summary.Print();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return tools ? 0 : 1;
}
