// HttpClient tests against HttpServer and, where the server must misbehave on cue, a tiny
// scripted server on 127.0.0.1. Waits use deadlines, never sleeps.

#include "pkg/util/http_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "pkg/util/http_server.h"

namespace sampan::http {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

template <typename T>
bool Ready(std::future<T>& f) {
  return f.wait_for(kDeadline) == std::future_status::ready;
}

std::unique_ptr<HttpServer> MustStart(Handler handler, ServerOptions options = {}) {
  options.bind_address = "127.0.0.1";
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(handler));
  if (!server.ok()) {
    ADD_FAILURE() << server.status().ToString();
    return nullptr;
  }
  return std::move(server).value();
}

std::unique_ptr<HttpClient> MustClient(int port, ClientOptions o = {}) {
  if (o.host.empty()) o.host = "127.0.0.1";
  o.port = port;
  auto client = HttpClient::New(o);
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    return nullptr;
  }
  return std::move(client).value();
}

// A listening socket whose connections a test serves by hand, one step at a time.
class ScriptedServer {
 public:
  ScriptedServer() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    listen(listen_fd_, 16);
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ScriptedServer() { close(listen_fd_); }
  int port() const { return port_; }

  // Accepts one connection (or -1 after the deadline).
  int Accept() {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kDeadline).count())) <= 0) {
      return -1;
    }
    return accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  }
  // Reads one request head (requests here have no body).
  static std::string ReadHead(int fd) {
    std::string got;
    char buf[4096];
    while (got.find("\r\n\r\n") == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kDeadline).count())) <= 0) {
        break;
      }
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      if (n <= 0) break;
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  static void Reply(int fd, std::string_view response) {
    send(fd, response.data(), response.size(), MSG_NOSIGNAL);
  }

 private:
  int listen_fd_ = -1;
  int port_ = 0;
};

TEST(HttpClientTest, ChunkedResponseIsReassembledByDo) {
  auto server = MustStart([](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    w->Write("a");
    w->Write("bc");
    w->Write(std::string(100000, 'd'));
    w->End();
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  auto r = client->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "abc" + std::string(100000, 'd'));
  EXPECT_EQ(r->headers.Get("Transfer-Encoding"), "chunked");
  // The connection stays usable after a chunked response.
  ASSERT_TRUE(client->Do("GET", "/").ok());
  EXPECT_EQ(client->connections_opened(), 1);
}

TEST(HttpClientTest, SendsBearerTokenHostAndCustomHeaders) {
  auto server = MustStart([](Request& r, std::shared_ptr<ResponseWriter> w) {
    w->Send(200, {},
            std::string(r.headers.Get("Authorization")) + "|" + std::string(r.headers.Get("Host")) +
                "|" + std::string(r.headers.Get("Accept")));
  });
  ASSERT_TRUE(server);
  ClientOptions o;
  o.bearer_token = "t0ken";
  auto client = MustClient(server->port(), o);
  Headers h;
  h.Add("Accept", "application/json;as=Table");
  auto r = client->Do("GET", "/", h);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "Bearer t0ken|127.0.0.1:" + std::to_string(server->port()) +
                         "|application/json;as=Table");
}

TEST(HttpClientTest, StreamStopsWhenCallbackReturnsFalse) {
  auto server = MustStart([](Request& r, std::shared_ptr<ResponseWriter> w) {
    if (r.path == "/plain") {
      w->Send(200, {}, "plain");
      return;
    }
    w->StartStream(200, {});
    w->Write("1");
    w->Write("2");
    // never ends: the client decides when it has had enough
    w->OnClose([w] {});
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  std::vector<std::string> chunks;
  Status st = client->Stream("GET", "/watch", {}, [&](std::string_view c) {
    chunks.emplace_back(c);
    return chunks.size() < 2;
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(chunks, (std::vector<std::string>{"1", "2"}));
  // The half-read stream cannot be reused: the next request gets a fresh connection.
  auto r = client->Do("GET", "/plain");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "plain");
  EXPECT_EQ(client->connections_opened(), 2);
}

TEST(HttpClientTest, StreamOfErrorStatusReturnsMatchingCode) {
  auto server = MustStart([](Request&, std::shared_ptr<ResponseWriter> w) {
    w->Send(410, {}, R"({"kind":"Status","reason":"Expired","code":410})");
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  bool called = false;
  Status st = client->Stream("GET", "/watch", {}, [&](std::string_view) {
    called = true;
    return true;
  });
  EXPECT_TRUE(st.IsGone()) << st.ToString();
  EXPECT_NE(st.message().find("Expired"), std::string::npos);
  EXPECT_FALSE(called);
}

TEST(HttpClientTest, StreamOfPlainBodyDeliversIt) {
  auto server =
      MustStart([](Request&, std::shared_ptr<ResponseWriter> w) { w->Send(200, {}, "whole"); });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  std::string got;
  Status st = client->Stream("GET", "/", {}, [&](std::string_view c) {
    got += c;
    return true;
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(got, "whole");
}

TEST(HttpClientTest, CancelUnblocksStream) {
  std::promise<void> started;
  auto server = MustStart([&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    w->OnClose([w] {});  // kept open and silent until the client leaves
    started.set_value();
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  std::promise<Status> result;
  std::thread reader([&] {
    result.set_value(client->Stream("GET", "/watch", {}, [](std::string_view) { return true; }));
  });
  auto started_future = started.get_future();
  ASSERT_TRUE(Ready(started_future));
  client->Cancel();
  auto f = result.get_future();
  bool done = Ready(f);
  EXPECT_TRUE(done);
  if (!done) server->Stop();  // unblock the reader so the test can end
  reader.join();
  Status st = f.get();
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
  EXPECT_FALSE(client->Do("GET", "/").ok());  // cancelled for good
}

TEST(HttpClientTest, ReconnectsWhenServerClosedIdleConnection) {
  ScriptedServer server;
  std::promise<void> first_closed;
  std::thread serve([&] {
    int a = server.Accept();
    ScriptedServer::ReadHead(a);
    ScriptedServer::Reply(a, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none");
    close(a);  // a keep-alive response, then the server changes its mind
    first_closed.set_value();
    int b = server.Accept();
    ScriptedServer::ReadHead(b);
    ScriptedServer::Reply(b, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\ntwo");
    ScriptedServer::ReadHead(b);  // until the client leaves
    close(b);
  });
  auto client = MustClient(server.port());
  auto r1 = client->Do("POST", "/", {}, "x");
  ASSERT_TRUE(r1.ok()) << r1.status().ToString();
  EXPECT_EQ(r1->body, "one");
  auto closed = first_closed.get_future();
  ASSERT_TRUE(Ready(closed));
  auto r2 = client->Do("POST", "/", {}, "y");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->body, "two");
  EXPECT_EQ(client->connections_opened(), 2);
  client.reset();
  serve.join();
}

TEST(HttpClientTest, ConnectionCloseHeaderIsHonored) {
  auto server = MustStart([](Request&, std::shared_ptr<ResponseWriter> w) {
    Headers h;
    h.Add("Connection", "close");
    w->Send(200, std::move(h), "bye");
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  for (int i = 0; i < 3; ++i) {
    auto r = client->Do("GET", "/");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "bye");
  }
  EXPECT_EQ(client->connections_opened(), 3);
}

TEST(HttpClientTest, ResponseUntilEofAndTimeout) {
  ScriptedServer server;
  std::thread serve([&] {
    int a = server.Accept();
    ScriptedServer::ReadHead(a);
    ScriptedServer::Reply(a, "HTTP/1.0 200 OK\r\n\r\nuntil-eof");
    close(a);
    int b = server.Accept();  // accepts, reads, never answers
    ScriptedServer::ReadHead(b);
    ScriptedServer::ReadHead(b);  // returns when the client gives up and closes
    close(b);
  });
  ClientOptions o;
  o.timeout = 200ms;
  auto client = MustClient(server.port(), o);
  auto r = client->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "until-eof");
  auto timed_out = client->Do("GET", "/");
  EXPECT_EQ(timed_out.status().code(), Code::kUnavailable) << timed_out.status().ToString();
  client.reset();
  serve.join();
}

TEST(HttpClientTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    ScriptedServer closed_soon;  // a port that was just free
    port = closed_soon.port();
  }
  auto client = MustClient(port);
  auto r = client->Do("GET", "/");
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
}

TEST(HttpClientTest, BadOptionsAreInvalid) {
  ClientOptions o;
  EXPECT_EQ(HttpClient::New(o).status().code(), Code::kInvalid);
  o.host = "127.0.0.1";
  o.port = 70000;
  EXPECT_EQ(HttpClient::New(o).status().code(), Code::kInvalid);
  o.port = 1;
  o.tls = ClientTlsOptions{.cert_file = "/nonexistent.crt"};
  EXPECT_FALSE(HttpClient::New(o).ok());
}

}  // namespace
}  // namespace sampan::http
