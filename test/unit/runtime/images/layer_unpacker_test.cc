#include "runtime/images/layer_unpacker.h"

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

using fixtures::Dir;
using fixtures::Entry;
using fixtures::File;
using fixtures::Hardlink;
using fixtures::Symlink;
using testing::TestDir;

class UnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_ / "root";
    outside_ = dir_ / "outside";
    ASSERT_TRUE(MakeDirs(root_, 0755).ok());
    ASSERT_TRUE(MakeDirs(outside_, 0755).ok());
    ASSERT_TRUE(WriteFileAtomic(outside_ + "/file", "original", 0644).ok());
  }

  Result<UnpackStats> Unpack(std::string tar) {
    StringReader in(std::move(tar));
    return UnpackLayer(&in, root_);
  }
  Result<UnpackStats> Unpack(const std::vector<Entry>& entries) {
    return Unpack(fixtures::TarOf(entries));
  }

  // Nothing outside the layer root changed.
  void ExpectOutsideUntouched() {
    EXPECT_EQ(ReadFileToString(outside_ + "/file").value(), "original");
    int n = 0;
    for (auto& e : std::filesystem::directory_iterator(outside_)) {
      (void)e;
      ++n;
    }
    EXPECT_EQ(n, 1);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "pwned"));
  }

  TestDir dir_;
  std::string root_;
  std::string outside_;
};

TEST_F(UnpackTest, WritesFilesLinksDevicesOwnershipAndModes) {
  Entry x = File("etc/x", "xv");
  x.header.xattrs["user.k"] = "v";
  auto stats = Unpack({Dir("etc", 0700), File("etc/a", "hello", 04750, 1000, 2000),
                       Hardlink("etc/b", "etc/a"), Symlink("etc/c", "/etc/a"),
                       fixtures::CharDevice("dev/null", 1, 3), x, File("deep/er/f", "d")});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->entries, 7u);
  struct stat a, b, c, dev, etc;
  ASSERT_EQ(lstat((root_ + "/etc/a").c_str(), &a), 0);
  ASSERT_EQ(lstat((root_ + "/etc/b").c_str(), &b), 0);
  ASSERT_EQ(lstat((root_ + "/etc/c").c_str(), &c), 0);
  ASSERT_EQ(lstat((root_ + "/etc").c_str(), &etc), 0);
  EXPECT_EQ(a.st_mode & 07777, 04750u);
  EXPECT_EQ(etc.st_mode & 07777, 0700u);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_mtime, 1700000000);
  EXPECT_TRUE(S_ISLNK(c.st_mode));
  EXPECT_EQ(std::filesystem::read_symlink(root_ + "/etc/c"), "/etc/a");
  EXPECT_EQ(ReadFileToString(root_ + "/deep/er/f").value(), "d");
  char value[16] = {};
  EXPECT_EQ(getxattr((root_ + "/etc/x").c_str(), "user.k", value, sizeof(value)), 1);
  if (geteuid() == 0) {
    EXPECT_EQ(a.st_uid, 1000u);
    EXPECT_EQ(a.st_gid, 2000u);
    ASSERT_EQ(lstat((root_ + "/dev/null").c_str(), &dev), 0);
    EXPECT_TRUE(S_ISCHR(dev.st_mode));
    EXPECT_EQ(dev.st_rdev, makedev(1, 3));
  }
}

TEST_F(UnpackTest, WhiteoutsBecomeOverlayMarkers) {
  if (geteuid() != 0) GTEST_SKIP() << "whiteouts need CAP_MKNOD and trusted xattrs";
  auto stats =
      Unpack({Dir("etc"), fixtures::Whiteout("etc/gone"), Dir("opq"), fixtures::Opaque("opq"),
              File("opq/new", "n"), File(".wh..wh.plnk/123", "aufs hard link store")});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  struct stat st;
  ASSERT_EQ(lstat((root_ + "/etc/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(std::filesystem::exists(root_ + "/etc/.wh.gone"));
  char v[4] = {};
  EXPECT_EQ(getxattr((root_ + "/opq").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 1);
  EXPECT_EQ(v[0], 'y');
  EXPECT_FALSE(std::filesystem::exists(root_ + "/opq/.wh..wh..opq"));
  EXPECT_TRUE(std::filesystem::exists(root_ + "/opq/new"));
}

TEST_F(UnpackTest, LaterEntriesReplaceEarlierOnes) {
  auto stats = Unpack({File("f", "one"), File("f", "two"), Symlink("l", "/nowhere"),
                       File("l", "file now"), Dir("d"), File("d/x", "x"), Dir("d", 0711)});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(ReadFileToString(root_ + "/f").value(), "two");
  EXPECT_EQ(ReadFileToString(root_ + "/l").value(), "file now");
  EXPECT_EQ(ReadFileToString(root_ + "/d/x").value(), "x");
  struct stat st;
  ASSERT_EQ(stat((root_ + "/d").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0711u);
}

TEST_F(UnpackTest, RefusesTrustedXattrsFromTheArchive) {
  Entry d = Dir("fake-opaque");
  d.header.xattrs["trusted.overlay.opaque"] = "y";
  ASSERT_TRUE(Unpack({d}).ok());
  char v[4];
  EXPECT_LT(getxattr((root_ + "/fake-opaque").c_str(), "trusted.overlay.opaque", v, sizeof(v)), 0);
}

TEST_F(UnpackTest, RefusesPathTraversal) {
  for (std::string name : {"../pwned", "a/../../pwned", "/pwned", "./../outside/file"}) {
    SCOPED_TRACE(name);
    Result<UnpackStats> r = Unpack({File(name, "evil")});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kInvalid) << r.status().ToString();
  }
  ExpectOutsideUntouched();
}

TEST_F(UnpackTest, RefusesSymlinkEscapes) {
  std::vector<std::vector<Entry>> attacks = {
      {Symlink("evil", outside_), File("evil/file", "evil")},
      {Symlink("evil", "../../outside"), File("evil/file", "evil")},
      {Symlink("evil", "/"), File("evil/" + outside_.substr(1) + "/new", "evil")},
      {Symlink("evil", outside_), Dir("evil/sub")},
      {Symlink("evil", outside_), Hardlink("h", "evil/file")},
      {Hardlink("h", "../outside/file")},
      {Hardlink("h", outside_ + "/file")},
      {Symlink("evil", outside_), fixtures::Whiteout("evil/file")},
  };
  for (size_t i = 0; i < attacks.size(); ++i) {
    SCOPED_TRACE(i);
    std::filesystem::remove_all(root_);
    ASSERT_TRUE(MakeDirs(root_, 0755).ok());
    Result<UnpackStats> r = Unpack(attacks[i]);
    EXPECT_FALSE(r.ok());
    ExpectOutsideUntouched();
  }
}

TEST_F(UnpackTest, HardLinkToMissingTargetFails) {
  EXPECT_FALSE(Unpack({Hardlink("h", "missing")}).ok());
}

TEST_F(UnpackTest, RefusesTruncatedStreams) {
  std::string tar = fixtures::TarOf({File("big", std::string(100000, 'x')), File("after", "a")});
  for (size_t cut : {size_t{100}, size_t{512}, size_t{50000}, tar.size() - 1024 - 600}) {
    SCOPED_TRACE(cut);
    std::filesystem::remove_all(root_);
    ASSERT_TRUE(MakeDirs(root_, 0755).ok());
    EXPECT_FALSE(Unpack(tar.substr(0, cut)).ok());
  }
}

TEST_F(UnpackTest, SurvivesHugeAndGarbageHeaders) {
  // A pax header that claims a terabyte, and a GNU long name of 8 MB.
  images::TarHeader pax;
  pax.name = "PaxHeader";
  pax.type = 'x';
  std::string huge;
  images::TarWriter w([&](std::string_view d) {
    huge.append(d);
    return Status::Ok();
  });
  pax.size = int64_t{1} << 40;
  pax.type = '0';  // written as a file header, retyped below
  ASSERT_TRUE(w.Add(pax).ok());
  huge[156] = 'x';
  // Fix the checksum after retyping.
  std::fill(huge.begin() + 148, huge.begin() + 156, ' ');
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(huge[i]);
  snprintf(huge.data() + 148, 8, "%06o", sum);
  huge.append(4096, 'a');
  EXPECT_FALSE(Unpack(huge).ok());

  std::string longname = fixtures::TarOf({File("x", std::string(8 << 20, 'n'))});
  longname[156] = 'L';
  std::fill(longname.begin() + 148, longname.begin() + 156, ' ');
  sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>(longname[i]);
  snprintf(longname.data() + 148, 8, "%06o", sum);
  longname.resize(longname.size() - 1024);  // drop the end marker: a file entry follows
  longname += fixtures::TarOf({File("y", "y")});
  EXPECT_FALSE(Unpack(longname).ok());

  std::string garbage(4096, '\x7f');
  EXPECT_FALSE(Unpack(garbage).ok());
  ExpectOutsideUntouched();
}

}  // namespace
}  // namespace sampan::images
