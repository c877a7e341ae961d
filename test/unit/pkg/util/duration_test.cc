#include "pkg/util/duration.h"

#include <gtest/gtest.h>

#include <limits>

namespace sampan {
namespace {

using namespace std::chrono_literals;

TEST(DurationTest, ParsesGoStyleDurations) {
  struct Case {
    const char* text;
    std::chrono::nanoseconds want;
  };
  const Case cases[] = {
      {"0", 0ns},
      {"0s", 0ns},
      {"5ns", 5ns},
      {"10us", 10us},
      {"10\xc2\xb5s", 10us},
      {"300ms", 300ms},
      {"10s", 10s},
      {"1m30s", 90s},
      {"2h", 2h},
      {"1.5s", 1500ms},
      {"1h2m3.25s", 1h + 2min + 3250ms},
      {"-5s", -5s},
      {"+1m", 1min},
      {".5s", 500ms},
      {"0.000000001s", 1ns},
  };
  for (const Case& c : cases) {
    Result<std::chrono::nanoseconds> got = ParseDuration(c.text);
    ASSERT_TRUE(got.ok()) << c.text << ": " << got.status().ToString();
    EXPECT_EQ(*got, c.want) << c.text;
  }
}

TEST(DurationTest, RejectsBadText) {
  for (const char* text : {"", "5", "s", "1.s5", "1x", "5 s", "1m-5s", "-", ".s",
                           "99999999999999999999s", "3000000h"}) {
    Result<std::chrono::nanoseconds> got = ParseDuration(text);
    EXPECT_FALSE(got.ok()) << text;
    if (!got.ok()) {
      EXPECT_EQ(got.status().code(), Code::kInvalid);
      EXPECT_NE(got.status().message().find("invalid duration"), std::string::npos);
    }
  }
}

TEST(DurationTest, FormatsShortestText) {
  EXPECT_EQ(FormatDuration(0ns), "0s");
  EXPECT_EQ(FormatDuration(7ns), "7ns");
  EXPECT_EQ(FormatDuration(1500ns), "1.5us");
  EXPECT_EQ(FormatDuration(250ms), "250ms");
  EXPECT_EQ(FormatDuration(5s), "5s");
  EXPECT_EQ(FormatDuration(90s), "1m30s");
  EXPECT_EQ(FormatDuration(1h), "1h");
  EXPECT_EQ(FormatDuration(1h + 500ms), "1h0.5s");
  EXPECT_EQ(FormatDuration(-2min), "-2m");
}

TEST(DurationTest, FormatRoundTrips) {
  const std::chrono::nanoseconds cases[] = {
      1ns, 999ns, 1001us, 3h + 4min + 5s + 6ms, -1s, std::chrono::nanoseconds::max()};
  for (std::chrono::nanoseconds d : cases) {
    Result<std::chrono::nanoseconds> back = ParseDuration(FormatDuration(d));
    ASSERT_TRUE(back.ok()) << FormatDuration(d);
    EXPECT_EQ(*back, d) << FormatDuration(d);
  }
}

}  // namespace
}  // namespace sampan
