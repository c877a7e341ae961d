#pragma once
// The create-only review resources, answered from the request and never stored:
// SelfSubjectAccessReview (`kubectl auth can-i`), SubjectAccessReview,
// LocalSubjectAccessReview, SelfSubjectRulesReview (`kubectl auth can-i --list`),
// SelfSubjectReview (`kubectl auth whoami`) and TokenReview.

#include "pkg/api/json.h"
#include "pkg/apiserver/authn.h"
#include "pkg/apiserver/rbac.h"
#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {

// `review` is the decoded body for resource ctx.resource; `user` the requester.
Reply AnswerReview(const RequestContext& ctx, api::Json review, const UserInfo& user,
                   const RbacAuthorizer& authz, const Authenticator& authn);

}  // namespace sampan::apiserver
