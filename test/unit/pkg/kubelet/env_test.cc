#include "pkg/kubelet/env.h"

#include <gtest/gtest.h>

#include "pkg/util/base64.h"

namespace sampan::kubelet {
namespace {

using api::Json;

class EnvTest : public ::testing::Test {
 protected:
  Json pod_ = {{"metadata",
                {{"name", "web"},
                 {"namespace", "shop"},
                 {"uid", "u-1"},
                 {"labels", {{"app", "web"}}},
                 {"annotations", {{"team", "blue"}}}}},
               {"spec", {{"nodeName", "edge"}, {"serviceAccountName", "builder"}}}};
  EnvContext context_{.node_name = "edge",
                      .host_ip = "192.168.1.10",
                      .pod_ip = "10.42.0.9",
                      .node_milli_cpu = 4000,
                      .node_memory = int64_t{8} << 30,
                      .node_ephemeral_storage = 0,
                      .service_env = {{"KUBERNETES_SERVICE_HOST", "10.43.0.1"}}};
  std::map<std::string, Json> objects_ = {
      {"configmaps/cfg", {{"data", {{"mode", "fast"}, {"level", "3"}}}}},
      {"secrets/creds", {{"data", {{"password", Base64Encode("s3cret")}}}}}};
  ObjectLookup lookup_ = [this](const std::string& resource, const std::string& ns,
                                const std::string& name) -> Result<Json> {
    EXPECT_EQ(ns, "shop");
    auto it = objects_.find(resource + "/" + name);
    if (it == objects_.end()) return Status::NotFound(name);
    return it->second;
  };

  Result<std::vector<std::string>> Env(Json container) {
    return ContainerEnv(pod_, container, context_, lookup_);
  }
};

TEST_F(EnvTest, ValuesExpandEarlierVariablesAndServiceVariables) {
  Json c = {{"env",
             {{{"name", "A"}, {"value", "one"}},
              {{"name", "B"}, {"value", "$(A)-two-$(KUBERNETES_SERVICE_HOST)-$(NOPE)"}}}}};
  Result<std::vector<std::string>> env = Env(c);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(*env, (std::vector<std::string>{"A=one", "B=one-two-10.43.0.1-$(NOPE)",
                                            "KUBERNETES_SERVICE_HOST=10.43.0.1"}));
}

TEST_F(EnvTest, FieldRefsReadThePod) {
  auto ref = [](const char* name, const char* path) {
    return Json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", path}}}}}};
  };
  Json c = {{"env",
             {ref("N", "metadata.name"), ref("NS", "metadata.namespace"), ref("U", "metadata.uid"),
              ref("L", "metadata.labels['app']"), ref("AN", "metadata.annotations['team']"),
              ref("NODE", "spec.nodeName"), ref("SA", "spec.serviceAccountName"),
              ref("HIP", "status.hostIP"), ref("PIP", "status.podIP")}}};
  Result<std::vector<std::string>> env = Env(c);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(std::vector<std::string>(env->begin(), env->begin() + 9),
            (std::vector<std::string>{"N=web", "NS=shop", "U=u-1", "L=web", "AN=blue", "NODE=edge",
                                      "SA=builder", "HIP=192.168.1.10", "PIP=10.42.0.9"}));
  EXPECT_FALSE(Env({{"env", {ref("X", "spec.bogus")}}}).ok());
}

TEST_F(EnvTest, ResourceFieldRefsUseDivisorsAndFallBackToTheNode) {
  auto ref = [](const char* name, const char* resource, Json divisor = nullptr) {
    Json r = {{"resource", resource}};
    if (!divisor.is_null()) r["divisor"] = divisor;
    return Json{{"name", name}, {"valueFrom", {{"resourceFieldRef", r}}}};
  };
  Json c = {{"resources", {{"limits", {{"memory", "64Mi"}}}, {"requests", {{"cpu", "250m"}}}}},
            {"env",
             {ref("MEM", "limits.memory"), ref("MEM_MI", "limits.memory", "1Mi"),
              ref("CPU_REQ", "requests.cpu"), ref("CPU_REQ_M", "requests.cpu", "1m"),
              ref("CPU_LIM", "limits.cpu")}}};
  Result<std::vector<std::string>> env = Env(c);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(std::vector<std::string>(env->begin(), env->begin() + 5),
            (std::vector<std::string>{"MEM=67108864", "MEM_MI=64", "CPU_REQ=1", "CPU_REQ_M=250",
                                      "CPU_LIM=4"}));
}

TEST_F(EnvTest, ConfigMapAndSecretKeysAndEnvFrom) {
  Json c = {{"envFrom",
             {{{"configMapRef", {{"name", "cfg"}}}, {"prefix", "CFG_"}},
              {{"secretRef", {{"name", "creds"}}}}}},
            {"env",
             {{{"name", "MODE"},
               {"valueFrom", {{"configMapKeyRef", {{"name", "cfg"}, {"key", "mode"}}}}}},
              {{"name", "PW"},
               {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "password"}}}}}},
              {{"name", "CFG_mode"}, {"value", "override"}}}}};
  Result<std::vector<std::string>> env = Env(c);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(*env, (std::vector<std::string>{"CFG_level=3", "CFG_mode=override", "password=s3cret",
                                            "MODE=fast", "PW=s3cret",
                                            "KUBERNETES_SERVICE_HOST=10.43.0.1"}));
}

TEST_F(EnvTest, MissingSourcesFailUnlessOptional) {
  Json missing_map = {
      {"env",
       {{{"name", "X"}, {"valueFrom", {{"configMapKeyRef", {{"name", "nope"}, {"key", "k"}}}}}}}}};
  Result<std::vector<std::string>> env = Env(missing_map);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), "configmap \"nope\" not found");

  Json missing_key = {
      {"env",
       {{{"name", "X"}, {"valueFrom", {{"secretKeyRef", {{"name", "creds"}, {"key", "k"}}}}}}}}};
  env = Env(missing_key);
  ASSERT_FALSE(env.ok());
  EXPECT_EQ(env.status().message(), "couldn't find key k in Secret shop/creds");

  Json optional = {
      {"env",
       {{{"name", "X"},
         {"valueFrom",
          {{"configMapKeyRef", {{"name", "nope"}, {"key", "k"}, {"optional", true}}}}}}}},
      {"envFrom", {{{"secretRef", {{"name", "none"}, {"optional", true}}}}}}};
  env = Env(optional);
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(*env, (std::vector<std::string>{"KUBERNETES_SERVICE_HOST=10.43.0.1"}));
}

}  // namespace
}  // namespace sampan::kubelet
