#include "runtime/images/registry_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "pkg/util/base64.h"
#include "pkg/util/http_server.h"
#include "runtime/images/blob_store.h"
#include "test/unit/pkg/util/test_certs.h"
#include "test/unit/runtime/images/test_dir.h"

namespace sampan::images {
namespace {

using http::Request;
using http::ResponseWriter;

std::unique_ptr<http::HttpServer> Serve(http::Handler handler) {
  http::ServerOptions o;
  o.bind_address = "127.0.0.1";
  auto server = http::HttpServer::Start(o, std::move(handler));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

Endpoint Local(int port, RegistryAuth auth = {}) {
  Endpoint e = ParseEndpointUrl("http://127.0.0.1:" + std::to_string(port)).value();
  e.repository = "team/app";
  e.config.auth = auth;
  return e;
}

const std::string kBlob(300000, 'b');

Descriptor BlobDescriptor() {
  return Descriptor{std::string(media::kOciLayerGzip),
                    Digest::Of(kBlob),
                    static_cast<int64_t>(kBlob.size()),
                    std::nullopt,
                    {}};
}

class RegistryClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto blobs = BlobStore::Open(dir_.path());
    ASSERT_TRUE(blobs.ok());
    blobs_ = std::make_unique<BlobStore>(std::move(*blobs));
  }
  Status Fetch(RegistryClient& client) {
    auto writer = blobs_->NewWriter();
    if (!writer.ok()) return writer.status();
    RETURN_IF_ERROR(client.FetchBlob(BlobDescriptor(), writer->get(), [](uint64_t) {}));
    return (*writer)->Commit(BlobDescriptor().digest, BlobDescriptor().size).status();
  }
  testing::TestDir dir_;
  std::unique_ptr<BlobStore> blobs_;
};

TEST_F(RegistryClientTest, AnswersBearerChallengeWithBasicCredentials) {
  std::atomic<int> token_requests{0};
  std::mutex mu;
  std::string scope_seen;
  int port = 0;
  auto server = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    if (r.path == "/token") {
      ++token_requests;
      {
        std::lock_guard<std::mutex> lock(mu);
        scope_seen = r.query;
      }
      if (r.headers.Get("Authorization") != "Basic " + Base64Encode("u:p")) {
        w->Send(401, {}, "");
        return;
      }
      w->Send(200, {}, R"({"access_token":"t0k"})");
      return;
    }
    if (r.headers.Get("Authorization") != "Bearer t0k") {
      http::Headers h;
      h.Add("WWW-Authenticate", "Bearer realm=\"http://127.0.0.1:" + std::to_string(port) +
                                    "/token\",service=\"reg\",scope=\"repository:team/app:pull\"");
      w->Send(401, h, "");
      return;
    }
    if (r.path == "/v2/team/app/manifests/v1") {
      http::Headers h;
      h.Add("Content-Type", std::string(media::kOciManifest));
      w->Send(200, h, R"({"schemaVersion":2,"layers":[]})");
      return;
    }
    w->Send(200, {}, kBlob);
  });
  ASSERT_NE(server, nullptr);
  port = server->port();

  RegistryClient anonymous(Local(port));
  auto denied = anonymous.GetManifest("v1");
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), Code::kUnauthorized) << denied.status().ToString();

  RegistryClient client(Local(port, {"u", "p", ""}));
  auto m = client.GetManifest("v1");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->media_type, media::kOciManifest);
  EXPECT_TRUE(Fetch(client).ok());
  EXPECT_EQ(token_requests.load(), 2);  // the anonymous try and one for the good client
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_NE(scope_seen.find("scope=repository%3Ateam%2Fapp%3Apull"), std::string::npos)
      << scope_seen;
  EXPECT_NE(scope_seen.find("service=reg"), std::string::npos);
}

TEST_F(RegistryClientTest, BasicChallengeAndDigestCheckOfManifests) {
  auto server = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    if (r.headers.Get("Authorization") != "Basic " + Base64Encode("u:p")) {
      http::Headers h;
      h.Add("WWW-Authenticate", "Basic realm=\"registry\"");
      w->Send(401, h, "");
      return;
    }
    w->Send(200, {}, R"({"schemaVersion":2,"layers":[]})");
  });
  ASSERT_NE(server, nullptr);
  RegistryClient client(Local(server->port(), {"u", "p", ""}));
  auto m = client.GetManifest("latest");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->media_type, media::kOciManifest);  // guessed from the body
  auto wrong = client.GetManifest("sha256:" + std::string(64, '0'));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), Code::kInvalid);
}

TEST_F(RegistryClientTest, FollowsRedirectsWithoutLeakingCredentials) {
  std::mutex mu;
  std::string storage_auth = "unset";
  auto storage = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    std::lock_guard<std::mutex> lock(mu);
    storage_auth = std::string(r.headers.Get("Authorization"));
    w->Send(200, {}, kBlob);
  });
  ASSERT_NE(storage, nullptr);
  auto registry = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    if (r.headers.Get("Authorization").empty()) {
      http::Headers h;
      h.Add("WWW-Authenticate", "Basic realm=\"registry\"");
      w->Send(401, h, "");
      return;
    }
    http::Headers h;
    h.Add("Location", "http://127.0.0.1:" + std::to_string(storage->port()) + "/bucket/x?sig=1");
    w->Send(307, h, "");
  });
  ASSERT_NE(registry, nullptr);
  RegistryClient client(Local(registry->port(), {"u", "p", ""}));
  ASSERT_TRUE(Fetch(client).ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(storage_auth, "");
}

TEST_F(RegistryClientTest, ResumesABrokenDownloadWithRange) {
  std::mutex mu;
  std::vector<std::string> ranges;
  auto server = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    std::string range(r.headers.Get("Range"));
    {
      std::lock_guard<std::mutex> lock(mu);
      ranges.push_back(range);
    }
    if (range.empty()) {  // the first try stops half-way
      w->StartStream(200, {});
      w->Write(kBlob.substr(0, 100000));
      w->End();
      return;
    }
    size_t from = std::stoul(range.substr(6));
    http::Headers h;
    h.Add("Content-Range", "bytes " + std::to_string(from) + "-" +
                               std::to_string(kBlob.size() - 1) + "/" +
                               std::to_string(kBlob.size()));
    w->Send(206, h, kBlob.substr(from));
  });
  ASSERT_NE(server, nullptr);
  RegistryClient client(Local(server->port()));
  Status st = Fetch(client);
  EXPECT_TRUE(st.ok()) << st.ToString();
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(ranges, (std::vector<std::string>{"", "bytes=100000-"}));
}

TEST_F(RegistryClientTest, OversizedOrMissingBlobsFail) {
  auto server = Serve([&](Request& r, std::shared_ptr<ResponseWriter> w) {
    if (r.path.find("manifests") != std::string::npos) {
      w->Send(404, {}, R"({"errors":[{"code":"MANIFEST_UNKNOWN"}]})");
      return;
    }
    w->Send(200, {}, kBlob + "extra");
  });
  ASSERT_NE(server, nullptr);
  RegistryClient client(Local(server->port()));
  Status st = Fetch(client);
  EXPECT_EQ(st.code(), Code::kInvalid) << st.ToString();
  auto m = client.GetManifest("nope");
  EXPECT_TRUE(m.status().IsNotFound()) << m.status().ToString();
}

TEST_F(RegistryClientTest, TlsWithCustomCaOrExplicitlyInsecureOnly) {
  sampan::testing::TestPki pki;
  http::ServerOptions o;
  o.bind_address = "127.0.0.1";
  o.tls = http::TlsOptions{pki.server_cert_file, pki.server_key_file, ""};
  auto server = http::HttpServer::Start(
      o, [](Request&, std::shared_ptr<ResponseWriter> w) { w->Send(200, {}, kBlob); });
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  Endpoint e = ParseEndpointUrl("https://127.0.0.1:" + std::to_string((*server)->port())).value();
  e.repository = "team/app";

  RegistryClient untrusted(e);  // system roots do not know the test CA
  EXPECT_FALSE(Fetch(untrusted).ok());

  Endpoint with_ca = e;
  with_ca.config.tls.ca_file = pki.ca_file;
  RegistryClient trusted(with_ca);
  Status st = Fetch(trusted);
  EXPECT_TRUE(st.ok()) << st.ToString();

  Endpoint insecure = e;
  insecure.config.tls.insecure_skip_verify = true;
  RegistryClient skip(insecure);
  auto writer = blobs_->NewWriter();
  ASSERT_TRUE(writer.ok());
  EXPECT_TRUE(skip.FetchBlob(BlobDescriptor(), writer->get(), [](uint64_t) {}).ok());
}

TEST(RegistriesConfigTest, MirrorsRewritesAuthAndDefaults) {
  auto c = RegistriesConfig::Parse(R"yaml(
mirrors:
  docker.io:
    endpoint: ["https://mirror.local:5000/v2", "http://127.0.0.1:5001"]
    rewrite:
      "^library/(.*)": "hub/$1"
  "*":
    endpoint: ["https://catchall.local"]
configs:
  "mirror.local:5000":
    auth: {auth: dTpw}
    tls: {ca_file: /ca.pem, insecure_skip_verify: true}
  "127.0.0.1:5001":
    auth: {username: a, password: b}
)yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto eps = c->EndpointsFor("docker.io", "library/redis");
  ASSERT_TRUE(eps.ok());
  ASSERT_EQ(eps->size(), 3u);
  EXPECT_EQ((*eps)[0].str(), "https://mirror.local:5000");
  EXPECT_EQ((*eps)[0].repository, "hub/redis");
  EXPECT_EQ((*eps)[0].config.auth.username, "u");
  EXPECT_EQ((*eps)[0].config.auth.password, "p");
  EXPECT_TRUE((*eps)[0].config.tls.insecure_skip_verify);
  EXPECT_TRUE((*eps)[1].plain_http);
  EXPECT_EQ((*eps)[1].config.auth.username, "a");
  EXPECT_EQ((*eps)[2].str(), "https://registry-1.docker.io:443");
  EXPECT_EQ((*eps)[2].repository, "library/redis");  // rewrites are for mirrors only
  EXPECT_TRUE((*eps)[2].is_default);

  auto other = c->EndpointsFor("ghcr.io", "o/r");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 2u);
  EXPECT_EQ((*other)[0].host, "catchall.local");
  EXPECT_EQ((*other)[1].str(), "https://ghcr.io:443");

  EXPECT_FALSE(RegistriesConfig::Parse("mirrors: {x: {endpoint: [\"ftp://x\"]}}").ok());
  EXPECT_FALSE(RegistriesConfig::Parse("mirrors: {x: {rewrite: {\"(\": y}}}").ok());
  EXPECT_FALSE(RegistriesConfig::Parse("configs: {x: {auth: {auth: \"!!\"}}}").ok());
  EXPECT_TRUE(RegistriesConfig::Load("/nonexistent/registries.yaml", true).ok());
  EXPECT_FALSE(RegistriesConfig::Load("/nonexistent/registries.yaml", false).ok());
}

TEST(ChallengeTest, ParsesQuotedParameters) {
  std::string scheme;
  auto p = ParseChallenge(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")",
      &scheme);
  EXPECT_EQ(scheme, "bearer");
  EXPECT_EQ(p["realm"], "https://auth.example/token");
  EXPECT_EQ(p["scope"], "repository:a/b:pull,push");
}

}  // namespace
}  // namespace sampan::images
