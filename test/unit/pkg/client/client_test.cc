#include "pkg/client/client.h"

#include <gtest/gtest.h>

namespace sampan::client {
namespace {

TEST(WatchDecoderTest, SplitsEventsAcrossChunks) {
  WatchDecoder d;
  std::vector<WatchEvent> events;
  auto emit = [&](WatchEvent e) { events.push_back(std::move(e)); };
  std::string stream =
      "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"a\"}}}\n"
      "{\"type\":\"DELETED\",\"object\":{\"metadata\":{\"name\":\"b\"}}}\n"
      "{\"type\":\"BOOKMARK\",\"object\":{\"metadata\":{\"resourceVersion\":\"9\"}}}\n";
  for (size_t i = 0; i < stream.size(); i += 7) {
    ASSERT_TRUE(d.Feed(std::string_view(stream).substr(i, 7), emit).ok());
  }
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].type, EventType::kAdded);
  EXPECT_EQ(events[1].object["metadata"]["name"], "b");
  EXPECT_EQ(events[2].type, EventType::kBookmark);
  EXPECT_FALSE(d.Feed("{not json}\n", emit).ok());
  EXPECT_FALSE(d.Feed("{\"type\":\"WHAT\",\"object\":{}}\n", emit).ok());
}

TEST(ClientTest, StatusFromResponseUsesTheApiStatus) {
  Status s = StatusFromResponse(
      409, R"({"kind":"Status","reason":"AlreadyExists","message":"pods \"p\" already exists"})");
  EXPECT_EQ(s.code(), Code::kAlreadyExists);
  EXPECT_EQ(s.message(), "pods \"p\" already exists");
  EXPECT_EQ(StatusFromResponse(409, R"({"kind":"Status","reason":"Conflict"})").code(),
            Code::kConflict);
  EXPECT_EQ(StatusFromResponse(410, "gone").code(), Code::kGone);
  EXPECT_EQ(StatusFromResponse(404, "").code(), Code::kNotFound);
}

TEST(ClientTest, Paths) {
  const api::Registry& reg = api::Registry::Builtin();
  EXPECT_EQ(Client::Path(*reg.Find("", "v1", "pods"), "ns", "p", "binding"),
            "/api/v1/namespaces/ns/pods/p/binding");
  EXPECT_EQ(Client::Path(*reg.Find("apps", "v1", "deployments"), ""), "/apis/apps/v1/deployments");
  EXPECT_EQ(Client::Path(*reg.Find("", "v1", "nodes"), "ignored", "n1"), "/api/v1/nodes/n1");
}

}  // namespace
}  // namespace sampan::client
