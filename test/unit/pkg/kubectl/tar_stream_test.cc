#include "pkg/kubectl/tar_stream.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <sstream>

#include "pkg/util/fs.h"

namespace sampan::kubectl {
namespace {

class TarStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/tar-stream-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { (void)std::system(("rm -rf '" + dir_ + "'").c_str()); }
  std::string dir_;
};

TEST_F(TarStreamTest, DirectoryRoundTripsUnderANewName) {
  ::mkdir((dir_ + "/src").c_str(), 0755);
  ::mkdir((dir_ + "/src/sub").c_str(), 0755);
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/src/a.txt", "alpha", 0644).ok());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/src/sub/b.bin", std::string(1000, '\0') + "x", 0600).ok());
  Result<std::string> tar = TarOf(dir_ + "/src", "copy");
  ASSERT_TRUE(tar.ok()) << tar.status().ToString();
  EXPECT_EQ(tar->size() % 512, 0u);
  std::ostringstream warn;
  // As `tar cf - /copy` prints it: entries under the prefix land below the destination.
  ASSERT_TRUE(UntarInto(*tar, "copy", dir_ + "/out", warn).ok());
  EXPECT_EQ(*ReadFileToString(dir_ + "/out/a.txt"), "alpha");
  EXPECT_EQ(*ReadFileToString(dir_ + "/out/sub/b.bin"), std::string(1000, '\0') + "x");
  EXPECT_EQ(warn.str(), "");
}

TEST_F(TarStreamTest, SingleFileIsTheDestinationItself) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/f", "data", 0644).ok());
  Result<std::string> tar = TarOf(dir_ + "/f", "srv/index.html");
  ASSERT_TRUE(tar.ok());
  std::ostringstream warn;
  ASSERT_TRUE(UntarInto(*tar, "srv/index.html", dir_ + "/got", warn).ok());
  EXPECT_EQ(*ReadFileToString(dir_ + "/got"), "data");
}

TEST_F(TarStreamTest, ForeignPrefixIsCorruptAndEscapesAreSkipped) {
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/f", "x", 0644).ok());
  std::ostringstream warn;
  Result<std::string> other = TarOf(dir_ + "/f", "elsewhere");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(UntarInto(*other, "srv", dir_ + "/o", warn).message(), "tar contents corrupted");
  Result<std::string> escape = TarOf(dir_ + "/f", "srv/../../evil");
  ASSERT_TRUE(escape.ok());
  ASSERT_TRUE(UntarInto(*escape, "srv", dir_ + "/o", warn).ok());
  EXPECT_NE(warn.str().find("is outside target destination, skipping"), std::string::npos);
  struct stat st;
  EXPECT_NE(::stat((dir_ + "/evil").c_str(), &st), 0);
}

}  // namespace
}  // namespace sampan::kubectl
