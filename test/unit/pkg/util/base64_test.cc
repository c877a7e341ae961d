#include "pkg/util/base64.h"

#include <gtest/gtest.h>

namespace sampan {
namespace {

TEST(Base64Test, RoundTripsEveryLengthStrictly) {
  std::string data;
  for (int i = 0; i < 10; ++i) {
    std::string encoded = Base64Encode(data);
    EXPECT_EQ(Base64Decode(encoded), data);
    size_t bad_at = 99;
    EXPECT_EQ(GoBase64Decode(encoded, &bad_at), data);
    EXPECT_EQ(bad_at, 99u);
    data += static_cast<char>(0xf0 + i);
  }
  EXPECT_EQ(Base64Decode("YWJj\nZGVm"), std::nullopt);  // the strict decoder takes no breaks
  EXPECT_EQ(Base64Decode("YQ"), std::nullopt);
}

TEST(Base64Test, GoDecoderSkipsLineBreaksAndIgnoresUnusedBits) {
  size_t bad_at = 0;
  EXPECT_EQ(GoBase64Decode("YWJj\nZGVm\r\n", &bad_at), "abcdef");
  EXPECT_EQ(GoBase64Decode("YW\nJj", &bad_at), "abc");
  EXPECT_EQ(GoBase64Decode("YQ=\n=", &bad_at), "a");
  EXPECT_EQ(GoBase64Decode("YR==", &bad_at), "a");  // Go's StdEncoding is not strict
  EXPECT_EQ(GoBase64Decode("YWJ=", &bad_at), "ab");
  EXPECT_EQ(GoBase64Decode("", &bad_at), "");
}

TEST(Base64Test, GoDecoderReportsTheOffsetGoReports) {
  struct Case {
    const char* text;
    size_t bad_at;
  };
  const Case cases[] = {
      {"!!!", 0},        // not in the alphabet
      {"YWJj!", 4},      //
      {"YQ", 0},         // a group cut short: the group's start
      {"YWJjZ", 4},      //
      {"YQ=", 3},        // "==" expected, the input ends
      {"YQ=x", 2},       // "==" expected, something else follows
      {"YQ==YQ==", 4},   // data after the padding
      {"=", 0},          // padding first
      {"Y===", 1},       // padding after one character
      {"YWJj YWJj", 4},  // spaces are not skipped
  };
  for (const Case& c : cases) {
    size_t bad_at = 99;
    EXPECT_EQ(GoBase64Decode(c.text, &bad_at), std::nullopt) << c.text;
    EXPECT_EQ(bad_at, c.bad_at) << c.text;
  }
}

}  // namespace
}  // namespace sampan
