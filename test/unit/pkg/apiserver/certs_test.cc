#include "pkg/apiserver/certs.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <regex>

#include "pkg/util/pki.h"

namespace sampan::apiserver {
namespace {

using std::chrono::days;
using std::chrono::system_clock;

class CertsTest : public testing::Test {
 protected:
  CertsTest() {
    char tmpl[] = "/tmp/sampan-certs-test-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    config_.data_dir = root_ + "/data";
    config_.host_name = "Node-1";
    config_.node_ips = {"192.168.1.10", "fd00:0::5"};
    config_.tls_sans = {"api.example.com", "203.0.113.7"};
  }
  ~CertsTest() override { std::filesystem::remove_all(root_); }

  std::string TlsFile(const std::string& name) const {
    return config_.data_dir + "/server/tls/" + name;
  }

  ServerCerts Ensure() {
    Result<ServerCerts> certs = EnsureServerCerts(config_);
    EXPECT_TRUE(certs.ok()) << certs.status().ToString();
    return certs.ok() ? *certs : ServerCerts();
  }

  // Every file under server/tls/, by name.
  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& entry :
         std::filesystem::directory_iterator(config_.data_dir + "/server/tls")) {
      files[entry.path().filename()] = *ReadFileToString(entry.path());
    }
    return files;
  }

  static X509Ptr Cert(const std::string& pem) {
    Result<X509Ptr> cert = DecodeCertPem(pem);
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    return cert.ok() ? std::move(*cert) : nullptr;
  }

  static CertInfo Info(const std::string& pem) {
    X509Ptr cert = Cert(pem);
    Result<CertInfo> info = ReadCertInfo(cert.get());
    EXPECT_TRUE(info.ok());
    return info.ok() ? *info : CertInfo();
  }

  // Replaces a leaf with one signed by `ca_name`'s CA, valid for `validity` only.
  void WriteShortLivedLeaf(const std::string& leaf, const std::string& ca_name,
                           const CertSpec& spec) {
    X509Ptr ca_cert = Cert(*ReadFileToString(TlsFile(ca_name + ".crt")));
    EvpPkeyPtr ca_key = DecodeKeyPem(*ReadFileToString(TlsFile(ca_name + ".key"))).value();
    EvpPkeyPtr key = GenerateEcKey().value();
    Result<X509Ptr> cert = IssueCert(spec, key.get(), ca_cert.get(), ca_key.get());
    ASSERT_TRUE(cert.ok()) << cert.status().ToString();
    ASSERT_TRUE(WriteFileAtomic(TlsFile(leaf + ".key"), *EncodeKeyPem(key.get()), 0600).ok());
    ASSERT_TRUE(WriteFileAtomic(TlsFile(leaf + ".crt"), *EncodeCertPem(cert->get()), 0644).ok());
  }

  static mode_t ModeOf(const std::string& path) {
    struct stat st;
    EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
    return st.st_mode & 07777;
  }

  static bool Contains(const std::vector<std::string>& list, const std::string& value) {
    return std::find(list.begin(), list.end(), value) != list.end();
  }

  std::string root_;
  CertsConfig config_;
};

TEST_F(CertsTest, FirstStartCreatesCasAndLeaves) {
  ServerCerts certs = Ensure();
  EXPECT_EQ(certs.tls_dir, config_.data_dir + "/server/tls");
  EXPECT_EQ(ModeOf(certs.tls_dir), 0700u);
  for (const CertFiles* files :
       {&certs.server_ca, &certs.client_ca, &certs.serving, &certs.admin}) {
    EXPECT_EQ(*ReadFileToString(files->cert_path), files->cert_pem);
    EXPECT_EQ(*ReadFileToString(files->key_path), files->key_pem);
    EXPECT_EQ(ModeOf(files->cert_path), 0644u);
    EXPECT_EQ(ModeOf(files->key_path), 0600u);
  }
  EXPECT_EQ(certs.server_ca.cert_path, TlsFile("server-ca.crt"));
  EXPECT_EQ(certs.client_ca.key_path, TlsFile("client-ca.key"));
  EXPECT_EQ(certs.serving.cert_path, TlsFile("serving-kube-apiserver.crt"));
  EXPECT_EQ(certs.admin.key_path, TlsFile("client-admin.key"));

  X509Ptr server_ca = Cert(certs.server_ca.cert_pem);
  X509Ptr client_ca = Cert(certs.client_ca.cert_pem);
  EXPECT_TRUE(Info(certs.server_ca.cert_pem).is_ca);
  EXPECT_TRUE(Info(certs.client_ca.cert_pem).is_ca);
  EXPECT_NE(certs.server_ca.cert_pem, certs.client_ca.cert_pem);

  X509Ptr serving = Cert(certs.serving.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(serving.get(), server_ca.get()).ok());
  EXPECT_FALSE(VerifyIssuedBy(serving.get(), client_ca.get()).ok());
  CertInfo info = Info(certs.serving.cert_pem);
  EXPECT_TRUE(info.server_auth);
  for (const char* dns :
       {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local", "localhost", "node-1", "api.example.com"}) {
    EXPECT_TRUE(Contains(info.dns_names, dns)) << dns;
  }
  for (const char* ip :
       {"127.0.0.1", "::1", "10.43.0.1", "192.168.1.10", "fd00::5", "203.0.113.7"}) {
    EXPECT_TRUE(Contains(info.ip_addresses, ip)) << ip;
  }

  X509Ptr admin = Cert(certs.admin.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(admin.get(), client_ca.get()).ok());
  EXPECT_FALSE(VerifyIssuedBy(admin.get(), server_ca.get()).ok());
  CertInfo admin_info = Info(certs.admin.cert_pem);
  EXPECT_EQ(admin_info.common_name, "system:admin");
  EXPECT_EQ(admin_info.organizations, std::vector<std::string>{"system:masters"});
  EXPECT_TRUE(admin_info.client_auth);
  EXPECT_FALSE(admin_info.server_auth);
}

TEST_F(CertsTest, HostNameDefaultsToGethostname) {
  config_.host_name.clear();
  ServerCerts certs = Ensure();
  char name[256] = {};
  ASSERT_EQ(::gethostname(name, sizeof(name) - 1), 0);
  std::string host = name;
  std::transform(host.begin(), host.end(), host.begin(), ::tolower);
  CertInfo info = Info(certs.serving.cert_pem);
  EXPECT_TRUE(Contains(info.dns_names, host) || Contains(info.ip_addresses, host)) << host;
}

TEST_F(CertsTest, SecondStartReusesIdenticalFiles) {
  Ensure();
  std::map<std::string, std::string> before = Snapshot();
  EXPECT_EQ(before.size(), 10u);  // CAs, serving, admin, kubelet client: cert + key each
  ServerCerts again = Ensure();
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(again.serving.cert_pem, before["serving-kube-apiserver.crt"]);
  // Same SANs spelled differently (case, IPv6 form, order) are still covered.
  config_.host_name = "NODE-1";
  config_.node_ips = {"fd00::0:5", "192.168.1.10"};
  config_.tls_sans = {"API.example.com"};
  Ensure();
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(CertsTest, NewTlsSanRegeneratesOnlyTheServingCert) {
  Ensure();
  std::map<std::string, std::string> before = Snapshot();
  config_.tls_sans.push_back("new.example.com");
  config_.node_ips.push_back("2001:db8::1");
  ServerCerts certs = Ensure();
  std::map<std::string, std::string> after = Snapshot();
  for (const auto& [name, content] : before) {
    bool serving = name.starts_with("serving-kube-apiserver.");
    EXPECT_EQ(content != after[name], serving) << name;
  }
  CertInfo info = Info(certs.serving.cert_pem);
  EXPECT_TRUE(Contains(info.dns_names, "new.example.com"));
  EXPECT_TRUE(Contains(info.ip_addresses, "2001:db8::1"));
  EXPECT_TRUE(Contains(info.dns_names, "api.example.com"));
  X509Ptr serving = Cert(certs.serving.cert_pem);
  X509Ptr ca = Cert(certs.server_ca.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(serving.get(), ca.get()).ok());
  // A SAN that is no longer asked for does not force a new certificate.
  config_.tls_sans = {};
  Ensure();
  EXPECT_EQ(Snapshot(), after);
}

TEST_F(CertsTest, NearExpiryLeavesAreRenewed) {
  Ensure();
  CertSpec serving;
  serving.common_name = "kube-apiserver";
  serving.dns_names = {"kubernetes", "localhost"};
  serving.server_auth = true;
  serving.validity = days(30);
  WriteShortLivedLeaf("serving-kube-apiserver", "server-ca", serving);
  CertSpec admin;
  admin.common_name = "system:admin";
  admin.organizations = {"system:masters"};
  admin.client_auth = true;
  admin.validity = days(119);
  WriteShortLivedLeaf("client-admin", "client-ca", admin);
  std::map<std::string, std::string> before = Snapshot();

  ServerCerts certs = Ensure();
  std::map<std::string, std::string> after = Snapshot();
  EXPECT_NE(after["serving-kube-apiserver.crt"], before["serving-kube-apiserver.crt"]);
  EXPECT_NE(after["client-admin.crt"], before["client-admin.crt"]);
  EXPECT_NE(after["client-admin.key"], before["client-admin.key"]);
  EXPECT_EQ(after["server-ca.crt"], before["server-ca.crt"]);
  EXPECT_EQ(after["client-ca.key"], before["client-ca.key"]);
  for (const std::string* pem : {&certs.serving.cert_pem, &certs.admin.cert_pem}) {
    EXPECT_GT(Info(*pem).not_after - system_clock::now(), days(360));
  }
}

TEST_F(CertsTest, LeafFromAnotherCaOrWithWrongSubjectIsReissued) {
  Ensure();
  CertSpec admin;
  admin.common_name = "system:admin";
  admin.organizations = {"system:masters"};
  admin.client_auth = true;
  WriteShortLivedLeaf("client-admin", "server-ca", admin);  // wrong CA, full lifetime
  ServerCerts certs = Ensure();
  X509Ptr cert = Cert(certs.admin.cert_pem);
  X509Ptr ca = Cert(certs.client_ca.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(cert.get(), ca.get()).ok());

  admin.organizations = {"someone-else"};
  WriteShortLivedLeaf("client-admin", "client-ca", admin);
  certs = Ensure();
  EXPECT_EQ(Info(certs.admin.cert_pem).organizations, std::vector<std::string>{"system:masters"});
}

TEST_F(CertsTest, CorruptCaIsAClearError) {
  Ensure();
  std::string ca_cert = *ReadFileToString(TlsFile("server-ca.crt"));
  ASSERT_TRUE(WriteFileAtomic(TlsFile("server-ca.crt"), "not a certificate", 0644).ok());
  Result<ServerCerts> certs = EnsureServerCerts(config_);
  ASSERT_FALSE(certs.ok());
  EXPECT_EQ(certs.status().code(), Code::kInvalid);
  EXPECT_NE(certs.status().message().find(TlsFile("server-ca.crt")), std::string::npos)
      << certs.status().message();
  EXPECT_EQ(*ReadFileToString(TlsFile("server-ca.crt")), "not a certificate");  // untouched

  std::string key = *ReadFileToString(TlsFile("client-ca.key"));
  ASSERT_TRUE(WriteFileAtomic(TlsFile("client-ca.key"), key.substr(0, 60), 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(TlsFile("server-ca.crt"), ca_cert, 0644).ok());
  certs = EnsureServerCerts(config_);
  ASSERT_FALSE(certs.ok());
  EXPECT_NE(certs.status().message().find(TlsFile("client-ca.key")), std::string::npos)
      << certs.status().message();
}

TEST_F(CertsTest, CaWithoutItsKeyIsAnError) {
  Ensure();
  std::filesystem::remove(TlsFile("client-ca.key"));
  Result<ServerCerts> certs = EnsureServerCerts(config_);
  ASSERT_FALSE(certs.ok());
  EXPECT_NE(certs.status().message().find("client-ca.key"), std::string::npos);
}

TEST_F(CertsTest, CaKeyWithoutCertificateRecovers) {
  // A crash on first start between writing the CA key and its certificate.
  Ensure();
  std::string key = *ReadFileToString(TlsFile("server-ca.key"));
  std::filesystem::remove(TlsFile("server-ca.crt"));
  ServerCerts certs = Ensure();
  EXPECT_EQ(certs.server_ca.key_pem, key);
  X509Ptr serving = Cert(certs.serving.cert_pem);
  X509Ptr ca = Cert(certs.server_ca.cert_pem);
  EXPECT_TRUE(VerifyIssuedBy(serving.get(), ca.get()).ok());
}

TEST_F(CertsTest, CorruptLeafIsReplaced) {
  Ensure();
  ASSERT_TRUE(WriteFileAtomic(TlsFile("serving-kube-apiserver.key"), "junk", 0600).ok());
  ServerCerts certs = Ensure();
  EXPECT_NE(certs.serving.key_pem, "junk");
  X509Ptr cert = Cert(certs.serving.cert_pem);
  Result<EvpPkeyPtr> key = DecodeKeyPem(*ReadFileToString(TlsFile("serving-kube-apiserver.key")));
  ASSERT_TRUE(key.ok());
  EXPECT_TRUE(CheckKeyMatchesCert(cert.get(), key->get()).ok());
}

TEST_F(CertsTest, InvalidAddressesAreRejected) {
  config_.node_ips = {"not-an-ip"};
  EXPECT_EQ(EnsureServerCerts(config_).status().code(), Code::kInvalid);
  config_.node_ips = {};
  config_.tls_sans = {"bad name"};
  EXPECT_EQ(EnsureServerCerts(config_).status().code(), Code::kInvalid);
  config_.tls_sans = {};
  config_.data_dir = "";
  EXPECT_EQ(EnsureServerCerts(config_).status().code(), Code::kInvalid);
}

TEST_F(CertsTest, KubeconfigParsesBackWithMode) {
  ServerCerts certs = Ensure();
  std::string path = root_ + "/etc/sampan/sampan.yaml";
  ASSERT_TRUE(WriteKubeconfig(path, 0600, "https://127.0.0.1:6443", certs.server_ca.cert_pem,
                              certs.admin.cert_pem, certs.admin.key_pem)
                  .ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  YAML::Node doc = YAML::LoadFile(path);
  EXPECT_EQ(doc["apiVersion"].as<std::string>(), "v1");
  EXPECT_EQ(doc["kind"].as<std::string>(), "Config");
  EXPECT_EQ(doc["current-context"].as<std::string>(), "default");
  YAML::Node cluster = doc["clusters"][0];
  EXPECT_EQ(cluster["name"].as<std::string>(), "default");
  EXPECT_EQ(cluster["cluster"]["server"].as<std::string>(), "https://127.0.0.1:6443");
  auto decode = [](const YAML::Node& node) {
    std::vector<unsigned char> bytes = YAML::DecodeBase64(node.as<std::string>());
    return std::string(bytes.begin(), bytes.end());
  };
  EXPECT_EQ(decode(cluster["cluster"]["certificate-authority-data"]), certs.server_ca.cert_pem);
  YAML::Node context = doc["contexts"][0];
  EXPECT_EQ(context["name"].as<std::string>(), "default");
  EXPECT_EQ(context["context"]["cluster"].as<std::string>(), "default");
  EXPECT_EQ(context["context"]["user"].as<std::string>(), "default");
  YAML::Node user = doc["users"][0];
  EXPECT_EQ(user["name"].as<std::string>(), "default");
  EXPECT_EQ(decode(user["user"]["client-certificate-data"]), certs.admin.cert_pem);
  EXPECT_EQ(decode(user["user"]["client-key-data"]), certs.admin.key_pem);

  // Same content again: the file is left alone, but the mode follows the flag.
  struct stat before;
  ASSERT_EQ(::stat(path.c_str(), &before), 0);
  ASSERT_TRUE(WriteKubeconfig(path, 0644, "https://127.0.0.1:6443", certs.server_ca.cert_pem,
                              certs.admin.cert_pem, certs.admin.key_pem)
                  .ok());
  struct stat after;
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 07777, 0644u);

  // IPv6 server URLs survive the round trip.
  ASSERT_TRUE(WriteKubeconfig(path, 0600, "https://[::1]:6443", certs.server_ca.cert_pem,
                              certs.admin.cert_pem, certs.admin.key_pem)
                  .ok());
  EXPECT_EQ(YAML::LoadFile(path)["clusters"][0]["cluster"]["server"].as<std::string>(),
            "https://[::1]:6443");
  EXPECT_EQ(ModeOf(path), 0600u);
}

TEST_F(CertsTest, TokenFormatAndReuse) {
  ServerCerts certs = Ensure();
  Result<std::string> token = EnsureToken(config_.data_dir, certs.server_ca.cert_pem);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_TRUE(std::regex_match(*token, std::regex("K10[0-9a-f]{64}::server:[0-9a-f]{32}")))
      << *token;
  std::string ca_file = *ReadFileToString(TlsFile("server-ca.crt"));
  EXPECT_EQ(token->substr(3, 64), Sha256Hex(ca_file));
  std::string path = config_.data_dir + "/server/token";
  EXPECT_EQ(*ReadFileToString(path), *token + "\n");
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadFileToString(config_.data_dir + "/server/node-token"), *token + "\n");

  Result<std::string> again = EnsureToken(config_.data_dir, certs.server_ca.cert_pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *token);

  // A new CA changes the hash and keeps the secret.
  Result<std::string> moved = EnsureToken(config_.data_dir, certs.client_ca.cert_pem);
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->substr(3, 64), Sha256Hex(certs.client_ca.cert_pem));
  EXPECT_EQ(moved->substr(67), token->substr(67));
  EXPECT_EQ(*ReadFileToString(path), *moved + "\n");
}

TEST_F(CertsTest, TokenFromFlag) {
  ServerCerts certs = Ensure();
  const std::string& ca = certs.server_ca.cert_pem;
  Result<std::string> token = EnsureToken(config_.data_dir, ca, "my-secret");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, FormatToken(Sha256Hex(ca), "server", "my-secret"));
  // The full token works too; one naming another CA does not.
  EXPECT_EQ(*EnsureToken(config_.data_dir, ca, *token), *token);
  std::string other = FormatToken(std::string(64, 'a'), "server", "my-secret");
  EXPECT_EQ(EnsureToken(config_.data_dir, ca, other).status().code(), Code::kInvalid);
  // Later starts without --token keep it.
  EXPECT_EQ(*EnsureToken(config_.data_dir, ca), *token);
}

TEST_F(CertsTest, CorruptTokenFileIsAnError) {
  ServerCerts certs = Ensure();
  std::string path = config_.data_dir + "/server/token";
  ASSERT_TRUE(WriteFileAtomic(path, "K10abc", 0600).ok());
  Result<std::string> token = EnsureToken(config_.data_dir, certs.server_ca.cert_pem);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), Code::kInvalid);
  EXPECT_NE(token.status().message().find(path), std::string::npos);
  EXPECT_EQ(*ReadFileToString(path), "K10abc");
}

TEST(ParseTokenTest, K3sFormats) {
  std::string hash(64, 'b');
  Result<ParsedToken> full = ParseToken("K10" + hash + "::server:s3cr:et");
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->ca_hash, hash);
  EXPECT_EQ(full->username, "server");
  EXPECT_EQ(full->password, "s3cr:et");

  Result<ParsedToken> upper = ParseToken("K10" + std::string(64, 'B') + "::node:pw");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->ca_hash, hash);

  Result<ParsedToken> bare = ParseToken("just-a-password");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->ca_hash, "");
  EXPECT_EQ(bare->username, "");
  EXPECT_EQ(bare->password, "just-a-password");

  Result<ParsedToken> no_hash = ParseToken("K10::server:pw");
  ASSERT_TRUE(no_hash.ok());
  EXPECT_EQ(no_hash->ca_hash, "");
  EXPECT_EQ(no_hash->password, "pw");

  for (std::string bad : {std::string(), std::string("K10abc::server:pw"),
                          "K10" + hash + "::server:", "K10" + hash + "::nocolon",
                          "K10" + std::string(64, 'z') + "::u:p"}) {
    Result<ParsedToken> parsed = ParseToken(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), Code::kInvalid);
    if (bad.size() > 3) {
      EXPECT_EQ(parsed.status().message().find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace sampan::apiserver
