#include "runtime/images/airgap.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "pkg/util/fs.h"
#include "test/fixtures/image_builder.h"
#include "test/unit/runtime/images/test_dir.h"

namespace sampan::images {
namespace {

TEST(AirgapTest, RecognisesArchiveNames) {
  for (std::string_view n : {"a.tar", "a.tar.gz", "a.tgz", "a.tar.zst", "a.tar.zstd"}) {
    EXPECT_TRUE(AirgapImporter::IsArchiveName(n)) << n;
  }
  for (std::string_view n : {"airgap.json", ".tar", "a.zip", "lock", ".hidden.tar"}) {
    EXPECT_FALSE(AirgapImporter::IsArchiveName(n)) << n;
  }
}

TEST(AirgapTest, ImportsAtStartAndWhenArchivesAppear) {
  testing::TestDir dir;
  auto store = ImageStore::Open(dir.path());
  ASSERT_TRUE(store.ok());
  std::string images = (*store)->root();
  auto busybox = fixtures::BusyboxImage();
  ASSERT_TRUE(busybox.ok());
  ASSERT_TRUE(
      fixtures::WriteDockerArchive(*busybox, "one:1", images + "/one.tar.gz", Compression::kGzip)
          .ok());
  ASSERT_TRUE(WriteFileAtomic(images + "/broken.tar", "not an archive", 0644).ok());

  AirgapImporter importer(store->get(), std::chrono::hours(1));  // inotify, not the rescan
  ASSERT_TRUE(importer.Start().ok());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (importer.passes() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE((*store)->Resolve("one:1").ok());

  // A new archive (written elsewhere and renamed in, as an admin would copy it).
  auto multi = fixtures::MultiLayerImage();
  ASSERT_TRUE(multi.ok());
  ASSERT_TRUE(fixtures::WriteOciArchive(*multi, "two:2", dir / "two.tar").ok());
  ASSERT_EQ(rename((dir / "two.tar").c_str(), (images + "/two.tar").c_str()), 0);
  bool found = false;
  while (!found && std::chrono::steady_clock::now() < deadline) {
    found = (*store)->Resolve("two:2").ok();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(found);
  importer.Stop();

  // A pass imports nothing unchanged again: a removed image stays removed...
  ASSERT_TRUE((*store)->Remove("one:1").ok());
  AirgapImporter again(store->get());
  auto scan = again.ScanOnce();
  ASSERT_TRUE(scan.ok());
  EXPECT_EQ(scan->imported, 0);
  EXPECT_EQ(scan->failed, 0);
  EXPECT_FALSE((*store)->Resolve("one:1").ok());
  // ... but a start (first pass) imports every archive again, as k3s does.
  ASSERT_TRUE(again.Start().ok());
  while (again.passes() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  again.Stop();
  EXPECT_TRUE((*store)->Resolve("one:1").ok());
}

}  // namespace
}  // namespace sampan::images
