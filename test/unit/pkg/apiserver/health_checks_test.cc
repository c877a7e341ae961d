#include "pkg/apiserver/health_checks.h"

#include <gtest/gtest.h>

#include <atomic>

namespace sampan::apiserver {
namespace {

class HealthEndpointsTest : public ::testing::Test {
 protected:
  HealthEndpointsTest()
      : health_({{"ping", [] { return Status(); }},
                 {"etcd",
                  [this] { return store_ok_ ? Status() : Status::Internal("disk I/O error"); }}},
                {{"shutdown", [] { return Status(); }}}) {}

  HealthReply Serve(std::string_view path, std::string_view query = "") {
    std::optional<HealthReply> r = health_.Serve(path, query);
    EXPECT_TRUE(r.has_value()) << path;
    return r.value_or(HealthReply{-1, ""});
  }

  std::atomic<bool> store_ok_{true};
  HealthEndpoints health_;
};

TEST_F(HealthEndpointsTest, PassingChecksAnswerOkOrTheirListWhenVerbose) {
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    HealthReply r = Serve(path);
    EXPECT_EQ(r.code, 200);
    EXPECT_EQ(r.body, "ok");
  }
  EXPECT_EQ(Serve("/livez", "verbose").body, "[+]ping ok\n[+]etcd ok\nlivez check passed\n");
  EXPECT_EQ(Serve("/readyz", "verbose=1").body,
            "[+]ping ok\n[+]etcd ok\n[+]shutdown ok\nreadyz check passed\n");
}

TEST_F(HealthEndpointsTest, AFailureIs500WithEveryCheckListedAndTheReasonWithheld) {
  store_ok_ = false;
  HealthReply r = Serve("/readyz");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body,
            "[+]ping ok\n[-]etcd failed: reason withheld\n[+]shutdown ok\nreadyz check failed\n");
  // A single check tells its reason (the path is for monitoring, not public).
  r = Serve("/livez/etcd");
  EXPECT_EQ(r.code, 500);
  EXPECT_EQ(r.body, "internal server error: disk I/O error\n");
  store_ok_ = true;
  EXPECT_EQ(Serve("/livez/etcd").body, "ok");
}

TEST_F(HealthEndpointsTest, ExcludedChecksAreSkippedAndUnknownOnesReported) {
  store_ok_ = false;
  HealthReply r = Serve("/healthz", "exclude=etcd&verbose");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "[+]ping ok\n[+]etcd excluded: ok\nhealthz check passed\n");
  r = Serve("/healthz", "exclude=zz&exclude=etcd&exclude=aa&verbose");
  EXPECT_EQ(r.body,
            "[+]ping ok\n[+]etcd excluded: ok\n"
            "warn: some health checks cannot be excluded: no matches for \"aa\",\"zz\"\n"
            "healthz check passed\n");
}

TEST_F(HealthEndpointsTest, OtherPathsAreNotHealthEndpoints) {
  EXPECT_FALSE(health_.Serve("/livez/shutdown", "").has_value());  // a readyz check only
  EXPECT_TRUE(health_.Serve("/readyz/shutdown", "").has_value());
  EXPECT_FALSE(health_.Serve("/livez/nope", "").has_value());
  EXPECT_FALSE(health_.Serve("/version", "").has_value());
  EXPECT_FALSE(health_.Serve("/livezz", "").has_value());
}

}  // namespace
}  // namespace sampan::apiserver
