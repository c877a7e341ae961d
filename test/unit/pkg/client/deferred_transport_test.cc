#include "pkg/client/deferred_transport.h"

#include <gtest/gtest.h>

namespace sampan::client {
namespace {

class StubTransport final : public Transport {
 public:
  Result<http::Response> Do(const Request& request) override {
    last_target = request.target;
    return http::Response{200, {}, "ok"};
  }
  Result<std::unique_ptr<StreamHandle>> Stream(const Request&, StreamCallbacks) override {
    return Status::Gone("stub");
  }
  std::string last_target;
};

TEST(DeferredTransportTest, UnavailableUntilSet) {
  DeferredTransport deferred;
  Result<http::Response> r = deferred.Do({"GET", "/api", {}, ""});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  Result<std::unique_ptr<StreamHandle>> s = deferred.Stream({"GET", "/api?watch=1", {}, ""}, {});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Code::kUnavailable);
}

TEST(DeferredTransportTest, PassesThroughOnceSet) {
  DeferredTransport deferred;
  auto stub = std::make_shared<StubTransport>();
  deferred.Set(stub);
  Result<http::Response> r = deferred.Do({"GET", "/api", {}, ""});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(stub->last_target, "/api");
  EXPECT_EQ(deferred.Stream({"GET", "/api", {}, ""}, {}).status().code(), Code::kGone);
}

}  // namespace
}  // namespace sampan::client
