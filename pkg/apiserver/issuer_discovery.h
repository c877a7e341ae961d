#pragma once
// Service-account issuer discovery, as upstream serves it: the OpenID provider configuration
// (/.well-known/openid-configuration) and the key set (/openid/v1/jwks) with which anyone
// outside the cluster (a cloud's workload identity, Vault) verifies service-account tokens
// without calling the API server. Readable by every service account
// (system:service-account-issuer-discovery) and by whoever RBAC allows.

#include <openssl/evp.h>

#include <optional>
#include <string>
#include <string_view>

#include "pkg/util/http.h"
#include "pkg/util/status.h"

namespace sampan::apiserver {

class IssuerDiscovery {
 public:
  // `issuer` as in the tokens' `iss`; `jwks_uri` where clients fetch the keys; `key` the
  // signing key (only its public half is published). Upstream serves discovery only for an
  // https issuer: for another, Serve() answers nothing.
  static Result<IssuerDiscovery> New(const std::string& issuer, const std::string& jwks_uri,
                                     EVP_PKEY* key);

  // The answer for `path` (with or without a trailing slash), or nullopt when it is not one
  // of the two documents.
  struct Document {
    std::string content_type;
    std::string body;
  };
  std::optional<Document> Serve(std::string_view path) const;

  // Upstream's caching of both documents.
  static constexpr std::string_view kCacheControl = "public, max-age=3600";

 private:
  bool enabled_ = false;
  std::string configuration_;
  std::string jwks_;
};

}  // namespace sampan::apiserver
