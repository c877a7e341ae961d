#include "pkg/apiserver/authn.h"

#include <openssl/crypto.h>

#include <algorithm>

namespace sampan::apiserver {

bool UserInfo::InGroup(const std::string& group) const {
  return std::find(groups.begin(), groups.end(), group) != groups.end();
}

std::optional<UserInfo> Authenticator::Authenticate(const http::Request& request) const {
  if (request.peer.verified && !request.peer.common_name.empty()) {
    UserInfo user{request.peer.common_name, request.peer.organizations};
    user.groups.push_back("system:authenticated");
    return user;
  }
  std::string_view auth = request.headers.Get("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) {
    return AuthenticateToken(auth.substr(kBearer.size()));
  }
  // Credentials that did not authenticate are never downgraded to anonymous.
  if (!anonymous_ || !auth.empty()) return std::nullopt;
  return UserInfo{"system:anonymous", {"system:unauthenticated"}};
}

std::optional<UserInfo> Authenticator::AuthenticateToken(std::string_view token,
                                                         const std::vector<std::string>& audiences,
                                                         std::vector<std::string>* matched) const {
  for (const auto& t : tokens_) {
    // Constant-time comparison: the token is a secret.
    if (t.token.size() == token.size() &&
        CRYPTO_memcmp(t.token.data(), token.data(), token.size()) == 0) {
      UserInfo user = t.user;
      user.groups.push_back("system:authenticated");
      return user;
    }
  }
  if (!token_authenticator_) return std::nullopt;
  std::optional<UserInfo> user = token_authenticator_(token, audiences, matched);
  if (user) user->groups.push_back("system:authenticated");
  return user;
}

}  // namespace sampan::apiserver
