#include "pkg/kubectl/tab_writer.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

TEST(TabWriterTest, AlignsAColumnOverConsecutiveLines) {
  EXPECT_EQ(AlignTabs("Name:\tweb\nNamespace:\tdefault\n"),
            "Name:       web\n"
            "Namespace:  default\n");
}

TEST(TabWriterTest, ALineWithoutTabsEndsTheBlock) {
  EXPECT_EQ(AlignTabs("a:\t1\nHeader\nlonger key:\t2\n"),
            "a:  1\n"
            "Header\n"
            "longer key:  2\n");
}

TEST(TabWriterTest, EmptyLeadingCellsContinueTheColumn) {
  // How describe prints multi-line labels.
  EXPECT_EQ(AlignTabs("Labels:\ta=1\n\tb=2\nAnnotations:\t<none>\n"),
            "Labels:       a=1\n"
            "              b=2\n"
            "Annotations:  <none>\n");
}

TEST(TabWriterTest, NestedColumnsAlignWithinTheirOwnBlocks) {
  EXPECT_EQ(AlignTabs("  Type\tStatus\tReason\n  ----\t------\t------\n  Ready \tTrue \tok\n"),
            "  Type    Status  Reason\n"
            "  ----    ------  ------\n"
            "  Ready   True    ok\n");
}

TEST(TabWriterTest, LastCellIsNotPaddedAndWidthsCountCharacters) {
  EXPECT_EQ(AlignTabs("é:\tx\nab:\ty\n"), "é:   x\nab:  y\n");
  EXPECT_EQ(AlignTabs("no newline\tat end"), "no newline  at end");
  EXPECT_EQ(AlignTabs(""), "");
}

TEST(TabWriterTest, PrefixWriterIndentsTwoSpacesPerLevel) {
  TabWriter out;
  PrefixWriter w(out);
  w.Write(0, "Containers:\n");
  w.Write(1, "main:\n");
  w.Write(2, "Image:\tbusybox\n");
  w.Write(2, "Port:\t<none>\n");
  EXPECT_EQ(out.Flush(), "Containers:\n  main:\n    Image:  busybox\n    Port:   <none>\n");
  EXPECT_EQ(out.raw(), "Containers:\n  main:\n    Image:\tbusybox\n    Port:\t<none>\n");
}

}  // namespace
}  // namespace sampan::kubectl
