#include "pkg/apiserver/managed_fields.h"

#include <gtest/gtest.h>

#include "pkg/apiserver/rest_handler.h"

namespace sampan::apiserver {
namespace {

using api::Dump;
using api::Json;

const api::ResourceInfo& Deployments() {
  return *api::Registry::Builtin().Find("apps", "v1", "deployments");
}

Json Deploy(int replicas, const std::string& image) {
  return Json::parse(R"({"apiVersion":"apps/v1","kind":"Deployment",
    "metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
    "spec":{"replicas":)" +
                     std::to_string(replicas) + R"(,"selector":{"matchLabels":{"app":"web"}},
    "template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[
      {"name":"nginx","image":")" +
                     image + R"("}]}}}})");
}

ApplyRequest Request(const std::string& manager, bool force = false) {
  return {&Deployments(), manager, force, "2026-01-01T00:00:00Z"};
}

Json MustApply(const Json* live, const Json& config, const ApplyRequest& request) {
  ApiError conflict;
  Result<Json> out = ApplyConfiguration(live, config, request, &conflict);
  EXPECT_TRUE(out.ok()) << out.status().message();
  return out.ok() ? *out : Json();
}

std::string Managers(const Json& obj) {
  std::string out;
  for (const ManagerEntry& e : DecodeManagedFields(obj)) {
    out += e.manager + "/" + e.operation + (e.subresource.empty() ? "" : "/" + e.subresource) + " ";
  }
  return out;
}

TEST(ManagedFieldsTest, CreateRecordsTheCreator) {
  Json obj = Deploy(2, "nginx");
  obj["metadata"]["uid"] = "u";
  obj["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z";
  RecordUpdate(nullptr, obj, Json(), Deployments(), "", "kubectl-create", "2026-01-01T00:00:00Z");
  const Json& entry = obj["metadata"]["managedFields"][0];
  EXPECT_EQ(
      Dump(entry).substr(0, 101),
      R"({"manager":"kubectl-create","operation":"Update","apiVersion":"apps/v1","time":"2026-01-01T00:00:00Z")");
  EXPECT_EQ(entry["fieldsType"], "FieldsV1");
  // Server-owned metadata is never recorded.
  EXPECT_EQ(Dump(entry["fieldsV1"]["f:metadata"]), R"({"f:labels":{".":{},"f:app":{}}})");
  EXPECT_FALSE(entry["fieldsV1"].contains("f:apiVersion"));
}

TEST(ManagedFieldsTest, UpdateTakesChangedFieldsFromOthers) {
  Json live = Deploy(2, "nginx");
  RecordUpdate(nullptr, live, Json(), Deployments(), "", "creator", "2026-01-01T00:00:00Z");
  Json next = live;
  next["spec"]["replicas"] = 4;
  RecordUpdate(&live, next, next["metadata"]["managedFields"], Deployments(), "scale", "kubectl",
               "2026-01-01T00:00:01Z");
  EXPECT_EQ(Managers(next), "creator/Update kubectl/Update/scale ");
  std::vector<ManagerEntry> m = DecodeManagedFields(next);
  EXPECT_FALSE(
      m[0].set.Has({api::PathElement::Field("spec"), api::PathElement::Field("replicas")}));
  EXPECT_EQ(Dump(m[1].set.ToJson()), R"({"f:spec":{"f:replicas":{}}})");
  // No change: the entries stay as they are.
  Json again = next;
  RecordUpdate(&next, again, Json(), Deployments(), "", "other", "2026-01-01T00:00:02Z");
  EXPECT_EQ(again["metadata"]["managedFields"], next["metadata"]["managedFields"]);
}

// The creator changing fields it owns keeps its field set (written as it was) and takes the
// new time; a field it did not own yet joins its set.
TEST(ManagedFieldsTest, AnOwnerUpdatingItsFieldsKeepsItsSetWithANewTime) {
  Json live = Deploy(2, "nginx");
  RecordUpdate(nullptr, live, Json(), Deployments(), "", "creator", "2026-01-01T00:00:00Z");
  Json owned = live["metadata"]["managedFields"][0]["fieldsV1"];
  Json next = live;
  next["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  RecordUpdate(&live, next, next["metadata"]["managedFields"], Deployments(), "", "creator",
               "2026-01-01T00:00:05Z");
  ASSERT_EQ(next["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(next["metadata"]["managedFields"][0]["time"], "2026-01-01T00:00:05Z");
  EXPECT_EQ(next["metadata"]["managedFields"][0]["fieldsV1"], owned);

  Json more = next;
  more["spec"]["paused"] = true;
  RecordUpdate(&next, more, Json(), Deployments(), "", "creator", "2026-01-01T00:00:06Z");
  std::vector<ManagerEntry> m = DecodeManagedFields(more);
  ASSERT_EQ(m.size(), 1u);
  EXPECT_TRUE(m[0].set.Has({api::PathElement::Field("spec"), api::PathElement::Field("paused")}));
  EXPECT_TRUE(m[0].set.Has({api::PathElement::Field("spec"), api::PathElement::Field("replicas")}));
}

TEST(ManagedFieldsTest, ClientMayReplaceOrResetManagedFields) {
  Json live = Deploy(2, "nginx");
  RecordUpdate(nullptr, live, Json(), Deployments(), "", "creator", "t1");
  Json next = live;
  RecordUpdate(&live, next, Json::parse("[{}]"), Deployments(), "", "x", "t2");
  EXPECT_FALSE(next["metadata"].contains("managedFields"));
}

TEST(ManagedFieldsTest, ApplyConflictsWithAnotherManager) {
  Json live = MustApply(nullptr, Deploy(2, "nginx"), Request("kubectl"));
  Json other = Json::parse(
      R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":3}})");
  ApiError conflict;
  Result<Json> out = ApplyConfiguration(&live, other, Request("other"), &conflict);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(conflict.code, 409);
  EXPECT_EQ(conflict.reason, "Conflict");
  EXPECT_EQ(conflict.message,
            R"(Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas)");
  ASSERT_EQ(conflict.causes.size(), 1u);
  EXPECT_EQ(conflict.causes[0].reason, "FieldManagerConflict");
  EXPECT_EQ(conflict.causes[0].message, R"(conflict with "kubectl")");
  EXPECT_EQ(conflict.causes[0].field, ".spec.replicas");
  // The same value is shared ownership, not a conflict.
  other["spec"]["replicas"] = 2;
  Json shared = MustApply(&live, other, Request("other"));
  EXPECT_EQ(Managers(shared), "kubectl/Apply other/Apply ");
  // Forcing takes the field.
  other["spec"]["replicas"] = 3;
  Json forced = MustApply(&live, other, Request("other", true));
  EXPECT_EQ(forced["spec"]["replicas"], 3);
  std::vector<ManagerEntry> m = DecodeManagedFields(forced);
  EXPECT_FALSE(
      m[0].set.Has({api::PathElement::Field("spec"), api::PathElement::Field("replicas")}));
}

TEST(ManagedFieldsTest, ConflictsWithUpdatersNameTheirVersionAndSeveralAreListed) {
  Json live = Deploy(2, "nginx");
  RecordUpdate(nullptr, live, Json(), Deployments(), "", "kubectl-client-side-apply", "t1");
  ApiError conflict;
  Result<Json> out = ApplyConfiguration(&live, Deploy(3, "nginx:2"), Request("mine"), &conflict);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(conflict.message,
            "Apply failed with 2 conflicts: conflicts with \"kubectl-client-side-apply\" using "
            "apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name=\"nginx\"].image");
}

TEST(ManagedFieldsTest, ApplyRemovesWhatTheManagerStoppedApplying) {
  Json config = Deploy(2, "nginx");
  config["metadata"]["labels"]["tier"] = "front";
  config["spec"]["template"]["spec"]["containers"][0]["env"] =
      Json::parse(R"([{"name":"A","value":"1"}])");
  Json live = MustApply(nullptr, config, Request("kubectl"));
  Json next = MustApply(&live, Deploy(2, "nginx"), Request("kubectl"));
  EXPECT_FALSE(next["metadata"]["labels"].contains("tier"));
  EXPECT_FALSE(next["spec"]["template"]["spec"]["containers"][0].contains("env"));
  EXPECT_EQ(next["metadata"]["labels"]["app"], "web");
}

TEST(ManagedFieldsTest, KubectlTakesOverClientSideApplyWithoutConflicts) {
  Json live = Deploy(2, "nginx");
  Json last = Deploy(2, "nginx");
  live["metadata"]["annotations"] = {
      {"kubectl.kubernetes.io/last-applied-configuration", Dump(last)}};
  RecordUpdate(nullptr, live, Json(), Deployments(), "", "kubectl-client-side-apply", "t1");
  Json next = MustApply(&live, Deploy(4, "nginx"), Request("kubectl"));
  EXPECT_EQ(next["spec"]["replicas"], 4);
  // Another manager gets no such pass.
  ApiError conflict;
  EXPECT_FALSE(ApplyConfiguration(&live, Deploy(4, "nginx"), Request("helm"), &conflict).ok());
}

TEST(ManagedFieldsTest, ManagerComesFromTheParameterOrTheUserAgent) {
  http::Request http;
  http.headers.Add("User-Agent", "kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0");
  RequestContext ctx;
  ctx.http = &http;
  EXPECT_EQ(FieldManagerOf(ctx), "kubectl");
  ctx.query = Query("fieldManager=kubectl-edit");
  EXPECT_EQ(FieldManagerOf(ctx), "kubectl-edit");
}

}  // namespace
}  // namespace sampan::apiserver
