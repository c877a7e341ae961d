#pragma once
// Throwaway X.509 material for tests (EC P-256, SHA-256), made with the OpenSSL C API:
// MakeCert() issues one certificate; TestPki writes a CA, a serving certificate for
// localhost/127.0.0.1/::1 and a client certificate (CN=alice, O=dev, O=ops) into a temporary
// directory that it removes again.
//
// Header-only so that any test can include it: test/CMakeLists.txt compiles only *_test.cc
// files under test/unit. Failures abort (a test cannot run without its certificates).

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace sampan::testing {

struct CertSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool is_ca = false;
  bool server_auth = false;
  bool client_auth = false;
};

struct TestCert {
  std::shared_ptr<X509> cert;
  std::shared_ptr<EVP_PKEY> key;
  std::string cert_pem;
  std::string key_pem;
};

namespace certs_internal {

inline void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "test_certs: %s failed\n", what);
  std::abort();
}

inline void AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  Check(ext != nullptr, "X509V3_EXT_conf_nid");
  Check(X509_add_ext(cert, ext, -1) == 1, "X509_add_ext");
  X509_EXTENSION_free(ext);
}

template <typename Write>
std::string ToPem(Write write) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  Check(write(bio.get()) == 1, "PEM_write");
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

}  // namespace certs_internal

// Issues a certificate for `spec`, signed by `issuer` (self-signed if null), valid from an
// hour ago for a day.
inline TestCert MakeCert(const CertSpec& spec, const TestCert* issuer = nullptr) {
  using certs_internal::AddExtension;
  using certs_internal::Check;
  TestCert out;
  out.key.reset(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  Check(out.key != nullptr, "EVP_EC_gen");
  out.cert.reset(X509_new(), &X509_free);
  X509* x = out.cert.get();
  Check(X509_set_version(x, 2) == 1, "X509_set_version");
  unsigned char serial[16];
  Check(RAND_bytes(serial, sizeof(serial)) == 1, "RAND_bytes");
  serial[0] &= 0x7f;  // positive
  BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_NAME* name = X509_get_subject_name(x);
  auto add_entry = [name](const char* field, const std::string& value) {
    Check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                     reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                     0) == 1,
          "X509_NAME_add_entry_by_txt");
  };
  for (const std::string& o : spec.organizations) add_entry("O", o);
  add_entry("CN", spec.common_name);
  X509* issuer_cert = issuer ? issuer->cert.get() : x;
  EVP_PKEY* issuer_key = issuer ? issuer->key.get() : out.key.get();
  Check(X509_set_issuer_name(x, X509_get_subject_name(issuer_cert)) == 1, "set_issuer_name");
  Check(X509_set_pubkey(x, out.key.get()) == 1, "X509_set_pubkey");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer_cert, x, nullptr, nullptr, 0);
  AddExtension(x, &ctx, NID_basic_constraints, spec.is_ca ? "critical,CA:TRUE" : "CA:FALSE");
  AddExtension(x, &ctx, NID_key_usage,
               spec.is_ca ? "critical,keyCertSign,cRLSign,digitalSignature"
                          : "critical,digitalSignature,keyEncipherment");
  std::string eku;
  if (spec.server_auth) eku += "serverAuth";
  if (spec.client_auth) eku += std::string(eku.empty() ? "" : ",") + "clientAuth";
  if (!eku.empty()) AddExtension(x, &ctx, NID_ext_key_usage, eku);
  std::string san;
  for (const std::string& d : spec.dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const std::string& ip : spec.ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  if (!san.empty()) AddExtension(x, &ctx, NID_subject_alt_name, san);
  AddExtension(x, &ctx, NID_subject_key_identifier, "hash");
  if (issuer) AddExtension(x, &ctx, NID_authority_key_identifier, "keyid");
  Check(X509_sign(x, issuer_key, EVP_sha256()) > 0, "X509_sign");

  out.cert_pem = certs_internal::ToPem([x](BIO* b) { return PEM_write_bio_X509(b, x); });
  out.key_pem = certs_internal::ToPem([&out](BIO* b) {
    return PEM_write_bio_PrivateKey(b, out.key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

inline TestCert MakeCa(const std::string& common_name) {
  return MakeCert(CertSpec{.common_name = common_name, .is_ca = true});
}

class TestPki {
 public:
  TestPki() {
    char tmpl[] = "/tmp/sampan-pki-XXXXXX";
    certs_internal::Check(mkdtemp(tmpl) != nullptr, "mkdtemp");
    dir_ = tmpl;
    ca = MakeCa("sampan-test-ca");
    ca_file = WriteFile("ca.crt", ca.cert_pem);
    server = MakeCert(CertSpec{.common_name = "sampan-test-server",
                               .dns_names = {"localhost"},
                               .ip_addresses = {"127.0.0.1", "::1"},
                               .server_auth = true},
                      &ca);
    std::tie(server_cert_file, server_key_file) = Write("server", server);
    client = MakeCert(
        CertSpec{.common_name = "alice", .organizations = {"dev", "ops"}, .client_auth = true},
        &ca);
    std::tie(client_cert_file, client_key_file) = Write("client", client);
  }
  ~TestPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TestPki(const TestPki&) = delete;
  TestPki& operator=(const TestPki&) = delete;

  const std::string& dir() const { return dir_; }

  // Writes <name>.crt and <name>.key; returns their paths.
  std::pair<std::string, std::string> Write(const std::string& name, const TestCert& cert) {
    return {WriteFile(name + ".crt", cert.cert_pem), WriteFile(name + ".key", cert.key_pem)};
  }
  std::string WriteFile(const std::string& name, const std::string& content) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    return path;
  }

  TestCert ca;
  TestCert server;
  TestCert client;
  std::string ca_file;
  std::string server_cert_file;
  std::string server_key_file;
  std::string client_cert_file;
  std::string client_key_file;

 private:
  std::string dir_;
};

}  // namespace sampan::testing
