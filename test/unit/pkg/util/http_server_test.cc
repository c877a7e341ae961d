// HttpServer tests on 127.0.0.1 with an ephemeral port, plain and TLS. Conditions are
// awaited with deadlines (futures, polls), never with sleeps; only a bug reaches a deadline.

#include "pkg/util/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pkg/util/http_backpressure.h"
#include "pkg/util/http_client.h"
#include "test/unit/pkg/util/test_certs.h"

namespace sampan::http {
namespace {

using namespace std::chrono_literals;

constexpr auto kDeadline = 10s;

// A raw TCP client for what HttpClient does not do on purpose: half requests, pipelining,
// not reading, HTTP/1.0, garbage.
class RawConn {
 public:
  explicit RawConn(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConn() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `done(received)` holds, EOF or the deadline. Returns everything received.
  std::string ReadUntil(const std::function<bool(const std::string&)>& done) {
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!done(received_) && !eof_ && std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[64 * 1024];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        eof_ = true;
        break;
      }
      received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  std::string ReadUntilContains(std::string_view s) {
    return ReadUntil([s](const std::string& r) { return r.find(s) != std::string::npos; });
  }
  // True once the server closed the connection (EOF or reset) within the deadline.
  bool WaitForClose() {
    ReadUntil([](const std::string&) { return false; });
    return eof_;
  }
  const std::string& received() const { return received_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string received_;
};

size_t CountOf(const std::string& haystack, std::string_view needle) {
  size_t count = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++count;
  }
  return count;
}

template <typename T>
bool Ready(std::future<T>& f) {
  return f.wait_for(kDeadline) == std::future_status::ready;
}

// "METHOD path query body x-test" for assertions on what the handler saw.
void Echo(Request& r, std::shared_ptr<ResponseWriter> w) {
  std::string body = r.method + " " + r.path + " " + r.query + " " + r.body + " " +
                     std::string(r.headers.Get("X-Test"));
  w->Send(200, Headers(), body);
}

std::unique_ptr<HttpServer> MustStart(ServerOptions options, Handler handler) {
  options.bind_address = "127.0.0.1";
  options.port = 0;
  auto server = HttpServer::Start(options, std::move(handler));
  if (!server.ok()) {
    ADD_FAILURE() << server.status().ToString();
    return nullptr;
  }
  return std::move(server).value();
}

std::unique_ptr<HttpClient> MustClient(int port, std::optional<ClientTlsOptions> tls = {}) {
  ClientOptions o;
  o.host = "127.0.0.1";
  o.port = port;
  o.tls = std::move(tls);
  auto client = HttpClient::New(o);
  if (!client.ok()) {
    ADD_FAILURE() << client.status().ToString();
    return nullptr;
  }
  return std::move(client).value();
}

// --- plain HTTP ---------------------------------------------------------------------

TEST(HttpServerTest, GetAndPostRoundTrip) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  ASSERT_TRUE(client);

  Headers h;
  h.Add("X-Test", "yes");
  auto get = client->Do("GET", "/api/v1/pods%2Dx?limit=5&watch=1", h);
  ASSERT_TRUE(get.ok()) << get.status().ToString();
  EXPECT_EQ(get->status, 200);
  EXPECT_EQ(get->body, "GET /api/v1/pods-x limit=5&watch=1  yes");
  EXPECT_EQ(get->headers.Get("Content-Type"), "application/json");
  EXPECT_EQ(get->headers.Get("Content-Length"), std::to_string(get->body.size()));

  auto post = client->Do("POST", "/apis/x", {}, R"({"kind":"Pod"})");
  ASSERT_TRUE(post.ok()) << post.status().ToString();
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body, R"(POST /apis/x  {"kind":"Pod"} )");
}

TEST(HttpServerTest, RunInlineRequestsRunOnTheLoopOthersOnWorkers) {
  ServerOptions options;
  options.run_inline = [](const Request& r) { return r.path == "/quick"; };
  auto server = MustStart(options, [](Request&, std::shared_ptr<ResponseWriter> w) {
    char name[16] = {};
    pthread_getname_np(pthread_self(), name, sizeof(name));
    w->Send(200, Headers(), name);
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  ASSERT_TRUE(client);
  for (int i = 0; i < 3; ++i) {  // in turns on one connection: the loop stays usable
    auto quick = client->Do("GET", "/quick");
    ASSERT_TRUE(quick.ok()) << quick.status().ToString();
    EXPECT_EQ(quick->body, "http-loop");
    auto other = client->Do("GET", "/other");
    ASSERT_TRUE(other.ok()) << other.status().ToString();
    EXPECT_EQ(other->body, "http-worker");
  }
}

TEST(HttpServerTest, HandlerHeadersAndStatusArePassedThrough) {
  auto server = MustStart({}, [](Request&, std::shared_ptr<ResponseWriter> w) {
    Headers h;
    h.Add("Content-Type", "text/plain");
    h.Add("X-Extra", "1");
    h.Add("Content-Length", "999");  // framing belongs to the server
    w->Send(404, std::move(h), "nope");
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  auto r = client->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body, "nope");
  EXPECT_EQ(r->headers.Get("Content-Type"), "text/plain");
  EXPECT_EQ(r->headers.Get("X-Extra"), "1");
  EXPECT_EQ(r->headers.Get("Content-Length"), "4");

  auto head = client->Do("HEAD", "/");
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->headers.Get("Content-Length"), "4");
  EXPECT_EQ(head->body, "");
}

TEST(HttpServerTest, KeepAliveReusesOneConnection) {
  std::mutex mu;
  std::set<std::string> remotes;
  auto server = MustStart({}, [&](Request& r, std::shared_ptr<ResponseWriter> w) {
    {
      std::lock_guard lock(mu);
      remotes.insert(r.remote_address);
    }
    w->Send(200, {}, r.path);
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  for (int i = 0; i < 100; ++i) {
    auto r = client->Do("GET", "/" + std::to_string(i));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->body, "/" + std::to_string(i));
  }
  EXPECT_EQ(client->connections_opened(), 1);
  std::lock_guard lock(mu);
  ASSERT_EQ(remotes.size(), 1u);
  EXPECT_EQ(remotes.begin()->rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServerTest, StreamDeliversEachChunkWhenWritten) {
  std::promise<std::shared_ptr<ResponseWriter>> writer_promise;
  auto server = MustStart({}, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    writer_promise.set_value(std::move(w));
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());

  std::promise<void> got_first;
  std::vector<std::string> chunks;
  Status stream_status;
  std::thread reader([&] {
    stream_status = client->Stream("GET", "/watch", {}, [&](std::string_view chunk) {
      chunks.emplace_back(chunk);
      if (chunks.size() == 1) got_first.set_value();
      return true;
    });
  });

  auto writer_future = writer_promise.get_future();
  ASSERT_TRUE(Ready(writer_future));
  auto writer = writer_future.get();
  auto first = got_first.get_future();
  writer->Write(R"({"type":"ADDED"})");
  // The client must see chunk 1 while the handler has not written chunk 2: nothing is
  // buffered until the end of the stream.
  bool first_arrived = Ready(first);
  EXPECT_TRUE(first_arrived) << "the first chunk was not delivered on its own";
  writer->Write(R"({"type":"MODIFIED"})");
  writer->End();
  if (!first_arrived) client->Cancel();
  reader.join();
  EXPECT_TRUE(stream_status.ok()) << stream_status.ToString();
  EXPECT_EQ(chunks, (std::vector<std::string>{R"({"type":"ADDED"})", R"({"type":"MODIFIED"})"}));
}

TEST(HttpServerTest, TooLargeBodyGets413StatusJson) {
  std::atomic<int> calls{0};
  auto server = MustStart({}, [&](Request& r, std::shared_ptr<ResponseWriter> w) {
    ++calls;
    Echo(r, std::move(w));
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  auto r = client->Do("POST", "/api/v1/configmaps", {}, std::string(4 * 1024 * 1024, 'x'));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->headers.Get("Content-Type"), "application/json");
  EXPECT_NE(r->body.find(R"("kind":"Status")"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find(R"("reason":"RequestEntityTooLarge")"), std::string::npos);
  EXPECT_NE(r->body.find(R"("code":413)"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
  // The server closed that connection; the client reconnects.
  auto again = client->Do("GET", "/");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->status, 200);
  EXPECT_EQ(client->connections_opened(), 2);
}

TEST(HttpServerTest, TooLargeChunkedBodyGets413) {
  ServerOptions o;
  o.max_body_bytes = 1024;
  auto server = MustStart(o, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  std::string chunk(2048, 'y');
  ASSERT_TRUE(c.Send("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                     chunk + "\r\n0\r\n\r\n"));
  std::string got = c.ReadUntilContains("}");
  EXPECT_EQ(got.rfind("HTTP/1.1 413 ", 0), 0u) << got;
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServerTest, HugeHeadersGet431) {
  ServerOptions o;
  o.max_header_bytes = 8 * 1024;
  auto server = MustStart(o, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(
      c.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n"));
  std::string got = c.ReadUntilContains("}");
  EXPECT_EQ(got.rfind("HTTP/1.1 431 ", 0), 0u) << got.substr(0, 200);
  EXPECT_NE(got.find(R"("code":431)"), std::string::npos);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServerTest, DefaultHeaderLimitIsOneMebibyte) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  // Above http-parser's built-in 80 KiB, below the server's limit: accepted.
  Headers big;
  big.Add("X-Test", std::string(200 * 1024, 'b'));
  auto ok = client->Do("GET", "/", big);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->status, 200);
  Headers huge;
  huge.Add("X-Test", std::string(2 * 1024 * 1024, 'c'));
  auto rejected = client->Do("GET", "/", huge);
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ(rejected->status, 431);
}

TEST(HttpServerTest, HeaderTimeoutClosesHalfRequest) {
  ServerOptions o;
  o.header_timeout = 100ms;
  std::atomic<int> calls{0};
  auto server = MustStart(o, [&](Request& r, std::shared_ptr<ResponseWriter> w) {
    ++calls;
    Echo(r, std::move(w));
  });
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET / HTTP/1.1\r\nHost: x\r\n"));  // and never the blank line
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(c.received(), "");
  EXPECT_EQ(calls.load(), 0);

  RawConn silent(server->port());  // connects and sends nothing at all
  EXPECT_TRUE(silent.WaitForClose());
}

TEST(HttpServerTest, IdleTimeoutClosesKeepAliveConnection) {
  ServerOptions o;
  o.idle_timeout = 100ms;
  auto server = MustStart(o, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_NE(c.ReadUntilContains("/a").find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_TRUE(c.WaitForClose());
}

TEST(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got = c.ReadUntilContains("GET /two");
  ASSERT_EQ(CountOf(got, "HTTP/1.1 200 OK"), 2u) << got;
  EXPECT_LT(got.find("GET /one"), got.find("GET /two"));
}

TEST(HttpServerTest, Http10ConnectionClosesAfterResponse) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET /old HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(c.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.received();
  EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(c.received().find("GET /old"), std::string::npos);
}

TEST(HttpServerTest, UpgradeRequestIsServedAsOrdinaryRequestThenClosed) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(
      c.Send("GET /exec HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\n"
             "Upgrade: websocket\r\n\r\nnot http any more"));
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(c.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.received();
  EXPECT_NE(c.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(CountOf(c.received(), "HTTP/1.1"), 1u);
}

TEST(HttpServerTest, MalformedRequestGets400AndClose) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("HELLO\x01 THERE\r\n\r\n"));
  EXPECT_TRUE(c.WaitForClose());
  EXPECT_EQ(c.received().rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << c.received();
  EXPECT_NE(c.received().find(R"("reason":"BadRequest")"), std::string::npos);
}

TEST(HttpServerTest, ExpectContinueGets100) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(
      c.Send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(c.ReadUntilContains("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send("hello"));
  EXPECT_NE(c.ReadUntilContains("POST /p  hello").find("HTTP/1.1 200 OK"), std::string::npos);
}

TEST(HttpServerTest, ClientDisconnectFiresOnCloseForStream) {
  std::promise<void> closed;
  auto server = MustStart({}, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    w->Write("hello");
    // The callback holds the writer: dropping the last reference would End() the stream.
    w->OnClose([&closed, w] { closed.set_value(); });
  });
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string got = c.ReadUntilContains("hello");
  EXPECT_NE(got.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << got;
  c.Close();
  auto f = closed.get_future();
  EXPECT_TRUE(Ready(f));
}

TEST(HttpServerTest, UnansweredRequestSeesOnCloseWhenClientLeaves) {
  std::promise<void> closed;
  std::promise<std::shared_ptr<ResponseWriter>> kept;
  auto server = MustStart({}, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->OnClose([&closed] { closed.set_value(); });
    kept.set_value(w);  // keeps the writer alive, never answers
  });
  ASSERT_TRUE(server);
  auto kept_future = kept.get_future();
  {
    RawConn c(server->port());
    ASSERT_TRUE(c.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
    ASSERT_TRUE(Ready(kept_future));
  }
  auto f = closed.get_future();
  EXPECT_TRUE(Ready(f));
  auto writer = kept_future.get();
  EXPECT_TRUE(writer->Closed());
  writer->Send(200, {}, "too late");  // dropped, harmless
}

TEST(HttpServerTest, DroppedWriterGets500) {
  auto server = MustStart({}, [](Request&, std::shared_ptr<ResponseWriter>) {});
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  auto r = client->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 500);
  EXPECT_NE(r->body.find(R"("kind":"Status")"), std::string::npos);
}

TEST(HttpServerTest, StreamToClientThatDoesNotReadIsCutOff) {
  ServerOptions o;
  o.max_pending_output_bytes = 256 * 1024;
  std::promise<std::shared_ptr<ResponseWriter>> writer_promise;
  std::promise<void> closed;
  auto server = MustStart(o, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    w->OnClose([&closed] { closed.set_value(); });
    writer_promise.set_value(std::move(w));
  });
  ASSERT_TRUE(server);
  RawConn c(server->port());
  ASSERT_TRUE(c.Send("GET /watch HTTP/1.1\r\nHost: x\r\n\r\n"));  // then never reads
  auto wf = writer_promise.get_future();
  ASSERT_TRUE(Ready(wf));
  auto writer = wf.get();
  auto closed_future = closed.get_future();
  const std::string chunk(64 * 1024, 'e');
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  size_t written = 0;
  // Socket buffers absorb a few MiB first; past them the cap must trigger, not memory grow.
  while (!writer->Closed() && std::chrono::steady_clock::now() < deadline) {
    writer->Write(chunk);
    written += chunk.size();
    if (closed_future.wait_for(0s) == std::future_status::ready) break;
  }
  EXPECT_TRUE(Ready(closed_future)) << "wrote " << written << " bytes without a cut-off";
  EXPECT_TRUE(writer->Closed());
}

TEST(HttpServerTest, ProducerThatWaitsForRoomIsNotCutOff) {
  ServerOptions o;
  o.max_pending_output_bytes = 256 * 1024;
  const std::string chunk(64 * 1024, 'w');
  constexpr int kChunks = 256;  // 16 MiB: far past the cap unless the producer waits
  auto server = MustStart(o, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    auto* backpressure = dynamic_cast<OutputBackpressure*>(w.get());
    ASSERT_NE(backpressure, nullptr);
    w->StartStream(200, {});
    for (int i = 0; i < kChunks && !w->Closed(); ++i) {
      backpressure->WaitForRoom(128 * 1024);
      w->Write(chunk);
    }
    w->End();
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  auto r = client->Do("GET", "/big");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body.size(), chunk.size() * kChunks);
}

TEST(HttpServerTest, WholeResponseLargerThanOutputCapIsDelivered) {
  ServerOptions o;
  o.max_pending_output_bytes = 256 * 1024;  // caps streams, not a response sent whole
  const std::string big(8 * 1024 * 1024, 'L');
  auto server =
      MustStart(o, [&](Request&, std::shared_ptr<ResponseWriter> w) { w->Send(200, {}, big); });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  for (int i = 0; i < 2; ++i) {
    auto r = client->Do("GET", "/api/v1/pods");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->body == big) << r->body.size();
  }
  EXPECT_EQ(client->connections_opened(), 1);
}

TEST(HttpServerTest, MaxConnectionsRefusesExtraConnections) {
  ServerOptions o;
  o.max_connections = 2;
  auto server = MustStart(o, Echo);
  ASSERT_TRUE(server);
  auto request = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
  auto c1 = std::make_unique<RawConn>(server->port());
  RawConn c2(server->port());
  for (RawConn* c : {c1.get(), &c2}) {
    ASSERT_TRUE(c->Send(request));
    ASSERT_NE(c->ReadUntilContains("GET /x").find("200 OK"), std::string::npos);
  }
  RawConn c3(server->port());
  EXPECT_TRUE(c3.WaitForClose());
  EXPECT_EQ(c3.received(), "");
  // Once one goes away a new connection is served again (the slot frees asynchronously).
  c1.reset();
  auto deadline = std::chrono::steady_clock::now() + kDeadline;
  bool served = false;
  while (!served && std::chrono::steady_clock::now() < deadline) {
    RawConn c4(server->port());
    c4.Send(request);
    served = c4.ReadUntilContains("GET /x").find("200 OK") != std::string::npos;
  }
  EXPECT_TRUE(served);
}

TEST(HttpServerTest, StopClosesStreamsAndFiresOnClose) {
  std::promise<void> started;
  std::promise<void> closed;
  auto server = MustStart({}, [&](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    w->Write("x");
    w->OnClose([&closed, w] { closed.set_value(); });  // the capture cycle ends with OnClose
    started.set_value();
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port());
  Status stream_status;
  std::thread reader([&] {
    stream_status = client->Stream("GET", "/watch", {}, [](std::string_view) { return true; });
  });
  auto started_future = started.get_future();
  ASSERT_TRUE(Ready(started_future));
  server->Stop();
  auto f = closed.get_future();
  EXPECT_EQ(f.wait_for(0s), std::future_status::ready);  // Stop() returned after OnClose
  reader.join();
  EXPECT_FALSE(stream_status.ok());  // the stream ended without its last chunk
  server->Stop();                    // idempotent
}

TEST(HttpServerTest, ConcurrentClientsAllSucceed) {
  auto server = MustStart({}, Echo);
  ASSERT_TRUE(server);
  constexpr int kThreads = 16;
  constexpr int kRequests = 200;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto client = MustClient(server->port());
      if (!client) return;
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(t) + "-" + std::to_string(i);
        auto r = client->Do("PUT", "/c", {}, body);
        if (r.ok() && r->status == 200 && r->body == "PUT /c  " + body + " ") ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kRequests);
}

TEST(HttpServerTest, BindFailureIsAnError) {
  auto first = MustStart({}, Echo);
  ASSERT_TRUE(first);
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.port = first->port();
  auto second = HttpServer::Start(o, Echo);
  EXPECT_FALSE(second.ok());
  o.bind_address = "not-an-ip";
  o.port = 0;
  EXPECT_EQ(HttpServer::Start(o, Echo).status().code(), Code::kInvalid);
}

// --- TLS ------------------------------------------------------------------------------

class HttpsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.tls = TlsOptions{pki_.server_cert_file, pki_.server_key_file, pki_.ca_file};
    server_ = MustStart(o, [this](Request& r, std::shared_ptr<ResponseWriter> w) {
      {
        std::lock_guard lock(mu_);
        peers_.push_back(r.peer);
      }
      Echo(r, std::move(w));
    });
    ASSERT_TRUE(server_);
  }

  ClientTlsOptions Trusting() const {
    ClientTlsOptions t;
    t.ca_file = pki_.ca_file;
    return t;
  }
  PeerIdentity LastPeer() {
    std::lock_guard lock(mu_);
    return peers_.empty() ? PeerIdentity() : peers_.back();
  }

  testing::TestPki pki_;
  std::unique_ptr<HttpServer> server_;
  std::mutex mu_;
  std::vector<PeerIdentity> peers_;
};

TEST_F(HttpsServerTest, ClientCertificateIdentityReachesHandler) {
  ClientTlsOptions t = Trusting();
  t.cert_file = pki_.client_cert_file;
  t.key_file = pki_.client_key_file;
  auto client = MustClient(server_->port(), t);
  for (int i = 0; i < 3; ++i) {  // and on a reused connection
    auto r = client->Do("POST", "/tls", {}, "secret");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->body, "POST /tls  secret ");
    PeerIdentity peer = LastPeer();
    EXPECT_TRUE(peer.verified);
    EXPECT_EQ(peer.common_name, "alice");
    EXPECT_EQ(peer.organizations, (std::vector<std::string>{"dev", "ops"}));
  }
  EXPECT_EQ(client->connections_opened(), 1);
}

TEST_F(HttpsServerTest, NoClientCertificateIsAnonymous) {
  auto client = MustClient(server_->port(), Trusting());
  auto r = client->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  PeerIdentity peer = LastPeer();
  EXPECT_FALSE(peer.verified);
  EXPECT_EQ(peer.common_name, "");
  EXPECT_TRUE(peer.organizations.empty());
}

TEST_F(HttpsServerTest, ClientCertificateFromAnotherCaIsRejected) {
  testing::TestCert other_ca = testing::MakeCa("other-ca");
  testing::TestCert mallory = testing::MakeCert(
      {.common_name = "mallory", .organizations = {"system:masters"}, .client_auth = true},
      &other_ca);
  auto [cert, key] = pki_.Write("mallory", mallory);
  ClientTlsOptions t = Trusting();
  t.cert_file = cert;
  t.key_file = key;
  auto client = MustClient(server_->port(), t);
  auto r = client->Do("GET", "/");
  EXPECT_FALSE(r.ok());
  std::lock_guard lock(mu_);
  EXPECT_TRUE(peers_.empty());
}

TEST_F(HttpsServerTest, ClientVerifiesServerCertificate) {
  testing::TestCert other_ca = testing::MakeCa("other-ca");
  ClientTlsOptions wrong_ca;
  wrong_ca.ca_file = pki_.WriteFile("other-ca.crt", other_ca.cert_pem);
  auto untrusting = MustClient(server_->port(), wrong_ca);
  auto r = untrusting->Do("GET", "/");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("certificate"), std::string::npos) << r.status().ToString();

  ClientTlsOptions insecure;
  insecure.insecure_skip_verify = true;
  auto r2 = MustClient(server_->port(), insecure)->Do("GET", "/");
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->status, 200);

  ClientTlsOptions wrong_name = Trusting();
  wrong_name.server_name = "kubernetes.example";
  EXPECT_FALSE(MustClient(server_->port(), wrong_name)->Do("GET", "/").ok());
}

TEST_F(HttpsServerTest, LocalhostNameVerifies) {
  ClientOptions o;
  o.host = "localhost";
  o.port = server_->port();
  o.tls = Trusting();
  auto client = HttpClient::New(o);
  ASSERT_TRUE(client.ok());
  auto r = (*client)->Do("GET", "/");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
}

// ALPN seen by a raw OpenSSL client offering `protos` (wire format); then one request.
std::string NegotiateAlpn(int port, std::string_view protos, std::string* response) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(protos.data()),
                          static_cast<unsigned>(protos.size()));
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string selected = "<handshake failed>";
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    SSL* ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) == 1) {
      const unsigned char* p = nullptr;
      unsigned len = 0;
      SSL_get0_alpn_selected(ssl, &p, &len);
      selected.assign(reinterpret_cast<const char*>(p), p ? len : 0);
      std::string req = "GET /alpn HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
      SSL_write(ssl, req.data(), static_cast<int>(req.size()));
      char buf[4096];
      int n;
      while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0) response->append(buf, n);
    }
    SSL_free(ssl);
  }
  close(fd);
  SSL_CTX_free(ctx);
  return selected;
}

TEST_F(HttpsServerTest, AlpnOffersOnlyHttp11) {
  std::string response;
  EXPECT_EQ(NegotiateAlpn(server_->port(), std::string_view("\x02h2\x08http/1.1", 12), &response),
            "http/1.1");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << response;
  response.clear();
  // An h2-only client gets no ALPN and is still answered in HTTP/1.1.
  EXPECT_EQ(NegotiateAlpn(server_->port(), std::string_view("\x02h2", 3), &response), "");
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK", 0), 0u) << response;
}

TEST_F(HttpsServerTest, StreamOverTls) {
  ServerOptions o;
  o.tls = TlsOptions{pki_.server_cert_file, pki_.server_key_file, ""};
  auto server = MustStart(o, [](Request&, std::shared_ptr<ResponseWriter> w) {
    w->StartStream(200, {});
    for (int i = 0; i < 3; ++i) w->Write("event" + std::to_string(i));
    w->End();
  });
  ASSERT_TRUE(server);
  auto client = MustClient(server->port(), Trusting());
  std::vector<std::string> chunks;
  Status st = client->Stream("GET", "/w", {}, [&](std::string_view c) {
    chunks.emplace_back(c);
    return true;
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(chunks, (std::vector<std::string>{"event0", "event1", "event2"}));
}

TEST(HttpServerTlsConfigTest, MissingCertificateIsAnError) {
  ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.tls = TlsOptions{"/nonexistent/server.crt", "/nonexistent/server.key", ""};
  auto server = HttpServer::Start(o, Echo);
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("/nonexistent/server.crt"), std::string::npos);
}

}  // namespace
}  // namespace sampan::http
