#include "pkg/kubelet/atomic_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "pkg/util/fs.h"

namespace sampan::kubelet {
namespace {

namespace fs = std::filesystem;

class AtomicWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/atomic-writer-" + std::to_string(::getpid());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Read(const std::string& path) {
    Result<std::string> data = ReadFileToString(dir_ + "/" + path);
    return data.ok() ? *data : "<missing>";
  }
  mode_t Mode(const std::string& path) {
    struct stat st;
    return ::stat((dir_ + "/" + path).c_str(), &st) == 0 ? st.st_mode & 07777 : 0;
  }
  int Versions() {
    int n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) {
      std::string name = e.path().filename().string();
      if (name.starts_with("..") && name != "..data" && e.is_directory()) ++n;
    }
    return n;
  }
  std::string dir_;
};

TEST_F(AtomicWriterTest, LayoutAndUpdate) {
  ASSERT_TRUE(WriteAtomic(dir_, {{"a", {"1", 0644}}, {"sub/b", {"2", 0400}}}).value());
  EXPECT_TRUE(fs::is_symlink(dir_ + "/..data"));
  EXPECT_EQ(fs::read_symlink(dir_ + "/a").string(), "..data/a");
  EXPECT_EQ(fs::read_symlink(dir_ + "/sub").string(), "..data/sub");
  EXPECT_EQ(Read("a"), "1");
  EXPECT_EQ(Read("sub/b"), "2");
  EXPECT_EQ(Mode("sub/b"), 0400u);
  std::string first = fs::read_symlink(dir_ + "/..data").string();

  // The same payload changes nothing.
  EXPECT_FALSE(WriteAtomic(dir_, {{"a", {"1", 0644}}, {"sub/b", {"2", 0400}}}).value());
  EXPECT_EQ(fs::read_symlink(dir_ + "/..data").string(), first);

  // New content: a new version, the old one removed, links kept.
  EXPECT_TRUE(WriteAtomic(dir_, {{"a", {"changed", 0644}}, {"sub/b", {"2", 0400}}}).value());
  EXPECT_NE(fs::read_symlink(dir_ + "/..data").string(), first);
  EXPECT_EQ(Read("a"), "changed");
  EXPECT_EQ(Versions(), 1);
}

TEST_F(AtomicWriterTest, KeyRemovalAndModeChange) {
  ASSERT_TRUE(WriteAtomic(dir_, {{"a", {"1", 0644}}, {"b", {"2", 0644}}}).ok());
  ASSERT_TRUE(WriteAtomic(dir_, {{"a", {"1", 0600}}}).value());
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ + "/b")));
  EXPECT_EQ(Mode("a"), 0600u);
  ASSERT_TRUE(WriteAtomic(dir_, {}).value());
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ + "/a")));
  EXPECT_EQ(Versions(), 1);
}

TEST_F(AtomicWriterTest, RejectsBadPaths) {
  EXPECT_FALSE(WriteAtomic(dir_, {{"/abs", {"x", 0644}}}).ok());
  EXPECT_FALSE(WriteAtomic(dir_, {{"a/../../x", {"x", 0644}}}).ok());
  EXPECT_FALSE(WriteAtomic(dir_, {{"..data", {"x", 0644}}}).ok());
  EXPECT_TRUE(ValidatePayloadPath("a..b/c").ok());
}

}  // namespace
}  // namespace sampan::kubelet
