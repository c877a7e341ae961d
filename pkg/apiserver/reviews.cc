#include "pkg/apiserver/reviews.h"

#include "pkg/apiserver/api_error.h"

namespace sampan::apiserver {
namespace {

using api::Json;

Json StringList(const std::vector<std::string>& v) {
  Json out = Json::array();
  for (const std::string& s : v) out.push_back(s);
  return out;
}

// The request a SubjectAccessReview spec asks about.
RequestInfo AskedRequest(const Json& spec) {
  RequestInfo info;
  if (const Json* attrs = api::Find(spec, "resourceAttributes"); attrs && attrs->is_object()) {
    info.is_resource_request = true;
    info.namespace_ = api::GetString(*attrs, "namespace");
    info.verb = api::GetString(*attrs, "verb");
    info.group = api::GetString(*attrs, "group");
    info.version = api::GetString(*attrs, "version");
    info.resource = api::GetString(*attrs, "resource");
    info.subresource = api::GetString(*attrs, "subresource");
    info.name = api::GetString(*attrs, "name");
  } else if (const Json* non = api::Find(spec, "nonResourceAttributes"); non && non->is_object()) {
    info.path = api::GetString(*non, "path");
    info.verb = api::GetString(*non, "verb");
  }
  return info;
}

Json AccessStatus(bool allowed) {
  Json status = {{"allowed", allowed}};
  if (allowed) status["reason"] = "allowed by RBAC";
  return status;
}

Json RulesStatus(const std::vector<RbacRule>& rules) {
  Json resource_rules = Json::array();
  Json non_resource_rules = Json::array();
  for (const RbacRule& r : rules) {
    if (!r.non_resource_urls.empty()) {
      non_resource_rules.push_back(
          {{"verbs", StringList(r.verbs)}, {"nonResourceURLs", StringList(r.non_resource_urls)}});
    }
    if (!r.resources.empty()) {
      Json rule = {{"verbs", StringList(r.verbs)},
                   {"apiGroups", StringList(r.api_groups)},
                   {"resources", StringList(r.resources)}};
      if (!r.resource_names.empty()) rule["resourceNames"] = StringList(r.resource_names);
      resource_rules.push_back(std::move(rule));
    }
  }
  return {{"resourceRules", std::move(resource_rules)},
          {"nonResourceRules", std::move(non_resource_rules)},
          {"incomplete", false}};
}

Json UserInfoJson(const UserInfo& user) {
  Json out = {{"username", user.name}, {"groups", StringList(user.groups)}};
  if (!user.uid.empty()) out["uid"] = user.uid;
  if (!user.extra.empty()) {
    Json extra = Json::object();
    for (const auto& [key, values] : user.extra) extra[key] = StringList(values);
    out["extra"] = std::move(extra);
  }
  return out;
}

}  // namespace

Reply AnswerReview(const RequestContext& ctx, Json review, const UserInfo& user,
                   const RbacAuthorizer& authz, const Authenticator& authn) {
  const std::string& kind = ctx.resource->kind;
  Json spec = review.value("spec", Json::object());
  if (!review.contains("metadata")) review["metadata"] = Json::object();
  review["metadata"]["creationTimestamp"] = nullptr;
  if (kind == "SelfSubjectAccessReview") {
    review["status"] = AccessStatus(authz.Allowed(user, AskedRequest(spec)));
  } else if (kind == "SubjectAccessReview" || kind == "LocalSubjectAccessReview") {
    UserInfo subject{api::GetString(spec, "user"), {}};
    if (const Json* groups = api::Find(spec, "groups"); groups && groups->is_array()) {
      for (const Json& g : *groups) {
        if (g.is_string()) subject.groups.push_back(g.get<std::string>());
      }
    }
    RequestInfo asked = AskedRequest(spec);
    if (kind == "LocalSubjectAccessReview") {
      if (!asked.namespace_.empty() && asked.namespace_ != ctx.info.namespace_) {
        return Reply::Error(
            BadRequest("spec.resourceAttributes.namespace must match the "
                       "namespace of the request"));
      }
      asked.namespace_ = ctx.info.namespace_;
    }
    if (subject.name.empty() && subject.groups.empty()) {
      return Reply::Error(BadRequest("at least one of user or group must be specified"));
    }
    review["status"] = AccessStatus(authz.Allowed(subject, asked));
  } else if (kind == "SelfSubjectRulesReview") {
    std::vector<RbacRule> rules = authz.policy()->RulesFor(user, api::GetString(spec, "namespace"));
    review["status"] = RulesStatus(rules);
  } else if (kind == "SelfSubjectReview") {
    review["status"] = {{"userInfo", UserInfoJson(user)}};
  } else if (kind == "TokenReview") {
    std::vector<std::string> matched;
    std::optional<UserInfo> who = authn.AuthenticateToken(
        api::GetString(spec, "token"), api::GetStrings(spec, "audiences"), &matched);
    if (who) {
      review["status"] = {{"authenticated", true}, {"user", UserInfoJson(*who)}};
      if (!matched.empty()) review["status"]["audiences"] = StringList(matched);
    } else {
      review["status"] = {{"authenticated", false},
                          {"user", Json::object()},
                          {"error", "invalid bearer token"}};
    }
  } else {
    return Reply::Error(
        MethodNotAllowed("the server does not allow this method on the requested "
                         "resource"));
  }
  return Reply::Json(201, review);
}

}  // namespace sampan::apiserver
