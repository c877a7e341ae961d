#include "runtime/images/reference.h"

#include <gtest/gtest.h>

#include "runtime/images/digest.h"

namespace sampan::images {
namespace {

std::string Norm(std::string_view s) {
  Result<Reference> r = Reference::Parse(s);
  return r.ok() ? r->str() : "ERROR: " + r.status().message();
}

TEST(ReferenceTest, NormalisesDockerHubNames) {
  EXPECT_EQ(Norm("redis"), "docker.io/library/redis:latest");
  EXPECT_EQ(Norm("redis:7"), "docker.io/library/redis:7");
  EXPECT_EQ(Norm("bitnami/redis"), "docker.io/bitnami/redis:latest");
  EXPECT_EQ(Norm("index.docker.io/library/redis:7"), "docker.io/library/redis:7");
  EXPECT_EQ(Norm("docker.io/redis"), "docker.io/library/redis:latest");
}

TEST(ReferenceTest, KeepsOtherRegistriesAndDigests) {
  std::string digest = "sha256:" + std::string(64, 'a');
  EXPECT_EQ(Norm("127.0.0.1:5000/a/b"), "127.0.0.1:5000/a/b:latest");
  EXPECT_EQ(Norm("localhost/x:1"), "localhost/x:1");
  EXPECT_EQ(Norm("ghcr.io/o/r@" + digest), "ghcr.io/o/r@" + digest);
  Result<Reference> r = Reference::Parse("reg.example:443/ns/img:v1@" + digest);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->domain, "reg.example:443");
  EXPECT_EQ(r->repository, "ns/img");
  EXPECT_EQ(r->tag, "v1");
  EXPECT_EQ(r->manifest_ref(), digest);
}

TEST(ReferenceTest, RefusesMalformedNames) {
  for (std::string_view bad : {"", "Redis", "a//b", "x@sha256:12", "x:", "/x", "x:-bad"}) {
    EXPECT_FALSE(Reference::Parse(bad).ok()) << bad;
  }
}

TEST(DigestTest, ParsesOnlySha256AndChainsIds) {
  EXPECT_FALSE(Digest::Parse("sha512:" + std::string(64, 'a')).ok());
  EXPECT_FALSE(Digest::Parse("sha256:" + std::string(64, 'A')).ok());
  Digest a = Digest::Of("a"), b = Digest::Of("b");
  EXPECT_EQ(a.str(), "sha256:ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb");
  EXPECT_EQ(NextChainId(Digest(), a), a);
  EXPECT_EQ(NextChainId(a, b), Digest::Of(a.str() + " " + b.str()));
}

}  // namespace
}  // namespace sampan::images
