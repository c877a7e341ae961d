#include "pkg/kubelet/expansion.h"

#include <gtest/gtest.h>

#include <map>

namespace sampan::kubelet {
namespace {

std::string Expand(std::string_view in) {
  std::map<std::string, std::string, std::less<>> vars = {{"A", "alpha"}, {"EMPTY", ""}};
  return ExpandVars(in, [&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

TEST(ExpansionTest, ReplacesKnownVariables) {
  EXPECT_EQ(Expand("$(A)"), "alpha");
  EXPECT_EQ(Expand("x-$(A)-$(A)"), "x-alpha-alpha");
  EXPECT_EQ(Expand("[$(EMPTY)]"), "[]");
}

TEST(ExpansionTest, KeepsUnknownAndMalformedReferences) {
  EXPECT_EQ(Expand("$(B)"), "$(B)");
  EXPECT_EQ(Expand("$()"), "$()");
  EXPECT_EQ(Expand("$(A"), "$(A");
  EXPECT_EQ(Expand("$A"), "$A");
  EXPECT_EQ(Expand("cost: 5$"), "cost: 5$");
}

TEST(ExpansionTest, DoubleDollarEscapes) {
  EXPECT_EQ(Expand("$$(A)"), "$(A)");
  EXPECT_EQ(Expand("$$$(A)"), "$alpha");
  EXPECT_EQ(Expand("$$"), "$");
}

}  // namespace
}  // namespace sampan::kubelet
