// Protocol upgrades end to end: HttpServer's ResponseWriter::Upgrade and HttpClient::Upgrade
// over plain TCP, bytes both ways after the 101, and the close seen by each side.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "pkg/util/http_client.h"
#include "pkg/util/http_server.h"

namespace sampan::http {
namespace {

using namespace std::chrono_literals;

TEST(HttpUpgradeTest, EchoAfterSwitchingProtocols) {
  auto server = HttpServer::Start(ServerOptions{.bind_address = "127.0.0.1"},
                                  [&](Request& req, std::shared_ptr<ResponseWriter> out) {
                                    if (req.headers.Get("Upgrade") != "echo")
                                      return out->Send(400, {}, "want an upgrade");
                                    Headers h;
                                    h.Add("Upgrade", "echo");
                                    h.Add("Connection", "Upgrade");
                                    // The connection keeps the callback, and the callback the
                                    // writer, until it closes.
                                    ResponseWriter* w = out.get();
                                    w->Upgrade(101, std::move(h), [out](std::string_view bytes) {
                                      if (bytes == "bye") return out->End();
                                      out->Write("echo:" + std::string(bytes));
                                    });
                                  });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  auto client = HttpClient::New(ClientOptions{.host = "127.0.0.1", .port = (*server)->port()});
  ASSERT_TRUE(client.ok());

  Headers h;
  h.Add("Upgrade", "echo");
  Result<Response> head = (*client)->Upgrade("GET", "/x", h);
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->status, 101);
  EXPECT_EQ(head->headers.Get("Upgrade"), "echo");

  ASSERT_TRUE((*client)->WriteUpgraded("ping").ok());
  std::string got;
  bool eof = false;
  while (got.size() < 9 && !eof) ASSERT_TRUE((*client)->ReadUpgraded(&got, &eof).ok());
  EXPECT_EQ(got, "echo:ping");

  // The handler ends the connection: the client reads its end.
  ASSERT_TRUE((*client)->WriteUpgraded("bye").ok());
  std::string rest;
  while (!eof) ASSERT_TRUE((*client)->ReadUpgraded(&rest, &eof).ok());
  EXPECT_EQ(rest, "");
  (*server)->Stop();
}

TEST(HttpUpgradeTest, RefusedUpgradeReturnsTheAnswer) {
  auto server = HttpServer::Start(
      ServerOptions{.bind_address = "127.0.0.1"},
      [](Request&, std::shared_ptr<ResponseWriter> out) { out->Send(400, {}, "no thanks"); });
  ASSERT_TRUE(server.ok());
  auto client = HttpClient::New(ClientOptions{.host = "127.0.0.1", .port = (*server)->port()});
  ASSERT_TRUE(client.ok());
  Headers h;
  h.Add("Upgrade", "echo");
  Result<Response> answer = (*client)->Upgrade("GET", "/x", h);
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 400);
  EXPECT_EQ(answer->body, "no thanks");
}

}  // namespace
}  // namespace sampan::http
