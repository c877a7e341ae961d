#include "pkg/kubelet/prober/http_probe.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "pkg/kubelet/prober/handler_runner.h"
#include "pkg/util/http_server.h"
#include "test/unit/pkg/util/test_certs.h"

namespace sampan::kubelet::prober {
namespace {

using api::Json;
using namespace std::chrono_literals;

// A port on 127.0.0.1 with nothing listening (bound, then closed).
int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct Seen {
  std::string path;
  http::Headers headers;
};

// Paths: /ok (200 "fine"), /status/N (N), /redirect/same (302 -> /ok), /redirect/other (302
// to another host), /loop (302 -> /loop), /big (50 KiB), /hang (never answers).
class HttpProbeTest : public ::testing::Test {
 protected:
  void Start(bool tls) {
    http::ServerOptions o;
    o.bind_address = "127.0.0.1";
    if (tls) o.tls = http::TlsOptions{pki_.server_cert_file, pki_.server_key_file, ""};
    auto server = http::HttpServer::Start(
        o, [this](http::Request& r, std::shared_ptr<http::ResponseWriter> w) {
          {
            std::lock_guard lock(mu_);
            seen_.push_back({r.path, r.headers});
          }
          http::Headers h;
          if (r.path == "/ok") return w->Send(200, {}, "fine");
          if (r.path.rfind("/status/", 0) == 0)
            return w->Send(std::stoi(r.path.substr(8)), {}, "x");
          if (r.path == "/redirect/same") {
            h.Add("Location", "/ok");
            return w->Send(302, h, "moved");
          }
          if (r.path == "/redirect/other") {
            h.Add("Location", "http://elsewhere.invalid:81/ok");
            return w->Send(302, h, "gone elsewhere");
          }
          if (r.path == "/loop") {
            h.Add("Location", "/loop");
            return w->Send(302, h, "");
          }
          if (r.path == "/big") return w->Send(200, {}, std::string(50 * 1024, 'b'));
          if (r.path == "/hang") {
            std::lock_guard lock(mu_);
            hung_.push_back(w);  // answered by nobody; closed when the server stops
            return;
          }
          w->Send(404, {}, "");
        });
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }
  void TearDown() override {
    if (server_) server_->Stop();
  }

  HttpGetRequest Get(const std::string& path, bool https = false) {
    HttpGetRequest r;
    r.https = https;
    r.host = "127.0.0.1";
    r.port = server_->port();
    r.path = path;
    return r;
  }
  std::vector<Seen> seen() {
    std::lock_guard lock(mu_);
    return seen_;
  }

  testing::TestPki pki_;
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mu_;
  std::vector<Seen> seen_;
  std::vector<std::shared_ptr<http::ResponseWriter>> hung_;
};

TEST_F(HttpProbeTest, SuccessAndDefaultHeaders) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/ok"), 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess);
  EXPECT_EQ(o.message, "fine");
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].headers.Get("User-Agent"), "kube-probe/1.33");
  EXPECT_EQ(s[0].headers.Get("Accept"), "*/*");
  EXPECT_EQ(s[0].headers.Get("Host"), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(s[0].headers.Get("Connection"), "close");
}

TEST_F(HttpProbeTest, CustomHeadersAndHostOverride) {
  Start(false);
  HttpGetRequest r = Get("ok");  // no leading slash: added
  r.headers = {{"x-custom-header", "v1"},
               {"Host", "app.example"},
               {"User-Agent", "mine"},
               {"Accept", "application/json"}};
  EXPECT_EQ(DoHttpProbe(r, 5s).result, ProbeResult::kSuccess);
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].path, "/ok");
  EXPECT_EQ(s[0].headers.Get("X-Custom-Header"), "v1");
  EXPECT_EQ(s[0].headers.Get("Host"), "app.example");
  EXPECT_EQ(s[0].headers.Get("User-Agent"), "mine");
  EXPECT_EQ(s[0].headers.Get("Accept"), "application/json");
  // Empty User-Agent or Accept values remove those headers.
  r.headers = {{"User-Agent", ""}, {"Accept", ""}};
  EXPECT_EQ(DoHttpProbe(r, 5s).result, ProbeResult::kSuccess);
  s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_FALSE(s[1].headers.Has("User-Agent"));
  EXPECT_FALSE(s[1].headers.Has("Accept"));
}

TEST_F(HttpProbeTest, StatusCodes) {
  Start(false);
  for (int code : {200, 204, 299}) {
    EXPECT_EQ(DoHttpProbe(Get("/status/" + std::to_string(code)), 5s).result, ProbeResult::kSuccess)
        << code;
  }
  // Redirect codes Go does not follow are still 3xx: success with a warning.
  ProbeOutcome not_modified = DoHttpProbe(Get("/status/304"), 5s);
  EXPECT_EQ(not_modified.result, ProbeResult::kWarning);
  EXPECT_TRUE(not_modified.succeeded());
  for (int code : {400, 404, 500, 503}) {
    ProbeOutcome o = DoHttpProbe(Get("/status/" + std::to_string(code)), 5s);
    EXPECT_EQ(o.result, ProbeResult::kFailure) << code;
    EXPECT_EQ(o.message, "HTTP probe failed with statuscode: " + std::to_string(code));
  }
}

TEST_F(HttpProbeTest, SameHostRedirectIsFollowed) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/redirect/same"), 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess);
  EXPECT_EQ(o.message, "fine");
  auto s = seen();
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[1].path, "/ok");
}

TEST_F(HttpProbeTest, OtherHostRedirectIsAWarning) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/redirect/other"), 5s);
  EXPECT_EQ(o.result, ProbeResult::kWarning);
  EXPECT_EQ(o.message, "Probe terminated redirects, Response body: gone elsewhere");
  EXPECT_EQ(seen().size(), 1u);  // not followed
}

TEST_F(HttpProbeTest, RedirectLoopStopsAfterTen) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/loop"), 5s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "Get \"http://127.0.0.1:" + std::to_string(server_->port()) +
                           "/loop\": stopped after 10 redirects");
  EXPECT_EQ(seen().size(), 10u);
}

TEST_F(HttpProbeTest, BodyIsBounded) {
  Start(false);
  Result<HttpGetResponse> r = HttpGet(Get("/big"), 5s);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), kMaxProbeOutput);
}

TEST_F(HttpProbeTest, TimeoutIsAFailure) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/hang"), 200ms);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "Get \"http://127.0.0.1:" + std::to_string(server_->port()) +
                           "/hang\": context deadline exceeded (Client.Timeout exceeded while "
                           "awaiting headers)");
}

TEST_F(HttpProbeTest, ConnectionRefused) {
  HttpGetRequest r;
  r.host = "127.0.0.1";
  r.port = ClosedPort();
  r.path = "/healthz";
  ProbeOutcome o = DoHttpProbe(r, 2s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  std::string where = "127.0.0.1:" + std::to_string(r.port);
  EXPECT_EQ(o.message, "Get \"http://" + where + "/healthz\": dial tcp " + where +
                           ": connect: connection refused");
}

TEST_F(HttpProbeTest, HttpsWithoutCertificateCheck) {
  Start(true);
  ProbeOutcome o = DoHttpProbe(Get("/ok", true), 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess) << o.message;
  EXPECT_EQ(o.message, "fine");
  ProbeOutcome failing = DoHttpProbe(Get("/status/500", true), 5s);
  EXPECT_EQ(failing.message, "HTTP probe failed with statuscode: 500");
  // Plain HTTP against the TLS port fails (no HTTP answer comes back).
  EXPECT_EQ(DoHttpProbe(Get("/ok", false), 2s).result, ProbeResult::kFailure);
}

TEST_F(HttpProbeTest, HttpsAgainstPlainServer) {
  Start(false);
  ProbeOutcome o = DoHttpProbe(Get("/ok", true), 5s);
  EXPECT_EQ(o.result, ProbeResult::kFailure);
  EXPECT_EQ(o.message, "Get \"https://127.0.0.1:" + std::to_string(server_->port()) +
                           "/ok\": http: server gave HTTP response to HTTPS client");
}

TEST_F(HttpProbeTest, HandlerFromSpecWithNamedPortAndScheme) {
  Start(true);
  ProbeTarget target;
  target.pod_ip = "127.0.0.1";
  target.ports = {{"metrics", 1}, {"https", server_->port()}};
  Json handler = {{"httpGet",
                   {{"path", "/ok"},
                    {"port", "https"},
                    {"scheme", "HTTPS"},
                    {"httpHeaders", {{{"name", "X-Probe"}, {"value", "yes"}}}}}}};
  ProbeOutcome o = RunHandler(handler, target, 5s);
  EXPECT_EQ(o.result, ProbeResult::kSuccess) << o.message;
  auto s = seen();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].headers.Get("X-Probe"), "yes");
  // An explicit host wins over the pod IP.
  target.pod_ip = "192.0.2.1";  // never contacted
  handler["httpGet"]["host"] = "127.0.0.1";
  EXPECT_EQ(RunHandler(handler, target, 5s).result, ProbeResult::kSuccess);
  handler["httpGet"]["port"] = "nope";
  ProbeOutcome bad = RunHandler(handler, target, 5s);
  EXPECT_EQ(bad.result, ProbeResult::kUnknown);
  EXPECT_EQ(bad.message, "strconv.Atoi: parsing \"nope\": invalid syntax");
}

TEST(FormatUrlTest, Forms) {
  EXPECT_EQ(FormatUrl({false, "10.42.0.5", 8080, "/healthz", {}}), "http://10.42.0.5:8080/healthz");
  EXPECT_EQ(FormatUrl({true, "fd00::1", 443, "", {}}), "https://[fd00::1]:443/");
  EXPECT_EQ(FormatUrl({false, "h", 80, "a?b=c", {}}), "http://h:80/a?b=c");
}

}  // namespace
}  // namespace sampan::kubelet::prober
