// Large unlimited lists are streamed a page at a time (RestHandler::StreamRestOfList): the
// body is the same JSON list, read from one snapshot, and its producer waits for the client.

#include <gtest/gtest.h>

#include <string>

#include "pkg/util/http_backpressure.h"
#include "test/unit/pkg/apiserver/rest_handler_fixture.h"

namespace sampan::apiserver {
namespace {

using api::Json;

// The network writer's side of a stream, recorded.
class RecordingWriter final : public http::ResponseWriter, public http::OutputBackpressure {
 public:
  void Send(int status, http::Headers, std::string body) override {
    status_ = status;
    body_ = std::move(body);
  }
  void StartStream(int status, http::Headers) override { status_ = status; }
  void Write(std::string chunk) override {
    ++chunks_;
    body_ += chunk;
  }
  void End() override { ended_ = true; }
  bool Closed() const override { return false; }
  void OnClose(std::function<void()>) override {}
  void WaitForRoom(size_t max_pending_bytes) override {
    ++waits_;
    max_pending_ = max_pending_bytes;
  }

  int status_ = 0;
  std::string body_;
  int chunks_ = 0;
  int waits_ = 0;
  size_t max_pending_ = 0;
  bool ended_ = false;
};

class ListStreamTest : public testing::RestHandlerFixture {
 protected:
  void SetUp() override { OpenRestHandler(); }

  // `count` ConfigMaps of about 4 KB each, named cm-000, cm-001, ...
  void CreateConfigMaps(int count) {
    std::string data(4000, 'x');
    for (int i = 0; i < count; ++i) {
      char name[16];
      std::snprintf(name, sizeof name, "cm-%03d", i);
      Json cm = {{"metadata", {{"name", name}}}, {"data", {{"v", data}}}};
      ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps", cm.dump()).code, 201);
    }
  }
};

TEST_F(ListStreamTest, LargeListIsStreamedFromOneSnapshot) {
  CreateConfigMaps(600);  // more than one store page (500 rows), over 1 MiB in the first
  Reply reply = Call("GET", "/api/v1/namespaces/default/configmaps");
  ASSERT_TRUE(reply.stream);
  // Written after the first page was read: not in this list, which is one snapshot.
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"zz-late"}})")
                .code,
            201);

  RecordingWriter out;
  reply.stream(out);
  EXPECT_GE(out.chunks_, 2);
  EXPECT_GE(out.waits_, 1);
  EXPECT_GT(out.max_pending_, 0u);
  Json list = Json::parse(out.body_);
  EXPECT_EQ(list["kind"], "ConfigMapList");
  ASSERT_EQ(list["items"].size(), 600u);
  for (int i = 0; i < 600; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "cm-%03d", i);
    ASSERT_EQ(list["items"][i]["metadata"]["name"], name);
    ASSERT_FALSE(list["items"][i]["metadata"]["resourceVersion"].get<std::string>().empty());
  }
  Json late = Json::parse(Call("GET", "/api/v1/namespaces/default/configmaps/zz-late").body);
  EXPECT_LT(std::stoll(list["metadata"]["resourceVersion"].get<std::string>()),
            std::stoll(late["metadata"]["resourceVersion"].get<std::string>()));
  EXPECT_FALSE(list["metadata"].contains("continue"));
}

TEST_F(ListStreamTest, SmallAndLimitedListsAreWhole) {
  CreateConfigMaps(600);
  Reply limited = Call("GET", "/api/v1/namespaces/default/configmaps?limit=550");
  EXPECT_FALSE(limited.stream);
  Json page = Json::parse(limited.body);
  EXPECT_EQ(page["items"].size(), 550u);
  EXPECT_TRUE(page["metadata"].contains("continue"));

  Reply filtered = Call("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dcm-007");
  EXPECT_FALSE(filtered.stream);
  EXPECT_EQ(Json::parse(filtered.body)["items"].size(), 1u);

  Reply small = Call("GET", "/api/v1/namespaces/kube-system/configmaps");
  EXPECT_FALSE(small.stream);
  EXPECT_EQ(Json::parse(small.body)["kind"], "ConfigMapList");
}

}  // namespace
}  // namespace sampan::apiserver
