#include "pkg/apiserver/service_account_tokens.h"

#include <fmt/core.h>
#include <openssl/crypto.h>

#include <algorithm>

#include "pkg/api/builtin_resources.h"
#include "pkg/util/base64.h"
#include "pkg/util/log.h"
#include "pkg/util/random.h"
#include "pkg/util/time_format.h"

namespace sampan::apiserver {
namespace {

using api::builtin::Core;

using api::Json;

const log::Logger kLog("apiserver");

// The TokenRequest body's kind (a subresource's own type, not in the registry).
const api::ResourceInfo& TokenRequestInfo() {
  static const api::ResourceInfo kInfo{.group = "authentication.k8s.io",
                                       .version = "v1",
                                       .resource = "serviceaccounts",
                                       .kind = "TokenRequest",
                                       .singular = "tokenrequest",
                                       .namespaced = true};
  return kInfo;
}

int64_t Unix(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

ApiError TokenRequestInvalid(const std::string& name, std::vector<Cause> causes) {
  std::string list;
  for (size_t i = 0; i < causes.size(); ++i) {
    if (i) list += ", ";
    list += causes[i].field + ": " + causes[i].message;
  }
  ApiError e;
  e.code = 422;
  e.reason = "Invalid";
  e.message = fmt::format("TokenRequest.authentication.k8s.io \"{}\" is invalid: {}", name,
                          causes.size() == 1 ? list : "[" + list + "]");
  e.name = name;
  e.group = "authentication.k8s.io";
  e.kind = "TokenRequest";
  e.causes = std::move(causes);
  return e;
}

}  // namespace

ServiceAccountTokens::ServiceAccountTokens(EvpPkeyPtr key, ServiceAccountTokenOptions options,
                                           RestHandler& rest, LiveObjectCache& live,
                                           const Clock& clock)
    : signer_(std::move(key)),
      verifier_(signer_.key()),
      options_(std::move(options)),
      rest_(rest),
      live_(live),
      clock_(clock) {
  api_audiences_ = options_.api_audiences;
  if (api_audiences_.empty()) api_audiences_.push_back(options_.issuer);
}

Reply ServiceAccountTokens::CreateToken(const RequestContext& ctx) {
  const std::string& ns = ctx.info.namespace_;
  const std::string& name = ctx.info.name;
  if (ctx.info.verb != "create") {
    return Reply::Error(
        MethodNotAllowed("the server does not allow this method on the requested resource"));
  }
  std::vector<std::string> warnings;
  Result<Json> body = rest_.DecodeBody(ctx, TokenRequestInfo(), &warnings);
  if (!body.ok()) {
    if (body.status().code() == Code::kUnsupported) {
      return Reply::Error(UnsupportedMediaType(body.status().message()));
    }
    return Reply::Error(FromStatus(body.status()));
  }
  Json request = std::move(*body);
  Json spec = request.value("spec", Json::object());
  if (!spec.is_object()) spec = Json::object();

  // Validation (upstream's ValidateTokenRequest).
  int64_t seconds = kDefaultTokenSeconds;
  if (const Json* e = api::Find(spec, "expirationSeconds"); e != nullptr && !e->is_null()) {
    seconds = e->is_number_integer() ? e->get<int64_t>() : -1;
  }
  std::vector<Cause> causes;
  if (seconds < kMinTokenSeconds) {
    causes.push_back({"FieldValueInvalid",
                      fmt::format("Invalid value: {}: may not specify a duration less than 10 "
                                  "minutes",
                                  seconds),
                      "spec.expirationSeconds"});
  } else if (seconds > (int64_t{1} << 32)) {
    causes.push_back({"FieldValueInvalid",
                      fmt::format("Invalid value: {}: may not specify a duration larger than "
                                  "2^32 seconds",
                                  seconds),
                      "spec.expirationSeconds"});
  }
  const Json* bound_ref = api::Find(spec, "boundObjectRef");
  std::string bound_kind, bound_name, bound_uid;
  if (bound_ref != nullptr && bound_ref->is_object()) {
    bound_kind = api::GetString(*bound_ref, "kind");
    bound_name = api::GetString(*bound_ref, "name");
    bound_uid = api::GetString(*bound_ref, "uid");
    std::string api_version = api::GetString(*bound_ref, "apiVersion");
    if (bound_kind != "Pod" && bound_kind != "Secret") {
      causes.push_back({"FieldValueNotSupported",
                        fmt::format("Unsupported value: \"{}\": supported values: \"Pod\", "
                                    "\"Secret\"",
                                    bound_kind),
                        "spec.boundObjectRef.kind"});
    } else if (!api_version.empty() && api_version != "v1") {
      causes.push_back(
          {"FieldValueNotSupported",
           fmt::format("Unsupported value: \"{}\": supported values: \"v1\"", api_version),
           "spec.boundObjectRef.apiVersion"});
    } else if (bound_name.empty()) {
      causes.push_back({"FieldValueRequired", "Required value", "spec.boundObjectRef.name"});
    }
  }
  if (!causes.empty()) return Reply::Error(TokenRequestInvalid(name, std::move(causes)));

  Result<Json> sa = rest_.GetObject(Core("serviceaccounts"), ns, name);
  if (!sa.ok()) return Reply::Error(FromStatus(sa.status(), &Core("serviceaccounts"), name));
  std::string sa_uid = api::UidOf(*sa);

  auto now = clock_.WallNow();
  int64_t iat = Unix(now);
  Json private_claims = {{"namespace", ns}, {"serviceaccount", {{"name", name}, {"uid", sa_uid}}}};
  if (!bound_kind.empty()) {
    const char* resource = bound_kind == "Pod" ? "pods" : "secrets";
    Result<Json> obj = rest_.GetObject(Core(resource), ns, bound_name);
    if (!obj.ok()) return Reply::Error(FromStatus(obj.status(), &Core(resource), bound_name));
    std::string uid = api::UidOf(*obj);
    if (!bound_uid.empty() && bound_uid != uid) {
      ApiError e;
      e.code = 409;
      e.reason = "Conflict";
      e.message = fmt::format(
          "Operation cannot be fulfilled on {}.authentication.k8s.io \"{}\": the UID in the "
          "bound object reference ({}) does not match the UID in record. The object might have "
          "been deleted and then recreated",
          "serviceaccounts", name, bound_uid);
      e.name = name;
      e.group = "authentication.k8s.io";
      e.kind = "serviceaccounts";
      return Reply::Error(e);
    }
    if (bound_kind == "Pod") {
      const Json& pod_spec = api::ObjectField(*obj, "spec");
      std::string pod_sa = api::GetString(pod_spec, "serviceAccountName", "default");
      if (pod_sa != name) {
        return Reply::Error(BadRequest(
            fmt::format("cannot bind token for serviceaccount \"{}\" to pod running with different "
                        "serviceaccount name.",
                        name)));
      }
      private_claims["pod"] = {{"name", bound_name}, {"uid", uid}};
      std::string node = api::GetString(pod_spec, "nodeName");
      if (!node.empty()) {
        Result<Json> node_obj = rest_.GetObject(Core("nodes"), "", node);
        Json node_claim = {{"name", node}};
        if (node_obj.ok()) node_claim["uid"] = api::UidOf(*node_obj);
        private_claims["node"] = node_claim;
      }
    } else {
      private_claims["secret"] = {{"name", bound_name}, {"uid", uid}};
    }
    Json ref = {{"kind", bound_kind}, {"apiVersion", "v1"}, {"name", bound_name}, {"uid", uid}};
    spec["boundObjectRef"] = ref;
  }
  std::vector<std::string> audiences = api::GetStrings(spec, "audiences");
  if (audiences.empty()) audiences = api_audiences_;
  Json claims = {
      {"aud", audiences},    {"exp", iat + seconds},
      {"iat", iat},          {"iss", options_.issuer},
      {"jti", RandomUuid()}, {"kubernetes.io", private_claims},
      {"nbf", iat},          {"sub", fmt::format("system:serviceaccount:{}:{}", ns, name)}};
  Result<std::string> token = signer_.Sign(claims);
  if (!token.ok()) return Reply::Error(Internal(token.status().message()));

  spec["audiences"] = audiences;
  spec["expirationSeconds"] = seconds;
  if (!spec.contains("boundObjectRef")) spec["boundObjectRef"] = nullptr;
  Json& meta = request["metadata"];
  meta["name"] = name;
  meta["namespace"] = ns;
  meta["creationTimestamp"] = nullptr;
  request["spec"] = spec;
  request["status"] = {{"token", *token},
                       {"expirationTimestamp", FormatRfc3339(now + std::chrono::seconds(seconds))}};
  kLog.Debug("issued a token for serviceaccount {}/{} ({} s{})", ns, name, seconds,
             bound_kind.empty() ? "" : ", bound to " + bound_kind + " " + bound_name);
  Reply reply = Reply::Json(201, request);
  return reply;
}

Result<std::string> ServiceAccountTokens::LegacyToken(const Json& sa, const Json& secret) const {
  const Json& meta = api::ObjectField(secret, "metadata");
  std::string ns = api::GetString(meta, "namespace");
  std::string sa_name = api::GetString(api::ObjectField(sa, "metadata"), "name");
  Json claims = {{"iss", kLegacyIssuer},
                 {"kubernetes.io/serviceaccount/namespace", ns},
                 {"kubernetes.io/serviceaccount/secret.name", api::GetString(meta, "name")},
                 {"kubernetes.io/serviceaccount/service-account.name", sa_name},
                 {"kubernetes.io/serviceaccount/service-account.uid", api::UidOf(sa)},
                 {"sub", fmt::format("system:serviceaccount:{}:{}", ns, sa_name)}};
  return signer_.Sign(claims);
}

std::vector<const api::ResourceInfo*> ServiceAccountTokens::LiveObjectsForTokens() {
  return {&Core("serviceaccounts"), &Core("secrets"), &Core("pods")};
}

bool ServiceAccountTokens::Live(const api::ResourceInfo& r, const std::string& ns,
                                const std::string& name, const std::string& uid) const {
  std::shared_ptr<const LiveObjectFacts> obj = live_.Get(r, ns, name);
  if (!obj->exists) return false;
  if (!uid.empty() && obj->uid != uid) return false;
  return !obj->terminating;
}

std::optional<UserInfo> ServiceAccountTokens::Authenticate(
    std::string_view token, const std::vector<std::string>& audiences,
    std::vector<std::string>* matched) const {
  if (std::count(token.begin(), token.end(), '.') != 2) return std::nullopt;
  JwtExpectations expect;
  expect.now = clock_.WallNow();
  Result<Json> claims = verifier_.Verify(token, expect);
  if (!claims.ok()) {
    kLog.Debug("service account token rejected: {}", claims.status().message());
    return std::nullopt;
  }
  std::string iss = api::GetString(*claims, "iss");
  std::optional<UserInfo> user;
  if (iss == kLegacyIssuer) {
    user = AuthenticateLegacy(token, *claims);
    if (user && matched) *matched = audiences.empty() ? api_audiences_ : audiences;
    return user;
  }
  if (iss != options_.issuer) return std::nullopt;
  const std::vector<std::string>& accept = audiences.empty() ? api_audiences_ : audiences;
  std::vector<std::string> common;
  for (const std::string& a : JwtVerifier::Audiences(*claims)) {
    if (std::find(accept.begin(), accept.end(), a) != accept.end()) common.push_back(a);
  }
  if (common.empty()) {
    kLog.Debug("service account token rejected: audiences not accepted");
    return std::nullopt;
  }
  user = AuthenticateBound(*claims);
  if (user && matched) *matched = std::move(common);
  return user;
}

std::optional<UserInfo> ServiceAccountTokens::AuthenticateBound(const Json& claims) const {
  const Json& k8s = api::ObjectField(claims, "kubernetes.io");
  std::string ns = api::GetString(k8s, "namespace");
  const Json& sa = api::ObjectField(k8s, "serviceaccount");
  std::string name = api::GetString(sa, "name");
  if (ns.empty() || name.empty()) return std::nullopt;
  if (api::GetString(claims, "sub") != fmt::format("system:serviceaccount:{}:{}", ns, name)) {
    return std::nullopt;
  }
  if (!Live(Core("serviceaccounts"), ns, name, api::GetString(sa, "uid"))) {
    kLog.Debug("token of serviceaccount {}/{} rejected: the account is gone", ns, name);
    return std::nullopt;
  }
  UserInfo user;
  user.name = fmt::format("system:serviceaccount:{}:{}", ns, name);
  user.uid = api::GetString(sa, "uid");
  user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns};
  if (const Json* pod = api::Find(k8s, "pod")) {
    std::string pod_name = api::GetString(*pod, "name");
    if (!Live(Core("pods"), ns, pod_name, api::GetString(*pod, "uid"))) {
      kLog.Debug("token of serviceaccount {}/{} rejected: pod {} is gone", ns, name, pod_name);
      return std::nullopt;
    }
    user.extra["authentication.kubernetes.io/pod-name"] = {pod_name};
    user.extra["authentication.kubernetes.io/pod-uid"] = {api::GetString(*pod, "uid")};
  }
  if (const Json* secret = api::Find(k8s, "secret")) {
    std::string secret_name = api::GetString(*secret, "name");
    if (!Live(Core("secrets"), ns, secret_name, api::GetString(*secret, "uid"))) {
      kLog.Debug("token of serviceaccount {}/{} rejected: secret {} is gone", ns, name,
                 secret_name);
      return std::nullopt;
    }
  }
  if (const Json* node = api::Find(k8s, "node")) {
    user.extra["authentication.kubernetes.io/node-name"] = {api::GetString(*node, "name")};
    std::string node_uid = api::GetString(*node, "uid");
    if (!node_uid.empty()) user.extra["authentication.kubernetes.io/node-uid"] = {node_uid};
  }
  std::string jti = api::GetString(claims, "jti");
  if (!jti.empty()) user.extra["authentication.kubernetes.io/credential-id"] = {"JTI=" + jti};
  return user;
}

std::optional<UserInfo> ServiceAccountTokens::AuthenticateLegacy(std::string_view token,
                                                                 const Json& claims) const {
  std::string ns = api::GetString(claims, "kubernetes.io/serviceaccount/namespace");
  std::string name = api::GetString(claims, "kubernetes.io/serviceaccount/service-account.name");
  std::string uid = api::GetString(claims, "kubernetes.io/serviceaccount/service-account.uid");
  std::string secret_name = api::GetString(claims, "kubernetes.io/serviceaccount/secret.name");
  if (ns.empty() || name.empty() || secret_name.empty()) return std::nullopt;
  if (!Live(Core("serviceaccounts"), ns, name, uid)) return std::nullopt;
  // The Secret must still exist and hold this very token.
  std::shared_ptr<const LiveObjectFacts> secret = live_.Get(Core("secrets"), ns, secret_name);
  if (!secret->exists || secret->terminating) return std::nullopt;
  std::optional<std::string> stored = Base64Decode(secret->token);
  if (!stored || stored->size() != token.size() ||
      CRYPTO_memcmp(stored->data(), token.data(), token.size()) != 0) {
    return std::nullopt;
  }
  UserInfo user;
  user.name = fmt::format("system:serviceaccount:{}:{}", ns, name);
  user.uid = uid;
  user.groups = {"system:serviceaccounts", "system:serviceaccounts:" + ns};
  return user;
}

}  // namespace sampan::apiserver
