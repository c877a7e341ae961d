#include "pkg/kubectl/options.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

const std::vector<FlagSpec> kSpecs = {
    {"namespace", 'n'}, {"output", 'o'}, {"all-namespaces", 'A', false}, {"selector", 'l'}};

TEST(OptionsTest, LongShortAttachedAndSeparateValues) {
  auto o = Options::Parse({"pods", "-n", "ns", "-oyaml", "--selector=app=web", "-A", "x"}, kSpecs);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->Get("namespace"), "ns");
  EXPECT_EQ(o->Get("output"), "yaml");
  EXPECT_EQ(o->Get("selector"), "app=web");
  EXPECT_TRUE(o->Bool("all-namespaces"));
  EXPECT_EQ(o->positional(), (std::vector<std::string>{"pods", "x"}));
}

TEST(OptionsTest, BooleansTakeOnlyTrueOrFalseAndDashDashEndsFlags) {
  auto o = Options::Parse({"--all-namespaces=false", "a", "--", "sh", "-c", "x"}, kSpecs);
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->Bool("all-namespaces"));
  EXPECT_EQ(o->trailing(), (std::vector<std::string>{"sh", "-c", "x"}));
  EXPECT_FALSE(Options::Parse({"--all-namespaces=maybe"}, kSpecs).ok());
}

TEST(OptionsTest, BundledShortBooleans) {
  auto o = Options::Parse({"-An", "x"}, kSpecs);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->Bool("all-namespaces"));
  EXPECT_EQ(o->Get("namespace"), "x");
  EXPECT_FALSE(Options::Parse({"-Az"}, kSpecs).ok());
}

TEST(OptionsTest, UnknownFlagsAndMissingValuesAreErrors) {
  EXPECT_EQ(Options::Parse({"--bogus"}, kSpecs).status().message(), "unknown flag: --bogus");
  EXPECT_FALSE(Options::Parse({"-z"}, kSpecs).ok());
  EXPECT_EQ(Options::Parse({"-n"}, kSpecs).status().message(),
            "flag needs an argument: --namespace");
}

}  // namespace
}  // namespace sampan::kubectl
