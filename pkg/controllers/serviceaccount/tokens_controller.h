#pragma once
// The tokens controller (kube-controller-manager's serviceaccount-token controller, legacy
// part): a Secret of type kubernetes.io/service-account-token naming a service account in
// the annotation kubernetes.io/service-account.name gets `token` (a legacy JWT from the API
// server's key), `ca.crt` and `namespace` in its data and the account's uid in the annotation
// kubernetes.io/service-account.uid. A secret whose account does not exist (or has another
// uid) is deleted, as upstream; so are the token secrets of a deleted account. Keys are
// secret keys "ns/name".

#include <functional>
#include <memory>
#include <string>

#include "pkg/client/client.h"
#include "pkg/client/informer.h"
#include "pkg/controllers/runner.h"

namespace sampan::controllers {

inline constexpr char kServiceAccountTokenType[] = "kubernetes.io/service-account-token";
inline constexpr char kServiceAccountNameKey[] = "kubernetes.io/service-account.name";
inline constexpr char kServiceAccountUidKey[] = "kubernetes.io/service-account.uid";

// Signs the legacy token of secret for service account (both as stored).
using LegacyTokenFn =
    std::function<Result<std::string>(const api::Json& account, const api::Json& secret)>;

class TokensController {
 public:
  TokensController(client::Client& client, LegacyTokenFn sign, std::string ca_pem);
  ~TokensController();
  void Start();
  void Stop();
  Status Sync(const std::string& secret_key);

 private:
  client::Client& client_;
  LegacyTokenFn sign_;
  const std::string ca_pem_;
  client::Informer secrets_;
  client::Informer accounts_;
  Runner runner_;
};

}  // namespace sampan::controllers
