#include "runtime/images/pending_snapshots.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>

#include "pkg/util/fs.h"
#include "test/unit/runtime/images/test_dir.h"

namespace sampan::images {
namespace {

using testing::TestDir;
namespace fs = std::filesystem;

// A finished "unpack": a work dir holding one file.
std::string MakeWork(const TestDir& dir, const std::string& name, const std::string& content) {
  std::string work = dir / ("tmp/" + name);
  EXPECT_TRUE(MakeDirs(work, 0755).ok());
  EXPECT_TRUE(WriteFileAtomic(work + "/file", content, 0644).ok());
  return work;
}

class PendingSnapshotsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeDirs(dir_ / "tmp", 0755).ok());
    ASSERT_TRUE(MakeDirs(dir_ / "snapshots", 0755).ok());
  }
  size_t Count(const std::string& sub) {
    size_t n = 0;
    for (auto& e : fs::directory_iterator(dir_ / sub)) n += e.exists();
    return n;
  }
  TestDir dir_;
};

TEST_F(PendingSnapshotsTest, PublishMovesEveryTreeIntoPlace) {
  PendingSnapshots pending;
  pending.Add(MakeWork(dir_, "w1", "one"), dir_ / "snapshots/a");
  pending.Add(MakeWork(dir_, "w2", "two"), dir_ / "snapshots/b");
  EXPECT_EQ(Count("snapshots"), 0u);  // nothing visible before Publish
  ASSERT_TRUE(pending.Publish().ok());
  EXPECT_EQ(ReadFileToString(dir_ / "snapshots/a/file").value(), "one");
  EXPECT_EQ(ReadFileToString(dir_ / "snapshots/b/file").value(), "two");
  EXPECT_EQ(Count("tmp"), 0u);
}

TEST_F(PendingSnapshotsTest, UnpublishedTreesAreRemoved) {
  {
    PendingSnapshots pending;
    pending.Add(MakeWork(dir_, "w1", "one"), dir_ / "snapshots/a");
  }
  EXPECT_EQ(Count("tmp"), 0u);
  EXPECT_EQ(Count("snapshots"), 0u);
}

TEST_F(PendingSnapshotsTest, ASnapshotPublishedFirstByAnotherWriterIsKept) {
  ASSERT_TRUE(MakeDirs(dir_ / "snapshots/a", 0755).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ / "snapshots/a/file", "theirs", 0644).ok());
  PendingSnapshots pending;
  pending.Add(MakeWork(dir_, "w1", "ours"), dir_ / "snapshots/a");
  ASSERT_TRUE(pending.Publish().ok());
  EXPECT_EQ(ReadFileToString(dir_ / "snapshots/a/file").value(), "theirs");
  EXPECT_EQ(Count("tmp"), 0u);
}

TEST_F(PendingSnapshotsTest, UnpackBatchRunsEveryJobThenPublishes) {
  std::atomic<int> runs{0};
  Status st = UnpackBatch(dir_ / "tmp", 6, [&](size_t k, PendingSnapshots* pending, bool) {
    ++runs;
    std::string name = std::to_string(k);
    pending->Add(MakeWork(dir_, "w" + name, name), dir_ / ("snapshots/" + name));
    return Status::Ok();
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(runs.load(), 6);
  EXPECT_EQ(Count("snapshots"), 6u);
  EXPECT_EQ(ReadFileToString(dir_ / "snapshots/5/file").value(), "5");
  EXPECT_EQ(Count("tmp"), 0u);
}

TEST_F(PendingSnapshotsTest, UnpackBatchPublishesNothingWhenAJobFails) {
  Status st = UnpackBatch(dir_ / "tmp", 3, [&](size_t k, PendingSnapshots* pending, bool) {
    std::string name = std::to_string(k);
    if (k == 1) return Status::Invalid("layer " + name + " is bad");
    pending->Add(MakeWork(dir_, "w" + name, name), dir_ / ("snapshots/" + name));
    return Status::Ok();
  });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "layer 1 is bad");
  EXPECT_EQ(Count("snapshots"), 0u);
  EXPECT_EQ(Count("tmp"), 0u);
}

TEST_F(PendingSnapshotsTest, UnpackBatchOfNothingSucceeds) {
  EXPECT_TRUE(UnpackBatch(dir_ / "tmp", 0, [](size_t, PendingSnapshots*, bool) {
                return Status::Invalid("never called");
              }).ok());
}

}  // namespace
}  // namespace sampan::images
