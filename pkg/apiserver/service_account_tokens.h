#pragma once
// Service-account tokens: issuing them (the `serviceaccounts/NAME/token` subresource, a
// TokenRequest, and the token of a legacy `kubernetes.io/service-account-token` Secret) and
// authenticating them on every request.
//
// A bound token (TokenRequest) is an RS256 JWT with upstream's claims: iss, sub
// `system:serviceaccount:NS:NAME`, aud, iat, nbf, exp, jti and the `kubernetes.io` claim
// (namespace, serviceaccount name/uid, the pod or secret it is bound to, and the pod's node).
// It is valid while it has not expired, the service account still exists with the same uid,
// and so does the bound object (a pod being deleted no longer counts). A legacy token has the
// claims of upstream's legacy tokens (iss `kubernetes/serviceaccount`, no exp) and is valid
// while its Secret still holds it and the service account exists with the same uid.
//
// Authentication looks the account and the bound Secret or Pod up in a LiveObjectCache (kept
// exact by store watches: a deleted or recreated object counts at once); the signature and
// the expiry are checked on every request. Issuing reads the store through the RestHandler.
// Thread-safe: immutable after construction.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pkg/apiserver/authn.h"
#include "pkg/apiserver/jwt.h"
#include "pkg/apiserver/live_object_cache.h"
#include "pkg/apiserver/rest_handler.h"
#include "pkg/util/clock.h"

namespace sampan::apiserver {

struct ServiceAccountTokenOptions {
  // `iss` of bound tokens (k3s: https://kubernetes.default.svc.cluster.local).
  std::string issuer = "https://kubernetes.default.svc.cluster.local";
  // Audiences of the API server itself (--api-audiences); empty = {issuer}.
  std::vector<std::string> api_audiences;
};

// TokenRequest limits (upstream's).
inline constexpr int64_t kDefaultTokenSeconds = 3600;
inline constexpr int64_t kMinTokenSeconds = 600;
// The issuer of legacy Secret tokens.
inline constexpr char kLegacyIssuer[] = "kubernetes/serviceaccount";

class ServiceAccountTokens {
 public:
  // `live` must watch serviceaccounts, secrets and pods (LiveObjectsForTokens()).
  ServiceAccountTokens(EvpPkeyPtr key, ServiceAccountTokenOptions options, RestHandler& rest,
                       LiveObjectCache& live, const Clock& clock);
  // The resources a LiveObjectCache for Authenticate() watches.
  static std::vector<const api::ResourceInfo*> LiveObjectsForTokens();

  // POST /api/v1/namespaces/NS/serviceaccounts/NAME/token: decodes the TokenRequest,
  // checks the service account and the bound object, answers 201 with status.token and
  // status.expirationTimestamp.
  Reply CreateToken(const RequestContext& ctx);

  // The token a legacy Secret of service account `sa` carries.
  Result<std::string> LegacyToken(const api::Json& sa, const api::Json& secret) const;

  // The identity of a service-account token, or nullopt if it is not one or not valid.
  // `audiences` are those the caller accepts (empty = the API server's); on success the
  // token's audiences among them go to `matched` (when given).
  std::optional<UserInfo> Authenticate(std::string_view token,
                                       const std::vector<std::string>& audiences,
                                       std::vector<std::string>* matched = nullptr) const;

  const std::vector<std::string>& api_audiences() const { return api_audiences_; }

 private:
  std::optional<UserInfo> AuthenticateBound(const api::Json& claims) const;
  std::optional<UserInfo> AuthenticateLegacy(std::string_view token, const api::Json& claims) const;
  // The object `resource` NS/NAME if it exists, is not being deleted and has `uid`.
  bool Live(const api::ResourceInfo& r, const std::string& ns, const std::string& name,
            const std::string& uid) const;

  JwtSigner signer_;
  JwtVerifier verifier_;
  const ServiceAccountTokenOptions options_;
  std::vector<std::string> api_audiences_;
  RestHandler& rest_;
  LiveObjectCache& live_;
  const Clock& clock_;
};

}  // namespace sampan::apiserver
