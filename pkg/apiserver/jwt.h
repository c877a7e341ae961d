#pragma once
// Compact JSON Web Tokens (RFC 7519) signed with RS256 (RSASSA-PKCS1-v1_5 over SHA-256), the
// format of service-account tokens. JwtSigner signs a claims object with a private key;
// JwtVerifier checks a token's signature against the public keys it holds and its time and
// audience claims. Parsing is strict: three base64url parts, a JSON header naming RS256, a
// JSON object as payload. Both classes are immutable after construction and thread-safe.
//
// The signing key lives at <data-dir>/server/tls/service.key (k3s's name): an RSA 2048 key in
// PEM, created 0600 at first start and reused (LoadOrCreateServiceAccountKey).

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/api/json.h"
#include "pkg/util/pki.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

// base64url without padding (RFC 7515, section 2).
std::string Base64UrlEncode(std::string_view data);
std::optional<std::string> Base64UrlDecode(std::string_view text);

// Reads `path` (a PEM private key) or, when it does not exist, writes a new RSA 2048 key
// there (0600, atomically). A file that does not hold a key is an error.
Result<EvpPkeyPtr> LoadOrCreateServiceAccountKey(const std::string& path);
// A new RSA key of `bits` bits.
Result<EvpPkeyPtr> GenerateRsaKey(int bits = 2048);

class JwtSigner {
 public:
  // `key` is an RSA private key. The header carries `kid`, derived from the public key.
  explicit JwtSigner(EvpPkeyPtr key);
  Result<std::string> Sign(const api::Json& claims) const;
  EVP_PKEY* key() const { return key_.get(); }
  const std::string& key_id() const { return key_id_; }

 private:
  EvpPkeyPtr key_;
  std::string key_id_;
};

// The key id of a public key: base64url(sha256(DER SubjectPublicKeyInfo)), as upstream.
Result<std::string> KeyId(EVP_PKEY* key);

struct JwtExpectations {
  std::chrono::system_clock::time_point now;
  // When not empty, the token's `aud` must name at least one of these.
  std::vector<std::string> audiences;
  // When not empty, the token's `iss` must be one of these.
  std::vector<std::string> issuers;
  // Leeway for exp/nbf against clock skew (upstream: 60 s).
  std::chrono::seconds leeway{60};
};

class JwtVerifier {
 public:
  // `key` borrowed for the verifier's life (the signer's key: its public half is used).
  explicit JwtVerifier(EVP_PKEY* key) : key_(key) {}
  // The claims of a token whose signature is good. Unauthorized (with a reason for logs) when
  // the token is malformed, signed by another key or algorithm, expired, not yet valid, from
  // another issuer or for other audiences. A token without `exp` (legacy) passes the time
  // checks.
  Result<api::Json> Verify(std::string_view token, const JwtExpectations& expect) const;
  // The audiences of `claims` (`aud` is a string or a list).
  static std::vector<std::string> Audiences(const api::Json& claims);

 private:
  EVP_PKEY* key_;
};

}  // namespace sampan::apiserver
