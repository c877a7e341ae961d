#include "pkg/apiserver/issuer_discovery.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>

#include "pkg/api/json.h"
#include "pkg/apiserver/jwt.h"

namespace sampan::apiserver {
namespace {

// An RSA public key parameter (n or e) as JWK writes it: big-endian, base64url, no padding.
Result<std::string> RsaParameter(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1 || bn == nullptr) {
    return Status::Internal(std::string("cannot read the service-account key's ") + name);
  }
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return Base64UrlEncode(bytes);
}

}  // namespace

Result<IssuerDiscovery> IssuerDiscovery::New(const std::string& issuer, const std::string& jwks_uri,
                                             EVP_PKEY* key) {
  IssuerDiscovery d;
  d.enabled_ = issuer.starts_with("https://");
  if (!d.enabled_) return d;
  ASSIGN_OR_RETURN(std::string kid, KeyId(key));
  ASSIGN_OR_RETURN(std::string n, RsaParameter(key, OSSL_PKEY_PARAM_RSA_N));
  ASSIGN_OR_RETURN(std::string e, RsaParameter(key, OSSL_PKEY_PARAM_RSA_E));
  d.configuration_ = api::Dump(api::Json{{"issuer", issuer},
                                         {"jwks_uri", jwks_uri},
                                         {"response_types_supported", {"id_token"}},
                                         {"subject_types_supported", {"public"}},
                                         {"id_token_signing_alg_values_supported", {"RS256"}}});
  d.jwks_ = api::Dump(api::Json{
      {"keys",
       api::Json::array({api::Json{
           {"use", "sig"}, {"kty", "RSA"}, {"kid", kid}, {"alg", "RS256"}, {"n", n}, {"e", e}}})}});
  return d;
}

std::optional<IssuerDiscovery::Document> IssuerDiscovery::Serve(std::string_view path) const {
  if (!enabled_) return std::nullopt;
  if (path.ends_with('/')) path.remove_suffix(1);
  if (path == "/.well-known/openid-configuration") {
    return Document{"application/json", configuration_};
  }
  if (path == "/openid/v1/jwks") return Document{"application/jwk-set+json", jwks_};
  return std::nullopt;
}

}  // namespace sampan::apiserver
