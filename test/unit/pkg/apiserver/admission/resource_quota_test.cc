// ResourceQuota admission through the RestHandler over a real store: charges, the
// over-quota message, dryRun and duplicate creates charging nothing, and concurrent creates
// racing for the last units.
#include "pkg/apiserver/admission/resource_quota.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test/unit/pkg/apiserver/rest_handler_fixture.h"

namespace sampan::apiserver {
namespace {

using api::Json;

class ResourceQuotaAdmissionTest : public testing::RestHandlerFixture {
 protected:
  void SetUp() override {
    AdmissionOptions admission;
    admission.service_account = false;  // pods without accounts: only quota is under test
    OpenRestHandler(admission);
  }

  // A quota whose status the controller has counted: hard as given, used zero.
  void MakeQuota(const char* hard) {
    Json q = {{"apiVersion", "v1"},
              {"kind", "ResourceQuota"},
              {"metadata", {{"name", "q"}}},
              {"spec", {{"hard", Json::parse(hard)}}}};
    ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/resourcequotas", q.dump()).code, 201);
    Json used = Json::object();
    for (auto& [k, v] : q["spec"]["hard"].items()) used[k] = "0";
    q["status"] = {{"hard", q["spec"]["hard"]}, {"used", used}};
    Reply r = Call("PUT", "/api/v1/namespaces/default/resourcequotas/q/status", q.dump());
    ASSERT_EQ(r.code, 200) << r.body;
  }

  Json Used() {
    Result<Json> q = rest_->GetObject(*api::Registry::Builtin().Find("", "v1", "resourcequotas"),
                                      "default", "q");
    return q.ok() ? (*q)["status"]["used"] : Json();
  }

  static std::string ConfigMap(const std::string& name) {
    return Json({{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}})
        .dump();
  }
};

TEST_F(ResourceQuotaAdmissionTest, ChargesAndRefusesOverQuota) {
  MakeQuota(R"({"configmaps":"1"})");
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps?dryRun=All", ConfigMap("a")).code,
            201);
  EXPECT_EQ(Used()["configmaps"], "0");  // dryRun charges nothing
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps", ConfigMap("a")).code, 201);
  EXPECT_EQ(Used()["configmaps"], "1");
  EXPECT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps", ConfigMap("a")).code, 409);
  EXPECT_EQ(Used()["configmaps"], "1");  // the duplicate was not charged
  Reply over = Call("POST", "/api/v1/namespaces/default/configmaps", ConfigMap("b"));
  EXPECT_EQ(over.code, 403);
  Json status = Json::parse(over.body);
  EXPECT_EQ(status["reason"], "Forbidden");
  EXPECT_EQ(status["message"],
            "configmaps \"b\" is forbidden: exceeded quota: q, requested: configmaps=1, used: "
            "configmaps=1, limited: configmaps=1");
}

TEST_F(ResourceQuotaAdmissionTest, ConcurrentCreatesNeverExceedTheQuota) {
  MakeQuota(R"({"configmaps":"3"})");
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      int code =
          Call("POST", "/api/v1/namespaces/default/configmaps", ConfigMap("c" + std::to_string(i)))
              .code;
      (code == 201 ? created : refused)++;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 3);
  EXPECT_EQ(refused.load(), 5);
  EXPECT_EQ(Used()["configmaps"], "3");
}

TEST_F(ResourceQuotaAdmissionTest, ComputeQuotaRequiresResources) {
  MakeQuota(R"({"requests.cpu":"1"})");
  Json pod = Json::parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},
      "spec":{"containers":[{"name":"c","image":"busybox"}]}})");
  Reply r = Call("POST", "/api/v1/namespaces/default/pods", pod.dump());
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(Json::parse(r.body)["message"],
            "pods \"p\" is forbidden: failed quota: q: must specify requests.cpu for: c");
  pod["spec"]["containers"][0]["resources"] = {{"requests", {{"cpu", "600m"}}}};
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/pods", pod.dump()).code, 201);
  EXPECT_EQ(Used()["requests.cpu"], "600m");
  pod["metadata"]["name"] = "p2";
  r = Call("POST", "/api/v1/namespaces/default/pods", pod.dump());
  EXPECT_EQ(Json::parse(r.body)["message"],
            "pods \"p2\" is forbidden: exceeded quota: q, requested: requests.cpu=600m, used: "
            "requests.cpu=600m, limited: requests.cpu=1");
}

}  // namespace
}  // namespace sampan::apiserver
