#include "pkg/kubelet/volume_projection.h"

#include <gtest/gtest.h>

#include "pkg/util/base64.h"

namespace sampan::kubelet {
namespace {

using api::Json;

class VolumeProjectionTest : public ::testing::Test {
 protected:
  VolumeProjectionTest() {
    ctx_.lookup = [this](const std::string& resource, const std::string& ns,
                         const std::string& name) -> Result<Json> {
      auto it = objects_.find(resource + "/" + ns + "/" + name);
      if (it == objects_.end()) return Status::NotFound(name);
      return it->second;
    };
    ctx_.token = [](const Json& pod, const std::string& audience, int64_t seconds) {
      return Result<std::string>(api::GetString(api::ObjectField(pod, "metadata"), "name") + "|" +
                                 audience + "|" + std::to_string(seconds));
    };
    objects_["configmaps/ns/cfg"] = {{"data", {{"a", "1"}, {"b", "2"}}},
                                     {"binaryData", {{"bin", Base64Encode("\x01\x02")}}}};
    objects_["secrets/ns/sec"] = {{"data", {{"password", Base64Encode("s3cret")}}}};
  }
  Json Pod() {
    return {{"metadata",
             {{"name", "p"}, {"namespace", "ns"}, {"labels", {{"app", "x"}, {"b", "q\"uote"}}}}},
            {"spec", {{"containers", Json::array({{{"name", "main"}}})}}}};
  }
  ProjectionContext ctx_;
  std::map<std::string, Json> objects_;
};

TEST_F(VolumeProjectionTest, ConfigMapAllKeysAndItems) {
  Payload all =
      ProjectVolume(Pod(), {{"name", "v"}, {"configMap", {{"name", "cfg"}}}}, ctx_).value();
  EXPECT_EQ(all.size(), 3u);
  EXPECT_EQ(all["a"].data, "1");
  EXPECT_EQ(all["a"].mode, 0644u);
  EXPECT_EQ(all["bin"].data, "\x01\x02");
  Json items = {{"name", "v"},
                {"configMap",
                 {{"name", "cfg"},
                  {"defaultMode", 0600},
                  {"items", Json::array({{{"key", "a"}, {"path", "x/y"}},
                                         {{"key", "b"}, {"path", "b"}, {"mode", 0400}}})}}}};
  Payload some = ProjectVolume(Pod(), items, ctx_).value();
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some["x/y"].data, "1");
  EXPECT_EQ(some["x/y"].mode, 0600u);
  EXPECT_EQ(some["b"].mode, 0400u);
}

TEST_F(VolumeProjectionTest, MissingObjectsAndKeys) {
  Result<Payload> missing =
      ProjectVolume(Pod(), {{"name", "v"}, {"configMap", {{"name", "nope"}}}}, ctx_);
  EXPECT_EQ(missing.status().message(), "configmap \"nope\" not found");
  Result<Payload> optional = ProjectVolume(
      Pod(), {{"name", "v"}, {"secret", {{"secretName", "nope"}, {"optional", true}}}}, ctx_);
  ASSERT_TRUE(optional.ok());
  EXPECT_TRUE(optional->empty());
  Result<Payload> key = ProjectVolume(
      Pod(),
      {{"name", "v"},
       {"configMap", {{"name", "cfg"}, {"items", Json::array({{{"key", "zz"}, {"path", "z"}}})}}}},
      ctx_);
  EXPECT_EQ(key.status().message(), "configmap references non-existent config key: zz");
}

TEST_F(VolumeProjectionTest, SecretIsDecoded) {
  Payload p =
      ProjectVolume(
          Pod(), {{"name", "v"}, {"secret", {{"secretName", "sec"}, {"defaultMode", 0400}}}}, ctx_)
          .value();
  EXPECT_EQ(p["password"].data, "s3cret");
  EXPECT_EQ(p["password"].mode, 0400u);
}

TEST_F(VolumeProjectionTest, DownwardApi) {
  Json v = {
      {"name", "v"},
      {"downwardAPI",
       {{"items",
         Json::array({{{"path", "name"}, {"fieldRef", {{"fieldPath", "metadata.name"}}}},
                      {{"path", "labels"}, {"fieldRef", {{"fieldPath", "metadata.labels"}}}}})}}}};
  Payload p = ProjectVolume(Pod(), v, ctx_).value();
  EXPECT_EQ(p["name"].data, "p");
  EXPECT_EQ(p["labels"].data, "app=\"x\"\nb=\"q\\\"uote\"");
}

TEST_F(VolumeProjectionTest, ProjectedSources) {
  Json v = {
      {"name", "kube-api-access"},
      {"projected",
       {{"defaultMode", 0444},
        {"sources",
         Json::array(
             {{{"serviceAccountToken", {{"path", "token"}, {"expirationSeconds", 3607}}}},
              {{"configMap",
                {{"name", "cfg"}, {"items", Json::array({{{"key", "a"}, {"path", "ca.crt"}}})}}}},
              {{"downwardAPI",
                {{"items",
                  Json::array({{{"path", "namespace"},
                                {"fieldRef", {{"fieldPath", "metadata.namespace"}}}}})}}}}})}}}};
  Payload p = ProjectVolume(Pod(), v, ctx_).value();
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p["token"].data, "p||3607");
  EXPECT_EQ(p["token"].mode, 0444u);
  EXPECT_EQ(p["ca.crt"].data, "1");
  EXPECT_EQ(p["namespace"].data, "ns");
}

}  // namespace
}  // namespace sampan::kubelet
