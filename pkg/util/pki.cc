#include "pkg/util/pki.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/buffer.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>

namespace sampan {

void X509Deleter::operator()(X509* cert) const { X509_free(cert); }
void EvpPkeyDeleter::operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }

namespace {

using std::chrono::system_clock;

template <auto kFree>
struct FreeWith {
  template <typename T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using BioPtr = std::unique_ptr<BIO, FreeWith<BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, FreeWith<BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, FreeWith<X509_EXTENSION_free>>;
using GeneralNamePtr = std::unique_ptr<GENERAL_NAME, FreeWith<GENERAL_NAME_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, FreeWith<GENERAL_NAMES_free>>;
using StorePtr = std::unique_ptr<X509_STORE, FreeWith<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, FreeWith<X509_STORE_CTX_free>>;
using Asn1StringPtr = std::unique_ptr<ASN1_STRING, FreeWith<ASN1_STRING_free>>;

// Drains this thread's error queue into one line, so the next call starts clean and the
// message says why (e.g. "no start line", "key values mismatch").
std::string DrainErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    const char* reason = ERR_reason_error_string(e);
    char buf[256];
    if (reason == nullptr) {
      ERR_error_string_n(e, buf, sizeof(buf));
      reason = buf;
    }
    if (out.find(reason) != std::string::npos) continue;  // decoders repeat themselves
    if (!out.empty()) out += "; ";
    out += reason;
  }
  return out;
}

Status OpensslError(Code code, std::string_view what) {
  std::string message(what);
  std::string detail = DrainErrors();
  if (!detail.empty()) message += ": " + detail;
  return Status(code, std::move(message));
}

// Never prompts on a terminal: encrypted keys simply fail to decode.
int NoPassphrase(char*, int, int, void*) { return 0; }

std::string ToHex(const unsigned char* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '\0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xf];
  }
  return out;
}

Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return OpensslError(Code::kInternal, "cannot draw a random serial");
  }
  BignumPtr serial(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (serial && BN_is_zero(serial.get())) BN_one(serial.get());  // serials are positive
  if (!serial || !BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert))) {
    return OpensslError(Code::kInternal, "cannot set the serial number");
  }
  return Status();
}

Status SetValidity(X509* cert, system_clock::time_point now, std::chrono::seconds validity) {
  if (validity <= std::chrono::seconds(0)) return Status::Invalid("validity must be positive");
  time_t start = system_clock::to_time_t(now - kClockSkewAllowance);
  time_t end = system_clock::to_time_t(now + validity);
  // ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after, as RFC 5280 asks.
  if (!ASN1_TIME_set(X509_getm_notBefore(cert), start) ||
      !ASN1_TIME_set(X509_getm_notAfter(cert), end)) {
    return OpensslError(Code::kInternal, "cannot set the validity period");
  }
  return Status();
}

Status AddNameEntry(X509_NAME* name, int nid, const std::string& value) {
  if (value.size() > INT_MAX ||
      !X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(value.data()),
                                  static_cast<int>(value.size()), -1, 0)) {
    return OpensslError(Code::kInvalid, fmt::format("invalid {} \"{}\" in certificate subject",
                                                    OBJ_nid2sn(nid), value));
  }
  return Status();
}

// A certificate with version, serial, subject (O entries then CN, as Go orders them),
// validity and public key; issuer, extensions and signature are the caller's.
Result<X509Ptr> NewCert(const std::string& common_name,
                        const std::vector<std::string>& organizations, EVP_PKEY* subject_key,
                        system_clock::time_point now, std::chrono::seconds validity) {
  if (subject_key == nullptr) return Status::Invalid("no subject key");
  X509Ptr cert(X509_new());
  if (!cert || !X509_set_version(cert.get(), X509_VERSION_3)) {
    return OpensslError(Code::kInternal, "cannot allocate a certificate");
  }
  RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  X509_NAME* subject = X509_get_subject_name(cert.get());  // owned by cert
  for (const std::string& org : organizations) {
    RETURN_IF_ERROR(AddNameEntry(subject, NID_organizationName, org));
  }
  if (!common_name.empty()) RETURN_IF_ERROR(AddNameEntry(subject, NID_commonName, common_name));
  RETURN_IF_ERROR(SetValidity(cert.get(), now, validity));
  if (!X509_set_pubkey(cert.get(), subject_key)) {
    return OpensslError(Code::kInvalid, "cannot set the certificate's public key");
  }
  return cert;
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value));
  if (!ext || !X509_add_ext(cert, ext.get(), -1)) {
    return OpensslError(Code::kInternal,
                        fmt::format("cannot add extension {}={}", OBJ_nid2sn(nid), value));
  }
  return Status();
}

// DNS names go in as IA5String, so they must be printable ASCII; this also keeps spaces and
// control characters out of names that clients compare byte by byte.
bool IsValidDnsSan(const std::string& name) {
  if (name.empty()) return false;
  for (unsigned char c : name) {
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

Status PushName(GENERAL_NAMES* names, int type, ASN1_STRING* value) {
  Asn1StringPtr owned_value(value);
  GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) return OpensslError(Code::kInternal, "cannot allocate a subjectAltName");
  GENERAL_NAME_set0_value(name.get(), type, owned_value.release());
  if (!sk_GENERAL_NAME_push(names, name.get())) {
    return OpensslError(Code::kInternal, "cannot add a subjectAltName");
  }
  name.release();  // now owned by the stack
  return Status();
}

Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& dns_names,
                          const std::vector<std::string>& ip_addresses) {
  if (dns_names.empty() && ip_addresses.empty()) return Status();
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpensslError(Code::kInternal, "cannot allocate subjectAltNames");
  for (const std::string& dns : dns_names) {
    if (!IsValidDnsSan(dns)) {
      return Status::Invalid(fmt::format("invalid DNS name \"{}\" for a certificate", dns));
    }
    ASN1_IA5STRING* value = ASN1_IA5STRING_new();
    if (!value || !ASN1_STRING_set(value, dns.data(), static_cast<int>(dns.size()))) {
      ASN1_IA5STRING_free(value);
      return OpensslError(Code::kInternal, "cannot encode a DNS subjectAltName");
    }
    RETURN_IF_ERROR(PushName(names.get(), GEN_DNS, value));
  }
  for (const std::string& ip : ip_addresses) {
    unsigned char bytes[16];
    int size = 0;
    if (inet_pton(AF_INET, ip.c_str(), bytes) == 1) {
      size = 4;
    } else if (inet_pton(AF_INET6, ip.c_str(), bytes) == 1) {
      size = 16;
    } else {
      return Status::Invalid(fmt::format("invalid IP address \"{}\" for a certificate", ip));
    }
    ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
    if (!value || !ASN1_OCTET_STRING_set(value, bytes, size)) {
      ASN1_OCTET_STRING_free(value);
      return OpensslError(Code::kInternal, "cannot encode an IP subjectAltName");
    }
    RETURN_IF_ERROR(PushName(names.get(), GEN_IPADD, value));
  }
  if (!X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT)) {
    return OpensslError(Code::kInternal, "cannot add subjectAltName");
  }
  return Status();
}

Status Sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) <= 0) {
    return OpensslError(Code::kInternal, "cannot sign the certificate");
  }
  return Status();
}

std::string Asn1ToUtf8(const ASN1_STRING* value) {
  unsigned char* utf8 = nullptr;
  int size = ASN1_STRING_to_UTF8(&utf8, value);
  if (size < 0) return "";
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(size));
  OPENSSL_free(utf8);
  return out;
}

system_clock::time_point Asn1TimeToTimePoint(const ASN1_TIME* time) {
  struct tm tm = {};
  if (time == nullptr || !ASN1_TIME_to_tm(time, &tm)) return {};
  return system_clock::from_time_t(timegm(&tm));
}

Result<std::string> BioContents(BIO* bio) {
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(bio, &mem);
  if (mem == nullptr) return OpensslError(Code::kInternal, "cannot read PEM buffer");
  return std::string(mem->data, mem->length);
}

Result<BioPtr> ReadOnlyBio(std::string_view pem) {
  if (pem.size() > INT_MAX) return Status::Invalid("PEM data too large");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return OpensslError(Code::kInternal, "cannot allocate a BIO");
  return bio;
}

}  // namespace

Result<EvpPkeyPtr> GenerateEcKey() {
  EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) return OpensslError(Code::kInternal, "cannot generate an EC P-256 key");
  return key;
}

Result<X509Ptr> CreateCaCert(const std::string& common_name, EVP_PKEY* key,
                             std::chrono::seconds validity) {
  ASSIGN_OR_RETURN(X509Ptr cert, NewCert(common_name, {}, key, system_clock::now(), validity));
  if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()))) {
    return OpensslError(Code::kInternal, "cannot set the issuer name");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE"));
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_key_usage,
                               "critical,digitalSignature,keyCertSign,cRLSign"));
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(Sign(cert.get(), key));
  return cert;
}

Result<X509Ptr> IssueCert(const CertSpec& spec, EVP_PKEY* subject_key, X509* ca_cert,
                          EVP_PKEY* ca_key) {
  if (ca_cert == nullptr || ca_key == nullptr) return Status::Invalid("no CA to sign with");
  if (!spec.server_auth && !spec.client_auth) {
    return Status::Invalid("a leaf certificate needs server_auth or client_auth");
  }
  ASSIGN_OR_RETURN(X509Ptr cert, NewCert(spec.common_name, spec.organizations, subject_key,
                                         spec.now.value_or(system_clock::now()), spec.validity));
  if (!X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert))) {
    return OpensslError(Code::kInternal, "cannot set the issuer name");
  }
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, ca_cert, cert.get(), nullptr, nullptr, 0);
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  // keyEncipherment only means something for RSA key transport.
  const char* usage = EVP_PKEY_is_a(subject_key, "RSA")
                          ? "critical,digitalSignature,keyEncipherment"
                          : "critical,digitalSignature";
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_key_usage, usage));
  const char* ext_usage = spec.server_auth && spec.client_auth ? "serverAuth,clientAuth"
                          : spec.server_auth                   ? "serverAuth"
                                                               : "clientAuth";
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, ext_usage));
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid"));
  RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), spec.dns_names, spec.ip_addresses));
  RETURN_IF_ERROR(Sign(cert.get(), ca_key));
  return cert;
}

Result<std::string> EncodeCertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || cert == nullptr || !PEM_write_bio_X509(bio.get(), cert)) {
    return OpensslError(Code::kInternal, "cannot PEM-encode a certificate");
  }
  return BioContents(bio.get());
}

Result<std::string> EncodeKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || key == nullptr ||
      !PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)) {
    return OpensslError(Code::kInternal, "cannot PEM-encode a private key");
  }
  return BioContents(bio.get());
}

Result<X509Ptr> DecodeCertPem(std::string_view pem) {
  ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!cert) return OpensslError(Code::kInvalid, "not a PEM certificate");
  ERR_clear_error();  // decoders may leave notes behind even when they succeed
  return cert;
}

Result<EvpPkeyPtr> DecodeKeyPem(std::string_view pem) {
  ASSIGN_OR_RETURN(BioPtr bio, ReadOnlyBio(pem));
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) return OpensslError(Code::kInvalid, "not an unencrypted PEM private key");
  ERR_clear_error();
  return key;
}

Result<CertInfo> ReadCertInfo(X509* cert) {
  if (cert == nullptr) return Status::Invalid("no certificate");
  CertInfo info;
  const X509_NAME* subject = X509_get_subject_name(cert);
  int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index >= 0) {
    info.common_name = Asn1ToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)));
  }
  index = -1;
  while ((index = X509_NAME_get_index_by_NID(subject, NID_organizationName, index)) >= 0) {
    info.organizations.push_back(
        Asn1ToUtf8(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index))));
  }
  GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
    if (name->type == GEN_DNS) {
      const ASN1_IA5STRING* dns = name->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(dns)),
                                  static_cast<size_t>(ASN1_STRING_length(dns)));
    } else if (name->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = name->d.iPAddress;
      int length = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      int family = length == 4 ? AF_INET : length == 16 ? AF_INET6 : AF_UNSPEC;
      if (family != AF_UNSPEC &&
          inet_ntop(family, ASN1_STRING_get0_data(ip), text, sizeof(text)) != nullptr) {
        info.ip_addresses.emplace_back(text);
      }
    }
  }
  info.not_before = Asn1TimeToTimePoint(X509_get0_notBefore(cert));
  info.not_after = Asn1TimeToTimePoint(X509_get0_notAfter(cert));
  info.is_ca = (X509_get_extension_flags(cert) & EXFLAG_CA) != 0;
  uint32_t usage = X509_get_extended_key_usage(cert);  // all bits set when absent
  info.server_auth = (usage & XKU_SSL_SERVER) != 0;
  info.client_auth = (usage & XKU_SSL_CLIENT) != 0;
  BignumPtr serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr));
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex != nullptr) info.serial_hex = hex;
    OPENSSL_free(hex);
  }
  ERR_clear_error();  // a malformed SAN extension just reads as no SANs
  return info;
}

bool ExpiresWithin(X509* cert, std::chrono::seconds window, system_clock::time_point now) {
  if (cert == nullptr) return true;
  time_t limit = system_clock::to_time_t(now + window);
  // -1: notAfter <= limit; 0: unparsable time, which is as good as expired.
  int cmp = X509_cmp_time(X509_get0_notAfter(cert), &limit);
  ERR_clear_error();
  return cmp <= 0;
}

Status VerifyIssuedBy(X509* cert, X509* ca) {
  if (cert == nullptr || ca == nullptr) return Status::Invalid("no certificate to verify");
  StorePtr store(X509_STORE_new());
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!store || !ctx || !X509_STORE_add_cert(store.get(), ca) ||
      !X509_STORE_CTX_init(ctx.get(), store.get(), cert, nullptr)) {
    return OpensslError(Code::kInternal, "cannot set up certificate verification");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const char* reason = X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
    ERR_clear_error();
    return Status::Unauthorized(
        fmt::format("certificate does not verify against the CA: {}", reason));
  }
  return Status();
}

Status CheckKeyMatchesCert(X509* cert, EVP_PKEY* key) {
  if (cert == nullptr || key == nullptr) return Status::Invalid("no certificate or key");
  if (X509_check_private_key(cert, key) != 1) {
    ERR_clear_error();
    return Status::Invalid("the private key does not match the certificate");
  }
  return Status();
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof(digest));
}

Result<std::string> RandomHex(size_t bytes) {
  std::string buffer(bytes, '\0');
  if (bytes > INT_MAX ||
      RAND_bytes(reinterpret_cast<unsigned char*>(buffer.data()), static_cast<int>(bytes)) != 1) {
    return OpensslError(Code::kInternal, "cannot draw random bytes");
  }
  return ToHex(reinterpret_cast<const unsigned char*>(buffer.data()), bytes);
}

}  // namespace sampan
