#include "pkg/util/pki.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <regex>

namespace sampan {
namespace {

using std::chrono::days;
using std::chrono::system_clock;
using Strings = std::vector<std::string>;

class PkiTempDir {
 public:
  PkiTempDir() {
    char tmpl[] = "/tmp/sampan-pki-test-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~PkiTempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

mode_t ModeOf(const std::string& path) {
  struct stat st;
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

bool ExtensionIsCritical(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  EXPECT_GE(index, 0) << OBJ_nid2sn(nid);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

struct Ca {
  EvpPkeyPtr key;
  X509Ptr cert;
};

Ca MakeCa(const std::string& name = "test-ca") {
  Ca ca;
  Result<EvpPkeyPtr> key = GenerateEcKey();
  EXPECT_TRUE(key.ok()) << key.status().ToString();
  ca.key = std::move(*key);
  Result<X509Ptr> cert = CreateCaCert(name, ca.key.get());
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  ca.cert = std::move(*cert);
  return ca;
}

X509Ptr Issue(const CertSpec& spec, const Ca& ca, EvpPkeyPtr* key_out = nullptr) {
  Result<EvpPkeyPtr> key = GenerateEcKey();
  EXPECT_TRUE(key.ok());
  Result<X509Ptr> cert = IssueCert(spec, key->get(), ca.cert.get(), ca.key.get());
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  if (key_out != nullptr) *key_out = std::move(*key);
  return cert.ok() ? std::move(*cert) : nullptr;
}

CertSpec ServerSpec() {
  CertSpec spec;
  spec.common_name = "kube-apiserver";
  spec.organizations = {"org-a", "org-b"};
  spec.dns_names = {"kubernetes", "*.example.com", "localhost"};
  spec.ip_addresses = {"127.0.0.1", "10.43.0.1", "::1", "fd00:0:0:0:0:0:0:10"};
  spec.server_auth = true;
  return spec;
}

TEST(PkiTest, GeneratesP256Keys) {
  Result<EvpPkeyPtr> key = GenerateEcKey();
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_TRUE(EVP_PKEY_is_a(key->get(), "EC"));
  EXPECT_EQ(EVP_PKEY_get_bits(key->get()), 256);
}

TEST(PkiTest, CaCertificateIsSelfSignedCa) {
  Ca ca = MakeCa("sampan-server-ca@1");
  Result<CertInfo> info = ReadCertInfo(ca.cert.get());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "sampan-server-ca@1");
  EXPECT_TRUE(info->is_ca);
  EXPECT_EQ(X509_verify(ca.cert.get(), ca.key.get()), 1);
  EXPECT_TRUE(VerifyIssuedBy(ca.cert.get(), ca.cert.get()).ok());
  EXPECT_TRUE(ExtensionIsCritical(ca.cert.get(), NID_basic_constraints));
  EXPECT_TRUE(ExtensionIsCritical(ca.cert.get(), NID_key_usage));
  uint32_t usage = X509_get_key_usage(ca.cert.get());
  EXPECT_TRUE(usage & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(usage & KU_CRL_SIGN);
  EXPECT_TRUE(usage & KU_DIGITAL_SIGNATURE);
  EXPECT_NE(X509_get0_subject_key_id(ca.cert.get()), nullptr);
  auto lifetime = info->not_after - system_clock::now();
  EXPECT_GT(lifetime, days(3649));
  EXPECT_LE(lifetime, days(3650));
  EXPECT_FALSE(ExpiresWithin(ca.cert.get(), days(120)));
}

TEST(PkiTest, LeafCertificateCarriesWhatWasAsked) {
  Ca ca = MakeCa();
  X509Ptr cert = Issue(ServerSpec(), ca);
  ASSERT_TRUE(cert);
  Result<CertInfo> info = ReadCertInfo(cert.get());
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->common_name, "kube-apiserver");
  EXPECT_EQ(info->organizations, (Strings{"org-a", "org-b"}));
  EXPECT_EQ(info->dns_names, (Strings{"kubernetes", "*.example.com", "localhost"}));
  EXPECT_EQ(info->ip_addresses, (Strings{"127.0.0.1", "10.43.0.1", "::1", "fd00::10"}));
  EXPECT_FALSE(info->is_ca);
  EXPECT_TRUE(info->server_auth);
  EXPECT_FALSE(info->client_auth);
  auto lifetime = info->not_after - system_clock::now();
  EXPECT_GT(lifetime, days(364));
  EXPECT_LE(lifetime, days(365));
  EXPECT_LT(info->not_before, system_clock::now());
  EXPECT_TRUE(ExtensionIsCritical(cert.get(), NID_basic_constraints));
  EXPECT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  // Signed by the CA: directly, and as a chain through an X509_STORE.
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(ca.cert.get())), 1);
  EXPECT_TRUE(VerifyIssuedBy(cert.get(), ca.cert.get()).ok());
}

TEST(PkiTest, ClientCertificateAndSerials) {
  Ca ca = MakeCa();
  CertSpec spec;
  spec.common_name = "system:admin";
  spec.organizations = {"system:masters"};
  spec.client_auth = true;
  X509Ptr first = Issue(spec, ca);
  X509Ptr second = Issue(spec, ca);
  ASSERT_TRUE(first && second);
  Result<CertInfo> a = ReadCertInfo(first.get());
  Result<CertInfo> b = ReadCertInfo(second.get());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->organizations, (Strings{"system:masters"}));
  EXPECT_TRUE(a->client_auth);
  EXPECT_FALSE(a->server_auth);
  EXPECT_TRUE(a->dns_names.empty());
  EXPECT_NE(a->serial_hex, b->serial_hex);
  EXPECT_GE(a->serial_hex.size(), 16u);  // ~128 random bits
  EXPECT_LE(a->serial_hex.size(), 32u);
}

TEST(PkiTest, OtherCaDoesNotVerify) {
  Ca ca = MakeCa("one");
  Ca other = MakeCa("two");
  X509Ptr cert = Issue(ServerSpec(), ca);
  Status status = VerifyIssuedBy(cert.get(), other.cert.get());
  EXPECT_EQ(status.code(), Code::kUnauthorized) << status.ToString();
  EXPECT_NE(status.message().find("does not verify"), std::string::npos) << status.message();
  EXPECT_EQ(ERR_peek_error(), 0u);  // the error queue is left clean
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(other.cert.get())), 0);
  ERR_clear_error();
}

TEST(PkiTest, ExpiresWithin) {
  Ca ca = MakeCa();
  CertSpec spec = ServerSpec();
  spec.validity = days(30);
  X509Ptr short_lived = Issue(spec, ca);
  ASSERT_TRUE(short_lived);
  EXPECT_TRUE(ExpiresWithin(short_lived.get(), days(120)));
  EXPECT_FALSE(ExpiresWithin(short_lived.get(), days(29)));
  EXPECT_TRUE(ExpiresWithin(short_lived.get(), days(0), system_clock::now() + days(31)));
  X509Ptr normal = Issue(ServerSpec(), ca);
  EXPECT_FALSE(ExpiresWithin(normal.get(), days(120)));
  EXPECT_TRUE(ExpiresWithin(normal.get(), days(366)));
  EXPECT_TRUE(ExpiresWithin(nullptr, days(1)));
}

TEST(PkiTest, IssuedInThePastIsExpiredAndDoesNotVerify) {
  Ca ca = MakeCa();
  CertSpec spec = ServerSpec();
  spec.validity = days(1);
  spec.now = system_clock::now() - days(10);
  X509Ptr expired = Issue(spec, ca);
  ASSERT_TRUE(expired);
  EXPECT_TRUE(ExpiresWithin(expired.get(), days(0)));
  EXPECT_EQ(VerifyIssuedBy(expired.get(), ca.cert.get()).code(), Code::kUnauthorized);
}

TEST(PkiTest, RejectsBadSpecs) {
  Ca ca = MakeCa();
  Result<EvpPkeyPtr> key = GenerateEcKey();
  ASSERT_TRUE(key.ok());
  auto issue = [&](const CertSpec& spec) {
    return IssueCert(spec, key->get(), ca.cert.get(), ca.key.get()).status();
  };
  CertSpec spec = ServerSpec();
  spec.ip_addresses = {"10.0.0.256"};
  EXPECT_EQ(issue(spec).code(), Code::kInvalid);
  spec = ServerSpec();
  spec.dns_names = {"has space"};
  EXPECT_EQ(issue(spec).code(), Code::kInvalid);
  spec = ServerSpec();
  spec.server_auth = false;
  EXPECT_EQ(issue(spec).code(), Code::kInvalid);
  spec = ServerSpec();
  spec.validity = std::chrono::seconds(0);
  EXPECT_EQ(issue(spec).code(), Code::kInvalid);
  EXPECT_EQ(IssueCert(ServerSpec(), key->get(), nullptr, nullptr).status().code(), Code::kInvalid);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PkiTest, PemRoundTrip) {
  Ca ca = MakeCa();
  EvpPkeyPtr key;
  X509Ptr cert = Issue(ServerSpec(), ca, &key);
  Result<std::string> cert_pem = EncodeCertPem(cert.get());
  Result<std::string> key_pem = EncodeKeyPem(key.get());
  ASSERT_TRUE(cert_pem.ok() && key_pem.ok());
  EXPECT_TRUE(cert_pem->starts_with("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_TRUE(key_pem->starts_with("-----BEGIN PRIVATE KEY-----\n"));

  Result<X509Ptr> cert_back = DecodeCertPem(*cert_pem);
  Result<EvpPkeyPtr> key_back = DecodeKeyPem(*key_pem);
  ASSERT_TRUE(cert_back.ok() && key_back.ok());
  EXPECT_EQ(X509_cmp(cert.get(), cert_back->get()), 0);
  EXPECT_EQ(*EncodeCertPem(cert_back->get()), *cert_pem);
  EXPECT_EQ(*EncodeKeyPem(key_back->get()), *key_pem);
  EXPECT_TRUE(CheckKeyMatchesCert(cert_back->get(), key_back->get()).ok());
  EXPECT_EQ(CheckKeyMatchesCert(cert_back->get(), ca.key.get()).code(), Code::kInvalid);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PkiTest, CorruptPemGivesClearErrors) {
  Ca ca = MakeCa();
  std::string cert_pem = *EncodeCertPem(ca.cert.get());
  std::string key_pem = *EncodeKeyPem(ca.key.get());
  std::string truncated = cert_pem.substr(0, cert_pem.size() / 2);
  std::string flipped = cert_pem;
  flipped[flipped.size() / 2] = flipped[flipped.size() / 2] == 'A' ? 'B' : 'A';
  for (const std::string& bad :
       {std::string(), std::string("garbage"), truncated, flipped, key_pem}) {
    Result<X509Ptr> cert = DecodeCertPem(bad);
    // A flipped base64 character may still decode (it lands in the signature): then the
    // signature no longer verifies.
    if (cert.ok()) {
      EXPECT_FALSE(VerifyIssuedBy(cert->get(), ca.cert.get()).ok());
      continue;
    }
    EXPECT_EQ(cert.status().code(), Code::kInvalid);
    EXPECT_NE(cert.status().message().find("not a PEM certificate"), std::string::npos);
  }
  for (const std::string& bad : {std::string(), std::string("-----BEGIN PRIVATE KEY-----\nAAA"),
                                 key_pem.substr(0, key_pem.size() - 40), cert_pem}) {
    Result<EvpPkeyPtr> key = DecodeKeyPem(bad);
    ASSERT_FALSE(key.ok());
    EXPECT_EQ(key.status().code(), Code::kInvalid) << key.status().ToString();
  }
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(PkiTest, Sha256AndRandomHex) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Result<std::string> a = RandomHex(16);
  Result<std::string> b = RandomHex(16);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(std::regex_match(*a, std::regex("[0-9a-f]{32}")));
  EXPECT_NE(*a, *b);
  EXPECT_EQ(*RandomHex(0), "");
}

TEST(PkiTest, WriteFileAtomicSetsModeAndReplaces) {
  PkiTempDir dir;
  std::string path = dir.File("secret.key");
  mode_t old_umask = ::umask(077);
  ASSERT_TRUE(WriteFileAtomic(path, "one", 0644).ok());
  ::umask(old_umask);
  EXPECT_EQ(ModeOf(path), 0644u);  // the mode asked for, whatever the umask
  EXPECT_EQ(*ReadFileToString(path), "one");
  ASSERT_TRUE(WriteFileAtomic(path, "two", 0600).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(*ReadFileToString(path), "two");
  // No temporary files are left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(PkiTest, FileErrors) {
  PkiTempDir dir;
  EXPECT_TRUE(ReadFileToString(dir.File("missing")).status().IsNotFound());
  EXPECT_TRUE(WriteFileAtomic(dir.File("no/such/dir/file"), "x", 0600).IsNotFound());
}

}  // namespace
}  // namespace sampan
