#pragma once
// Authentication: who is making a request. x509 client certificates verified against the
// client CA (CN = user, O = groups), static bearer tokens (the cluster token for nodes) and
// service-account JWTs (through the token authenticator set by the API server, see
// service_account_tokens.h). A request without credentials is anonymous: refused (401) unless
// anonymous access is on (--anonymous-auth), then it is system:anonymous in the group
// system:unauthenticated and RBAC decides. A request with credentials that do not
// authenticate is always 401. Authorization is RBAC (rbac.h).

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pkg/util/http.h"

namespace sampan::apiserver {

struct UserInfo {
  std::string name;
  std::vector<std::string> groups;
  std::string uid;
  std::map<std::string, std::vector<std::string>> extra;
  bool InGroup(const std::string& group) const;
};

struct StaticToken {
  std::string token;
  UserInfo user;
};

// Authenticates a bearer token that is not a static token: `audiences` are those accepted
// (empty = the API server's own); the token's audiences among them go to `matched`.
using TokenAuthenticator = std::function<std::optional<UserInfo>(
    std::string_view token, const std::vector<std::string>& audiences,
    std::vector<std::string>* matched)>;

class Authenticator {
 public:
  explicit Authenticator(std::vector<StaticToken> tokens, bool anonymous = false)
      : tokens_(std::move(tokens)), anonymous_(anonymous) {}
  // Set once before serving (not thread-safe against concurrent Authenticate calls).
  void SetTokenAuthenticator(TokenAuthenticator fn) { token_authenticator_ = std::move(fn); }
  // nullopt = not authenticated (401).
  std::optional<UserInfo> Authenticate(const http::Request& request) const;
  // A bearer token on its own (TokenReview): `audiences` as for TokenAuthenticator.
  std::optional<UserInfo> AuthenticateToken(std::string_view token,
                                            const std::vector<std::string>& audiences = {},
                                            std::vector<std::string>* matched = nullptr) const;

 private:
  std::vector<StaticToken> tokens_;
  bool anonymous_;
  TokenAuthenticator token_authenticator_;
};

}  // namespace sampan::apiserver
