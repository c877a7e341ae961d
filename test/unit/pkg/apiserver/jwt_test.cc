#include "pkg/apiserver/jwt.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace sampan::apiserver {
namespace {

using api::Json;
using std::chrono::seconds;
using std::chrono::system_clock;

class JwtTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = GenerateRsaKey().value().release();
    other_ = GenerateRsaKey().value().release();
  }
  static void TearDownTestSuite() { EvpPkeyPtr a(key_), b(other_); }
  static EvpPkeyPtr Copy(EVP_PKEY* k) { return DecodeKeyPem(EncodeKeyPem(k).value()).value(); }
  Json Claims(int64_t exp_in = 3600) {
    int64_t now = system_clock::to_time_t(system_clock::now());
    return {{"iss", "https://kubernetes.default.svc.cluster.local"},
            {"aud", Json::array({"https://kubernetes.default.svc.cluster.local"})},
            {"sub", "system:serviceaccount:default:bob"},
            {"iat", now},
            {"nbf", now},
            {"exp", now + exp_in}};
  }
  JwtExpectations Expect() {
    JwtExpectations e;
    e.now = system_clock::now();
    e.audiences = {"https://kubernetes.default.svc.cluster.local"};
    e.issuers = {"https://kubernetes.default.svc.cluster.local"};
    return e;
  }
  static EVP_PKEY* key_;
  static EVP_PKEY* other_;
};
EVP_PKEY* JwtTest::key_ = nullptr;
EVP_PKEY* JwtTest::other_ = nullptr;

TEST_F(JwtTest, SignsAndVerifies) {
  JwtSigner signer(Copy(key_));
  std::string token = signer.Sign(Claims()).value();
  Result<Json> claims = JwtVerifier(key_).Verify(token, Expect());
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(api::GetString(*claims, "sub"), "system:serviceaccount:default:bob");
  // The header names the algorithm and the key.
  Json header = Json::parse(*Base64UrlDecode(token.substr(0, token.find('.'))));
  EXPECT_EQ(header["alg"], "RS256");
  EXPECT_EQ(header["kid"], signer.key_id());
  EXPECT_FALSE(signer.key_id().empty());
}

TEST_F(JwtTest, RejectsTamperedPayload) {
  std::string token = JwtSigner(Copy(key_)).Sign(Claims()).value();
  size_t a = token.find('.'), b = token.rfind('.');
  Json claims = Claims();
  claims["sub"] = "system:serviceaccount:kube-system:admin";
  std::string forged = token.substr(0, a + 1) + Base64UrlEncode(claims.dump()) + token.substr(b);
  Result<Json> got = JwtVerifier(key_).Verify(forged, Expect());
  EXPECT_EQ(got.status().code(), Code::kUnauthorized);
  // A flipped signature byte fails too.
  std::string bad_sig = token;
  char& c = bad_sig[b + 10];  // not the last character: its low bits are padding
  c = c == 'A' ? 'B' : 'A';
  EXPECT_FALSE(JwtVerifier(key_).Verify(bad_sig, Expect()).ok());
}

TEST_F(JwtTest, RejectsOtherKeyAndAlgorithm) {
  std::string token = JwtSigner(Copy(other_)).Sign(Claims()).value();
  EXPECT_FALSE(JwtVerifier(key_).Verify(token, Expect()).ok());
  // alg none with an empty signature.
  std::string none =
      Base64UrlEncode(R"({"alg":"none"})") + "." + Base64UrlEncode(Claims().dump()) + ".";
  EXPECT_FALSE(JwtVerifier(key_).Verify(none, Expect()).ok());
  EXPECT_FALSE(JwtVerifier(key_).Verify("abc", Expect()).ok());
  EXPECT_FALSE(JwtVerifier(key_).Verify("a.b.c", Expect()).ok());
}

TEST_F(JwtTest, RejectsExpiredAndNotYetValid) {
  JwtSigner signer(Copy(key_));
  std::string expired = signer.Sign(Claims(-3600)).value();
  Result<Json> got = JwtVerifier(key_).Verify(expired, Expect());
  EXPECT_EQ(got.status().message(), "token has expired");
  // Within the leeway still passes.
  EXPECT_TRUE(JwtVerifier(key_).Verify(signer.Sign(Claims(-10)).value(), Expect()).ok());
  Json future = Claims();
  future["nbf"] = future["iat"].get<int64_t>() + 600;
  EXPECT_FALSE(JwtVerifier(key_).Verify(signer.Sign(future).value(), Expect()).ok());
}

TEST_F(JwtTest, ChecksAudienceAndIssuer) {
  JwtSigner signer(Copy(key_));
  std::string token = signer.Sign(Claims()).value();
  JwtExpectations e = Expect();
  e.audiences = {"vault"};
  EXPECT_EQ(JwtVerifier(key_).Verify(token, e).status().message(),
            "token audiences are not accepted");
  e = Expect();
  e.issuers = {"someone-else"};
  EXPECT_FALSE(JwtVerifier(key_).Verify(token, e).ok());
  Json single = Claims();
  single["aud"] = "vault";  // a string is a one-element list
  e = Expect();
  e.audiences = {"vault"};
  EXPECT_TRUE(JwtVerifier(key_).Verify(signer.Sign(single).value(), e).ok());
}

TEST(JwtKeyTest, CreatedOnceAndReused) {
  std::string dir = ::testing::TempDir() + "/jwt-key-test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = dir + "/service.key";
  EvpPkeyPtr first = LoadOrCreateServiceAccountKey(path).value();
  EXPECT_EQ(std::filesystem::status(path).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  EvpPkeyPtr second = LoadOrCreateServiceAccountKey(path).value();
  EXPECT_EQ(KeyId(first.get()).value(), KeyId(second.get()).value());
  ASSERT_TRUE(WriteFileAtomic(path, "garbage", 0600).ok());
  EXPECT_FALSE(LoadOrCreateServiceAccountKey(path).ok());
  std::filesystem::remove_all(dir);
}

TEST(Base64UrlTest, RoundTripsWithoutPadding) {
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(*Base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_FALSE(Base64UrlDecode("+/8=").has_value());
}

}  // namespace
}  // namespace sampan::apiserver
