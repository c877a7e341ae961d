#pragma once
// PKI primitives over OpenSSL's C API: EC P-256 keys, self-signed CA certificates, leaf
// certificates signed by a CA, PEM encoding, reading a certificate's fields back, chain
// verification, SHA-256 and random secrets, plus the atomic file write used for key
// material (a crash leaves the old file or the new one, never half of one).
//
// Ownership: OpenSSL objects are held by X509Ptr / EvpPkeyPtr (unique_ptr); functions taking
// raw pointers borrow them for the duration of the call. Every function is thread-safe and
// leaves OpenSSL's per-thread error queue empty; failures come back as Status with
// OpenSSL's reason text. Nothing here logs.

#include <openssl/types.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/util/fs.h"  // WriteFileAtomic, ReadFileToString (were here)
#include "pkg/util/status.h"

namespace sampan {

struct X509Deleter {
  void operator()(X509* cert) const;
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* key) const;
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;

// k3s's lifetimes: CAs 10 years, leaf certificates one year.
inline constexpr std::chrono::seconds kCaValidity = std::chrono::days(3650);
inline constexpr std::chrono::seconds kLeafValidity = std::chrono::days(365);
// notBefore is set this far in the past so that nodes with slightly late clocks accept a
// certificate issued a moment ago.
inline constexpr std::chrono::seconds kClockSkewAllowance = std::chrono::minutes(5);

// --- keys and certificates ----------------------------------------------------------------

// A new EC key on curve P-256 (prime256v1).
Result<EvpPkeyPtr> GenerateEcKey();

// What a leaf certificate says. DNS names must be ASCII without spaces (wildcards allowed);
// IP addresses are IPv4 or IPv6 text. At least one of server_auth / client_auth must be set.
struct CertSpec {
  std::string common_name;
  std::vector<std::string> organizations;
  std::vector<std::string> dns_names;
  std::vector<std::string> ip_addresses;
  bool server_auth = false;
  bool client_auth = false;
  std::chrono::seconds validity = kLeafValidity;
  // Issue time; nullopt means now. Validity runs from `now - kClockSkewAllowance`
  // to `now + validity`.
  std::optional<std::chrono::system_clock::time_point> now;
};

// A self-signed CA certificate for `key`: basicConstraints CA:TRUE (critical), keyUsage
// keyCertSign, cRLSign, digitalSignature (critical), subject key identifier, random
// 128-bit serial.
Result<X509Ptr> CreateCaCert(const std::string& common_name, EVP_PKEY* key,
                             std::chrono::seconds validity = kCaValidity);

// A leaf certificate for `subject_key` (its public half) signed by `ca_key`, with the
// issuer name of `ca_cert`: basicConstraints CA:FALSE, keyUsage digitalSignature,
// extKeyUsage from spec, subjectAltName from spec, subject and authority key identifiers.
Result<X509Ptr> IssueCert(const CertSpec& spec, EVP_PKEY* subject_key, X509* ca_cert,
                          EVP_PKEY* ca_key);

// --- PEM --------------------------------------------------------------------------------

Result<std::string> EncodeCertPem(X509* cert);
// PKCS#8 ("BEGIN PRIVATE KEY"), unencrypted.
Result<std::string> EncodeKeyPem(EVP_PKEY* key);
// The first certificate in `pem`. Garbage, truncation or an empty string give Invalid.
Result<X509Ptr> DecodeCertPem(std::string_view pem);
// PKCS#8 or traditional ("BEGIN EC PRIVATE KEY", "BEGIN RSA PRIVATE KEY"). Encrypted keys
// are refused (never prompts for a pass phrase).
Result<EvpPkeyPtr> DecodeKeyPem(std::string_view pem);

// --- inspection and verification ---------------------------------------------------------

struct CertInfo {
  std::string common_name;                 // empty if none
  std::vector<std::string> organizations;  // every O, in order
  std::vector<std::string> dns_names;      // SAN DNS entries as written
  std::vector<std::string> ip_addresses;   // SAN IP entries, canonical text (inet_ntop)
  std::chrono::system_clock::time_point not_before;
  std::chrono::system_clock::time_point not_after;
  bool is_ca = false;
  bool server_auth = false;  // extKeyUsage
  bool client_auth = false;
  std::string serial_hex;  // upper-case hex
};
Result<CertInfo> ReadCertInfo(X509* cert);

// True if the certificate's notAfter is before `now + window` (also if already expired).
bool ExpiresWithin(X509* cert, std::chrono::seconds window,
                   std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

// OK if `cert` chains to `ca` (signature, CA constraints and validity at the current time).
// Unauthorized with OpenSSL's reason otherwise.
Status VerifyIssuedBy(X509* cert, X509* ca);

// OK if `key` is the private half of `cert`'s public key; Invalid otherwise.
Status CheckKeyMatchesCert(X509* cert, EVP_PKEY* key);

// --- digests and secrets -----------------------------------------------------------------

// Lower-case hex of SHA-256(data), 64 characters.
std::string Sha256Hex(std::string_view data);
// `bytes` bytes from the CSPRNG as lower-case hex (2 * bytes characters).
Result<std::string> RandomHex(size_t bytes);

}  // namespace sampan
