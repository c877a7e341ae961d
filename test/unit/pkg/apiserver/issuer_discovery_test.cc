#include "pkg/apiserver/issuer_discovery.h"

#include <gtest/gtest.h>

#include "pkg/api/json.h"
#include "pkg/apiserver/jwt.h"

namespace sampan::apiserver {
namespace {

TEST(IssuerDiscoveryTest, PublishesTheConfigurationAndThePublicKey) {
  Result<EvpPkeyPtr> key = GenerateRsaKey();
  ASSERT_TRUE(key.ok());
  Result<IssuerDiscovery> d =
      IssuerDiscovery::New("https://kubernetes.default.svc.cluster.local",
                           "https://10.0.0.1:6443/openid/v1/jwks", key->get());
  ASSERT_TRUE(d.ok()) << d.status().message();

  std::optional<IssuerDiscovery::Document> config = d->Serve("/.well-known/openid-configuration");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->content_type, "application/json");
  api::Json c = api::Json::parse(config->body);
  EXPECT_EQ(c["issuer"], "https://kubernetes.default.svc.cluster.local");
  EXPECT_EQ(c["jwks_uri"], "https://10.0.0.1:6443/openid/v1/jwks");
  EXPECT_EQ(c["id_token_signing_alg_values_supported"], api::Json::array({"RS256"}));

  std::optional<IssuerDiscovery::Document> jwks = d->Serve("/openid/v1/jwks/");  // either form
  ASSERT_TRUE(jwks);
  EXPECT_EQ(jwks->content_type, "application/jwk-set+json");
  api::Json k = api::Json::parse(jwks->body)["keys"][0];
  EXPECT_EQ(k["kid"], *KeyId(key->get()));  // the kid in the tokens' headers
  EXPECT_EQ(k["kty"], "RSA");
  EXPECT_EQ(k["e"], "AQAB");
  EXPECT_EQ(k["n"].get<std::string>().size(), 342u);       // 2048 bits, base64url without padding
  EXPECT_EQ(jwks->body.find("\"d\""), std::string::npos);  // nothing private

  EXPECT_FALSE(d->Serve("/openid/v1/jwks/x"));
}

TEST(IssuerDiscoveryTest, NothingForAnIssuerThatIsNotHttps) {
  Result<EvpPkeyPtr> key = GenerateRsaKey();
  ASSERT_TRUE(key.ok());
  Result<IssuerDiscovery> d = IssuerDiscovery::New("kubernetes/serviceaccount", "", key->get());
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->Serve("/.well-known/openid-configuration"));
}

}  // namespace
}  // namespace sampan::apiserver
