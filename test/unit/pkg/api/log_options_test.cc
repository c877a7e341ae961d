#include "pkg/api/log_options.h"

#include <gtest/gtest.h>

#include "pkg/util/time_format.h"

namespace sampan::api {
namespace {

TEST(LogOptionsTest, ParsesEveryOption) {
  Result<LogQuery> q = ParseLogQuery(
      "container=app&follow=true&previous=1&timestamps=True&tailLines=10&limitBytes=500&"
      "sinceTime=2026-11-27T10%3A00%3A00Z");
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ(q->container, "app");
  EXPECT_TRUE(q->follow);
  EXPECT_TRUE(q->previous);
  EXPECT_TRUE(q->timestamps);
  EXPECT_EQ(q->tail_lines, 10);
  EXPECT_EQ(q->limit_bytes, 500);
  EXPECT_FALSE(q->since_seconds.has_value());
  ASSERT_TRUE(q->since_time.has_value());
  EXPECT_EQ(FormatRfc3339(*q->since_time), "2026-11-27T10:00:00Z");
}

TEST(LogOptionsTest, DefaultsAreOff) {
  Result<LogQuery> q = ParseLogQuery("");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->follow);
  EXPECT_FALSE(q->previous);
  EXPECT_FALSE(q->tail_lines.has_value());
  EXPECT_EQ(q->Encode(), "");
}

TEST(LogOptionsTest, FalseSpellings) {
  Result<LogQuery> q = ParseLogQuery("follow=false&previous=0&timestamps=F");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->follow || q->previous || q->timestamps);
}

TEST(LogOptionsTest, RejectsBadValues) {
  EXPECT_EQ(ParseLogQuery("follow=yes").status().code(), Code::kBadRequest);
  EXPECT_EQ(ParseLogQuery("tailLines=abc").status().code(), Code::kBadRequest);
  EXPECT_EQ(ParseLogQuery("tailLines=-1").status().message(),
            "tailLines: Invalid value: -1: must be greater than or equal to 0");
  EXPECT_EQ(ParseLogQuery("sinceSeconds=0").status().code(), Code::kBadRequest);
  EXPECT_EQ(ParseLogQuery("limitBytes=0").status().code(), Code::kBadRequest);
  EXPECT_EQ(ParseLogQuery("sinceTime=yesterday").status().code(), Code::kBadRequest);
  EXPECT_EQ(ParseLogQuery("sinceSeconds=5&sinceTime=2026-11-27T10:00:00Z").status().message(),
            "at most one of `sinceTime` or `sinceSeconds` may be specified");
}

TEST(LogOptionsTest, SinceSecondsIsRelativeToNow) {
  Result<LogQuery> q = ParseLogQuery("sinceSeconds=60");
  ASSERT_TRUE(q.ok());
  auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'000'000));
  EXPECT_EQ(q->Since(now), now - std::chrono::seconds(60));
}

TEST(LogOptionsTest, EncodeRoundTrips) {
  LogQuery q;
  q.follow = true;
  q.timestamps = true;
  q.tail_lines = 3;
  q.since_seconds = 30;
  EXPECT_EQ(q.Encode(), "follow=true&timestamps=true&tailLines=3&sinceSeconds=30");
  Result<LogQuery> back = ParseLogQuery(q.Encode());
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->follow && back->timestamps);
  EXPECT_EQ(back->tail_lines, 3);
  EXPECT_EQ(back->since_seconds, 30);
}

TEST(LogOptionsTest, QueryStringDecoding) {
  auto values = ParseQueryString("a=1&b=x%20y+z&c&a=2&=&d=%zz");
  EXPECT_EQ(values["a"], "2");
  EXPECT_EQ(values["b"], "x y z");
  EXPECT_EQ(values["c"], "");
  EXPECT_EQ(values["d"], "%zz");
  EXPECT_EQ(UrlEncode("a b/c~"), "a%20b%2Fc~");
}

}  // namespace
}  // namespace sampan::api
