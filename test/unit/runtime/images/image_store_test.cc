#include "runtime/images/image_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <filesystem>

#include "pkg/util/fs.h"
#include "test/fixtures/image_builder.h"
#include "test/unit/runtime/images/test_dir.h"

namespace sampan::images {
namespace {

using testing::TestDir;

class ImageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = ImageStore::Open(dir_ / "data");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
    auto multi = fixtures::MultiLayerImage();
    ASSERT_TRUE(multi.ok());
    multi_ = *multi;
    auto busybox = fixtures::BusyboxImage();
    ASSERT_TRUE(busybox.ok()) << busybox.status().ToString();
    busybox_ = *busybox;
  }

  std::vector<std::string> Import(const std::string& path) {
    auto names = store_->Import(path);
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    return names.ok() ? *names : std::vector<std::string>{};
  }

  size_t CountFiles(const std::string& sub) {
    size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator(store_->root() + "/" + sub)) {
      (void)e;
      ++n;
    }
    return n;
  }

  TestDir dir_;
  std::unique_ptr<ImageStore> store_;
  fixtures::Image multi_;
  fixtures::Image busybox_;
};

TEST_F(ImageStoreTest, ImportsOciArchiveAndResolvesLayersTopMostFirst) {
  ASSERT_TRUE(fixtures::WriteOciArchive(multi_, "example.com/multi:1", dir_ / "m.tar").ok());
  EXPECT_EQ(Import(dir_ / "m.tar"), std::vector<std::string>{"example.com/multi:1"});
  EXPECT_EQ(store_->root(), dir_ / "data/agent/images");

  auto image = store_->Resolve("example.com/multi:1");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->id, multi_.config.digest().str());
  EXPECT_EQ(image->manifest_digest, multi_.manifest.digest().str());
  ASSERT_EQ(image->layer_dirs.size(), 3u);
  // Top-most first: the plain third layer has srv/, the bottom one data/.
  EXPECT_TRUE(std::filesystem::exists(image->layer_dirs[0] + "/srv/index.html"));
  EXPECT_TRUE(std::filesystem::exists(image->layer_dirs[2] + "/data/owned"));
  EXPECT_EQ(ReadFileToString(image->layer_dirs[1] + "/etc/hostname").value(), "top\n");
  EXPECT_EQ(LowerDirOption(*image),
            image->layer_dirs[0] + ":" + image->layer_dirs[1] + ":" + image->layer_dirs[2]);
  struct stat a, b;
  ASSERT_EQ(lstat((image->layer_dirs[1] + "/etc/hostname").c_str(), &a), 0);
  ASSERT_EQ(lstat((image->layer_dirs[1] + "/etc/hostname-link").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(std::filesystem::read_symlink(image->layer_dirs[1] + "/etc/absolute-symlink"),
            "/etc/hostname");
  if (geteuid() == 0) {
    struct stat w;
    ASSERT_EQ(lstat((image->layer_dirs[1] + "/etc/remove-me").c_str(), &w), 0);
    EXPECT_TRUE(S_ISCHR(w.st_mode) && w.st_rdev == makedev(0, 0));
    char v[2] = {};
    EXPECT_EQ(getxattr((image->layer_dirs[1] + "/opaque").c_str(), "trusted.overlay.opaque", v, 2),
              1);
    struct stat owned;
    ASSERT_EQ(stat((image->layer_dirs[2] + "/data/owned").c_str(), &owned), 0);
    EXPECT_EQ(owned.st_uid, 1000u);
  }
  const ImageConfig& c = image->config;
  EXPECT_EQ(c.entrypoint, (std::vector<std::string>{"/bin/sh", "-c"}));
  EXPECT_EQ(c.cmd, std::vector<std::string>{"echo hi"});
  EXPECT_EQ(c.working_dir, "/srv");
  EXPECT_EQ(c.user, "1000:1000");
  EXPECT_EQ(c.stop_signal, "SIGQUIT");
  EXPECT_EQ(c.exposed_ports, std::vector<std::string>{"80/tcp"});
  EXPECT_EQ(c.env.back(), "GREETING=hello");

  // By ID and by ID prefix.
  EXPECT_TRUE(store_->Resolve(image->id).ok());
  EXPECT_TRUE(store_->Resolve(image->id.substr(7, 12)).ok());
  EXPECT_TRUE(store_->Resolve("example.com/multi:2").status().IsNotFound());
}

TEST_F(ImageStoreTest, ImportsDockerArchivesPlainGzipAndZstd) {
  int i = 0;
  for (Compression c : {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    std::string path = dir_ / ("d" + std::to_string(i++) + ".tar");
    std::string tag = "busybox:c" + std::to_string(i);
    ASSERT_TRUE(fixtures::WriteDockerArchive(busybox_, tag, path, c).ok());
    EXPECT_EQ(Import(path), std::vector<std::string>{"docker.io/library/" + tag});
    auto image = store_->Resolve(tag);
    ASSERT_TRUE(image.ok()) << image.status().ToString();
    ASSERT_EQ(image->layer_dirs.size(), 1u);
    struct stat st;
    ASSERT_EQ(stat((image->layer_dirs[0] + "/bin/busybox").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0755u);
    EXPECT_EQ(image->config.cmd, std::vector<std::string>{"sh"});
  }
  // The three imports share one snapshot (same DiffID chain).
  EXPECT_EQ(CountFiles("snapshots"), 1u);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 3u);
  EXPECT_GT((*list)[0].size, 500000);
}

TEST_F(ImageStoreTest, ImportsOciDirectoryAndSelectsPlatformFromIndex) {
  ASSERT_TRUE(fixtures::WriteOciDir(busybox_, "dir/image:1", dir_ / "layout").ok());
  EXPECT_EQ(Import(dir_ / "layout"), std::vector<std::string>{"docker.io/dir/image:1"});

  fixtures::ConfigSpec other;
  other.architecture = "s390x";
  auto foreign = fixtures::BuildImage({fixtures::Layer{{fixtures::File("s390x", "x")}}}, other);
  ASSERT_TRUE(foreign.ok());
  Platform host = Platform::Host();
  ASSERT_TRUE(fixtures::WriteOciIndexArchive({{"linux/s390x", *foreign}, {host.str(), multi_}},
                                             "multi/arch:1", dir_ / "index.tar")
                  .ok());
  EXPECT_EQ(Import(dir_ / "index.tar"), std::vector<std::string>{"docker.io/multi/arch:1"});
  auto image = store_->Resolve("multi/arch:1");
  ASSERT_TRUE(image.ok()) << image.status().ToString();
  EXPECT_EQ(image->manifest_digest, multi_.manifest.digest().str());
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  bool found = false;
  for (const ImageInfo& i : *list) {
    if (i.name == "docker.io/multi/arch:1") {
      found = true;
      EXPECT_NE(i.digest, multi_.manifest.digest().str());  // the index is the repo digest
    }
  }
  EXPECT_TRUE(found);

  StoreOptions s390;
  s390.platform = {"linux", "arm", "v5"};
  auto other_store = ImageStore::OpenRoot(dir_ / "other", s390);
  ASSERT_TRUE(other_store.ok());
  auto r = (*other_store)->Import(dir_ / "index.tar");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no image for platform linux/arm/v5"), std::string::npos)
      << r.status().ToString();
}

TEST_F(ImageStoreTest, DiffIdMismatchFailsAndKeepsNothing) {
  fixtures::Image bad = multi_;
  bad.diff_ids[1] = Digest::Of("not the layer");
  auto rebuilt = fixtures::BuildImageFromBlobs(bad.layers, bad.diff_ids, {});
  ASSERT_TRUE(rebuilt.ok());
  ASSERT_TRUE(fixtures::WriteOciArchive(*rebuilt, "bad/diffid:1", dir_ / "bad.tar").ok());
  auto r = store_->Import(dir_ / "bad.tar");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("image config says"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(CountFiles("blobs/sha256"), 0u);
  EXPECT_EQ(CountFiles("index"), 0u);
  EXPECT_EQ(CountFiles("tmp"), 0u);
  // Not even the snapshots of the layers that were fine.
  EXPECT_EQ(CountFiles("snapshots"), 0u);
}

TEST_F(ImageStoreTest, CorruptBlobInLayoutFails) {
  fixtures::Image bad = busybox_;
  ASSERT_TRUE(fixtures::WriteOciDir(bad, "corrupt:1", dir_ / "layout").ok());
  std::string layer = dir_ / ("layout/blobs/sha256/" + bad.layers[0].digest().hex());
  std::string data = ReadFileToString(layer).value();
  data[data.size() / 2] ^= 1;
  ASSERT_TRUE(WriteFileAtomic(layer, data, 0644).ok());
  auto r = store_->Import(dir_ / "layout");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("digest mismatch"), std::string::npos)
      << r.status().ToString();
  EXPECT_EQ(CountFiles("blobs/sha256"), 0u);
  EXPECT_EQ(CountFiles("index"), 0u);
}

TEST_F(ImageStoreTest, RefusesArchivesThatAreNotImages) {
  ASSERT_TRUE(
      WriteFileAtomic(dir_ / "x.tar", fixtures::TarOf({fixtures::File("a", "b")}), 0644).ok());
  auto r = store_->Import(dir_ / "x.tar");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not an OCI image layout"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomic(dir_ / "y.tar", "garbage", 0644).ok());
  EXPECT_FALSE(store_->Import(dir_ / "y.tar").ok());
}

TEST_F(ImageStoreTest, RemoveHonoursUsersAndFreesContent) {
  ASSERT_TRUE(fixtures::WriteOciArchive(multi_, "multi:1", dir_ / "m.tar").ok());
  ASSERT_TRUE(fixtures::WriteDockerArchive(busybox_, "busybox:1", dir_ / "b.tar").ok());
  Import(dir_ / "m.tar");
  Import(dir_ / "b.tar");
  auto image = store_->Resolve("multi:1");
  ASSERT_TRUE(image.ok());
  ASSERT_TRUE(store_->AddUse("container-1", "multi:1").ok());
  EXPECT_TRUE(store_->Remove("multi:1").IsConflict());
  auto pruned = store_->Prune(/*all_unused=*/true);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed_images, std::vector<std::string>{"docker.io/library/busybox:1"});
  EXPECT_TRUE(store_->Resolve("multi:1").ok());
  EXPECT_TRUE(store_->Resolve("busybox:1").status().IsNotFound());
  EXPECT_EQ(CountFiles("snapshots"), 3u);

  ASSERT_TRUE(store_->RemoveUse("container-1").ok());
  EXPECT_TRUE(store_->Remove("multi:1").ok());
  EXPECT_EQ(CountFiles("snapshots"), 0u);
  EXPECT_EQ(CountFiles("blobs/sha256"), 0u);
  EXPECT_FALSE(store_->AddUse("../escape", "x").ok());
}

TEST_F(ImageStoreTest, ImageInUseSurvivesItsNameMovingOn) {
  ASSERT_TRUE(fixtures::WriteOciArchive(multi_, "app:1", dir_ / "m.tar").ok());
  ASSERT_TRUE(fixtures::WriteOciArchive(busybox_, "app:1", dir_ / "b.tar").ok());
  Import(dir_ / "m.tar");
  auto used = store_->AddUse("c1", "app:1");
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(used->id, multi_.config.digest().str());
  EXPECT_EQ(used->layer_dirs.size(), 3u);
  Import(dir_ / "b.tar");  // app:1 is busybox now
  EXPECT_EQ(store_->Resolve("app:1")->id, busybox_.config.digest().str());
  auto pruned = store_->Prune(/*all_unused=*/false);
  ASSERT_TRUE(pruned.ok());
  for (const std::string& dir : used->layer_dirs) {
    EXPECT_TRUE(std::filesystem::exists(dir)) << dir;
  }
  // No name lists it, but by ID (a kubelet re-adopting its container) it still resolves.
  auto by_id = store_->Resolve(used->id);
  ASSERT_TRUE(by_id.ok()) << by_id.status().ToString();
  EXPECT_EQ(by_id->layer_dirs, used->layer_dirs);
  auto list = store_->List();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 1u);
  ASSERT_TRUE(store_->RemoveUse("c1").ok());
  EXPECT_TRUE(store_->Resolve(used->id).status().IsNotFound());
  ASSERT_TRUE(store_->Prune(false).ok());
  EXPECT_FALSE(std::filesystem::exists(used->layer_dirs[0]));
  EXPECT_TRUE(store_->Resolve("app:1").ok());
}

TEST_F(ImageStoreTest, GcRemovesUnusedImagesOldestFirstUntilLowThreshold) {
  ASSERT_TRUE(fixtures::WriteOciArchive(multi_, "old:1", dir_ / "m.tar").ok());
  ASSERT_TRUE(fixtures::WriteDockerArchive(busybox_, "mid:1", dir_ / "b.tar").ok());
  fixtures::ConfigSpec spec;
  spec.cmd = {"new"};
  auto newer = fixtures::BuildImage({fixtures::Layer{{fixtures::File("n", "n")}}}, spec);
  ASSERT_TRUE(newer.ok());
  ASSERT_TRUE(fixtures::WriteOciArchive(*newer, "new:1", dir_ / "n.tar").ok());
  ASSERT_TRUE(fixtures::WriteOciArchive(*newer, "used:1", dir_ / "u.tar").ok());
  Import(dir_ / "m.tar");
  Import(dir_ / "b.tar");
  Import(dir_ / "n.tar");
  // Make the order explicit: old < mid < new by last use.
  auto touch = [&](const std::string& ref, int64_t when) {
    auto image = store_->Resolve(ref);
    ASSERT_TRUE(image.ok());
    std::string used = store_->root() + "/used/" + image->id.substr(7);
    ASSERT_TRUE(WriteFileAtomic(used, "", 0600).ok());
    timespec t[2] = {{when, 0}, {when, 0}};
    utimensat(AT_FDCWD, used.c_str(), t, 0);
  };
  int64_t future = time(nullptr) + 1000;
  touch("old:1", future + 1);  // used most recently, but...
  touch("mid:1", future + 2);
  touch("new:1", future + 3);
  ASSERT_TRUE(store_->AddUse("c1", "old:1").ok());  // ... in use: never collected
  touch("old:1", future + 1);

  // Fake disk: 90% until two images are gone.
  int removed_calls = 0;
  GcPolicy policy;
  policy.disk_usage = [&](const std::string&) -> Result<double> {
    auto list = store_->List();
    size_t n = list.ok() ? list->size() : 0;
    ++removed_calls;
    return n >= 3 ? 90.0 : 79.0;
  };
  auto report = store_->CollectGarbage(policy);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->removed_images, std::vector<std::string>{"docker.io/library/mid:1"});
  EXPECT_TRUE(store_->Resolve("old:1").ok());
  EXPECT_TRUE(store_->Resolve("new:1").ok());

  // Below the high threshold nothing happens.
  policy.disk_usage = [](const std::string&) -> Result<double> { return 84.0; };
  report = store_->CollectGarbage(policy);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->removed_images.empty());
}

TEST_F(ImageStoreTest, ExportRoundTripsThroughImport) {
  ASSERT_TRUE(fixtures::WriteOciArchive(multi_, "multi:1", dir_ / "m.tar").ok());
  Import(dir_ / "m.tar");
  ASSERT_TRUE(store_->Export("multi:1", dir_ / "out.tar").ok());
  auto other = ImageStore::OpenRoot(dir_ / "other");
  ASSERT_TRUE(other.ok());
  auto names = (*other)->Import(dir_ / "out.tar");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, std::vector<std::string>{"docker.io/library/multi:1"});
  auto image = (*other)->Resolve("multi:1");
  ASSERT_TRUE(image.ok());
  EXPECT_EQ(image->id, multi_.config.digest().str());
  EXPECT_EQ(image->layer_dirs.size(), 3u);
}

TEST_F(ImageStoreTest, OpenRemovesLeftoversOfACrash) {
  std::string tmp = store_->root() + "/tmp/unpack-crashed";
  ASSERT_TRUE(MakeDirs(tmp + "/etc", 0755).ok());
  ASSERT_TRUE(WriteFileAtomic(store_->root() + "/tmp/blob-partial", "half", 0600).ok());
  auto reopened = ImageStore::Open(dir_ / "data");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(CountFiles("tmp"), 0u);
}

TEST_F(ImageStoreTest, OpenRemovesContentOfACrashedWriter) {
  ASSERT_TRUE(fixtures::WriteOciArchive(busybox_, "kept:1", dir_ / "b.tar").ok());
  Import(dir_ / "b.tar");
  size_t blobs = CountFiles("blobs/sha256");
  // A pull that died after storing a blob and a snapshot, before its record.
  auto orphan = store_->blobs().Put("orphan layer");
  ASSERT_TRUE(orphan.ok());
  ASSERT_TRUE(MakeDirs(store_->root() + "/snapshots/" + std::string(64, 'a'), 0755).ok());
  {
    // Without a writer's marker, nothing but tmp/ is touched.
    auto reopened = ImageStore::Open(dir_ / "data");
    ASSERT_TRUE(reopened.ok());
    EXPECT_EQ(CountFiles("blobs/sha256"), blobs + 1);
  }
  ASSERT_TRUE(WriteFileAtomic(store_->root() + "/tmp/writer-crashed", "123", 0600).ok());
  auto reopened = ImageStore::Open(dir_ / "data");
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(CountFiles("blobs/sha256"), blobs);
  EXPECT_EQ(CountFiles("snapshots"), 1u);
  EXPECT_TRUE((*reopened)->Resolve("kept:1").ok());
}

}  // namespace
}  // namespace sampan::images
