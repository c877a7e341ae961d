#include "pkg/apiserver/node_bootstrap.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "pkg/util/base64.h"
#include "pkg/util/pki.h"

namespace sampan::apiserver {
namespace {

class CapturingWriter final : public http::ResponseWriter {
 public:
  void Send(int s, http::Headers, std::string b) override {
    status = s;
    body = std::move(b);
  }
  void StartStream(int, http::Headers) override {}
  void Write(std::string) override {}
  void End() override {}
  bool Closed() const override { return false; }
  void OnClose(std::function<void()>) override {}

  int status = 0;
  std::string body;
};

struct Ca {
  std::string cert_pem, key_pem;
};

Ca MakeCa(const std::string& name) {
  EvpPkeyPtr key = GenerateEcKey().value();
  X509Ptr cert = CreateCaCert(name, key.get()).value();
  return {*EncodeCertPem(cert.get()), *EncodeKeyPem(key.get())};
}

class NodeBootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("node_bootstrap_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    server_ca_ = MakeCa("server-ca");
    client_ca_ = MakeCa("client-ca");
    bootstrap_ =
        NodeBootstrap::New({"s3cret", server_ca_.cert_pem, server_ca_.key_pem, client_ca_.cert_pem,
                            client_ca_.key_pem, (dir_ / "cred/node-passwd").string()})
            .value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  CapturingWriter Get(const std::string& path, const std::string& secret = "s3cret",
                      const std::string& node = "edge-1", const std::string& password = "pw1",
                      const std::string& ips = "10.0.0.5") {
    http::Request req;
    req.method = "GET";
    req.path = path;
    if (!secret.empty())
      req.headers.Add("Authorization", "Basic " + Base64Encode("node:" + secret));
    if (!node.empty()) req.headers.Add("k3s-Node-Name", node);
    if (!password.empty()) req.headers.Add("k3s-Node-Password", password);
    if (!ips.empty()) req.headers.Add("k3s-Node-IP", ips);
    CapturingWriter out;
    bootstrap_->Serve(req, out);
    return out;
  }

  static CertInfo Leaf(const std::string& both) {
    X509Ptr cert = DecodeCertPem(both).value();
    EvpPkeyPtr key = DecodeKeyPem(both.substr(both.find("-----BEGIN PRIVATE KEY-----"))).value();
    EXPECT_TRUE(CheckKeyMatchesCert(cert.get(), key.get()).ok());
    return *ReadCertInfo(cert.get());
  }

  std::filesystem::path dir_;
  Ca server_ca_, client_ca_;
  std::unique_ptr<NodeBootstrap> bootstrap_;
};

TEST_F(NodeBootstrapTest, ServesItsPathsOnly) {
  EXPECT_TRUE(NodeBootstrap::Handles("/cacerts"));
  EXPECT_TRUE(NodeBootstrap::Handles("/v1-k3s/client-kubelet.crt"));
  EXPECT_FALSE(NodeBootstrap::Handles("/api/v1/nodes"));
}

TEST_F(NodeBootstrapTest, CaCertsNeedNoCredentials) {
  CapturingWriter out = Get("/cacerts", "", "", "", "");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, server_ca_.cert_pem);
}

TEST_F(NodeBootstrapTest, WrongOrMissingTokenIs401) {
  for (const std::string& secret : {std::string("wrong"), std::string()}) {
    CapturingWriter out = Get("/v1-k3s/client-kubelet.crt", secret);
    EXPECT_EQ(out.status, 401) << secret;
    EXPECT_NE(out.body.find("\"reason\":\"Unauthorized\""), std::string::npos) << out.body;
  }
}

TEST_F(NodeBootstrapTest, ClientCertificateIsTheNodesIdentity) {
  CapturingWriter out = Get("/v1-k3s/client-kubelet.crt");
  ASSERT_EQ(out.status, 200) << out.body;
  CertInfo info = Leaf(out.body);
  EXPECT_EQ(info.common_name, "system:node:edge-1");
  EXPECT_EQ(info.organizations, std::vector<std::string>{"system:nodes"});
  EXPECT_TRUE(info.client_auth);
  X509Ptr cert = DecodeCertPem(out.body).value();
  X509Ptr ca = DecodeCertPem(client_ca_.cert_pem).value();
  EXPECT_TRUE(VerifyIssuedBy(cert.get(), ca.get()).ok());
}

TEST_F(NodeBootstrapTest, ServingCertificateNamesTheNodeAndItsIps) {
  CapturingWriter out =
      Get("/v1-k3s/serving-kubelet.crt", "s3cret", "edge-1", "pw1", "10.0.0.5,fd00::5");
  ASSERT_EQ(out.status, 200) << out.body;
  CertInfo info = Leaf(out.body);
  EXPECT_TRUE(info.server_auth);
  EXPECT_EQ(info.dns_names, (std::vector<std::string>{"edge-1", "localhost"}));
  EXPECT_EQ(info.ip_addresses, (std::vector<std::string>{"127.0.0.1", "10.0.0.5", "fd00::5"}));
  X509Ptr cert = DecodeCertPem(out.body).value();
  X509Ptr ca = DecodeCertPem(server_ca_.cert_pem).value();
  EXPECT_TRUE(VerifyIssuedBy(cert.get(), ca.get()).ok());
}

TEST_F(NodeBootstrapTest, AnotherPasswordForAKnownNodeIs403) {
  ASSERT_EQ(Get("/v1-k3s/client-kubelet.crt").status, 200);
  EXPECT_EQ(Get("/v1-k3s/client-kubelet.crt").status, 200);  // same password again
  CapturingWriter out = Get("/v1-k3s/client-kubelet.crt", "s3cret", "edge-1", "other");
  EXPECT_EQ(out.status, 403);
  EXPECT_NE(out.body.find("joined before with another node password"), std::string::npos);
  EXPECT_EQ(Get("/v1-k3s/client-kubelet.crt", "s3cret", "edge-2", "other").status, 200);
}

TEST_F(NodeBootstrapTest, BadNodeHeadersAre400) {
  EXPECT_EQ(Get("/v1-k3s/client-kubelet.crt", "s3cret", "Bad_Name").status, 400);
  EXPECT_EQ(Get("/v1-k3s/client-kubelet.crt", "s3cret", "edge-1", "").status, 400);
  EXPECT_EQ(Get("/v1-k3s/serving-kubelet.crt", "s3cret", "edge-1", "pw1", "not-an-ip").status, 400);
}

TEST_F(NodeBootstrapTest, ClusterSettings) {
  CapturingWriter out = Get("/v1-k3s/config");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.body, R"({"clusterCIDR":"10.42.0.0/16","clusterDNS":"10.43.0.10","clusterDomain":)"
                      R"("cluster.local","kubernetesServiceIP":"10.43.0.1"})");
  EXPECT_EQ(Get("/v1-k3s/config", "wrong").status, 401);
}

TEST_F(NodeBootstrapTest, CasAndUnknownPaths) {
  EXPECT_EQ(Get("/v1-k3s/client-ca.crt").body, client_ca_.cert_pem);
  EXPECT_EQ(Get("/v1-k3s/server-ca.crt").body, server_ca_.cert_pem);
  EXPECT_EQ(Get("/v1-k3s/nothing").status, 404);
}

}  // namespace
}  // namespace sampan::apiserver
