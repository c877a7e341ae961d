#pragma once
// Authentication: who is making a request. x509 client certificates verified against the
// client CA (CN = user, O = groups) and static bearer tokens (the cluster token for nodes).
// Service-account tokens come later. Anything else is anonymous, which is refused (401).
// Authorization is RBAC (rbac.h).

#include <optional>
#include <string>
#include <vector>

#include "pkg/util/http.h"

namespace sampan::apiserver {

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
  bool InGroup(const std::string& group) const;
};

struct StaticToken {
  std::string token;
  UserInfo user;
};

class Authenticator {
 public:
  explicit Authenticator(std::vector<StaticToken> tokens) : tokens_(std::move(tokens)) {}
  // nullopt = not authenticated.
  std::optional<UserInfo> Authenticate(const http::Request& request) const;
  // A bearer token on its own (TokenReview).
  std::optional<UserInfo> AuthenticateToken(std::string_view token) const;

 private:
  std::vector<StaticToken> tokens_;
};

}  // namespace sampan::apiserver
