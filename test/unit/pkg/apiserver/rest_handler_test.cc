// RestHandler over a real SQLite store in a temp dir: the verbs, metadata rules, errors and
// resourceVersion semantics that kubectl and client libraries rely on.
#include "pkg/apiserver/rest_handler.h"

#include <gtest/gtest.h>

#include "test/unit/pkg/apiserver/rest_handler_fixture.h"

namespace sampan::apiserver {
namespace {

using api::Json;

class RestHandlerTest : public testing::RestHandlerFixture {
 protected:
  void SetUp() override {
    OpenRestHandler();
    // What the service-accounts controller makes: pods need their account (admission).
    ASSERT_TRUE(rest_
                    ->CreateObject(*api::Registry::Builtin().Find("", "v1", "serviceaccounts"),
                                   {{"metadata", {{"name", "default"}, {"namespace", "default"}}}})
                    .ok());
  }

  static Json Body(const Reply& r) { return Json::parse(r.body); }
};

const char* kCm = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":"v"}})";

TEST_F(RestHandlerTest, CreateSetsSystemFields) {
  Reply r = Call("POST", "/api/v1/namespaces/default/configmaps", kCm);
  ASSERT_EQ(r.code, 201) << r.body;
  Json obj = Body(r);
  EXPECT_EQ(obj["metadata"]["namespace"], "default");
  EXPECT_EQ(obj["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(obj["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(obj["metadata"]["creationTimestamp"].get<std::string>().back(), 'Z');
  EXPECT_FALSE(obj["metadata"].contains("generation"));  // no spec, no generation

  Reply dup = Call("POST", "/api/v1/namespaces/default/configmaps", kCm);
  EXPECT_EQ(dup.code, 409);
  EXPECT_EQ(Body(dup)["reason"], "AlreadyExists");
  EXPECT_EQ(Body(dup)["message"], "configmaps \"c\" already exists");

  Reply gen = Call("POST", "/api/v1/namespaces/default/configmaps",
                   R"({"metadata":{"generateName":"web-"}})");
  ASSERT_EQ(gen.code, 201);
  std::string name = Body(gen)["metadata"]["name"];
  EXPECT_EQ(name.size(), 9u);
  EXPECT_TRUE(name.starts_with("web-"));
}

TEST_F(RestHandlerTest, ServiceAccountAdmission) {
  const char* pod =
      R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"i"}]}})";
  Reply r = Call("POST", "/api/v1/namespaces/default/pods", pod);
  ASSERT_EQ(r.code, 201) << r.body;
  Json spec = Body(r)["spec"];
  EXPECT_EQ(spec["serviceAccountName"], "default");
  ASSERT_EQ(spec["volumes"].size(), 1u);
  std::string volume = spec["volumes"][0]["name"];
  EXPECT_TRUE(volume.starts_with("kube-api-access-"));
  EXPECT_EQ(
      spec["volumes"][0]["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"],
      3607);
  EXPECT_EQ(spec["containers"][0]["volumeMounts"][0],
            Json({{"name", volume},
                  {"readOnly", true},
                  {"mountPath", "/var/run/secrets/kubernetes.io/serviceaccount"}}));
  r = Call("POST", "/api/v1/namespaces/default/pods",
           R"({"metadata":{"name":"q"},"spec":{"serviceAccountName":"ghost",)"
           R"("containers":[{"name":"c","image":"i"}]}})");
  EXPECT_EQ(r.code, 403);
  EXPECT_EQ(Body(r)["message"],
            "pods \"q\" is forbidden: error looking up service account default/ghost: "
            "serviceaccount \"ghost\" not found");
  r = Call("POST", "/api/v1/namespaces/default/pods",
           R"({"metadata":{"name":"s"},"spec":{"automountServiceAccountToken":false,)"
           R"("containers":[{"name":"c","image":"i"}]}})");
  ASSERT_EQ(r.code, 201);
  EXPECT_FALSE(Body(r)["spec"].contains("volumes"));
}

TEST_F(RestHandlerTest, CreateErrors) {
  Reply r = Call("POST", "/api/v1/namespaces/nope/configmaps", kCm);
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(Body(r)["message"], "namespaces \"nope\" not found");
  r = Call("POST", "/api/v1/namespaces/default/configmaps", "{not json");
  EXPECT_EQ(r.code, 400);
  EXPECT_EQ(Body(r)["kind"], "Status");
  r = Call("POST", "/api/v1/namespaces/default/configmaps",
           R"({"apiVersion":"apps/v1","kind":"ConfigMap","metadata":{"name":"x"}})");
  EXPECT_EQ(r.code, 400);
  r = Call("POST", "/api/v1/namespaces/default/configmaps", R"({"metadata":{}})");
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(Body(r)["details"]["causes"][0]["field"], "metadata.name");
  r = Call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
           R"({"metadata":{"name":"a","name":"b"}})");
  EXPECT_EQ(r.code, 400);
  EXPECT_NE(Body(r)["message"].get<std::string>().find("duplicate field \"name\""), std::string::npos);
  r = Call("POST", "/api/v1/namespaces/default/configmaps", kCm, "application/x-protobuf");
  EXPECT_EQ(r.code, 415);
  r = Call("POST", "/api/v1/namespaces/default/configmaps",
           R"({"metadata":{"name":"rv","resourceVersion":"5"}})");
  EXPECT_EQ(r.code, 500);  // as upstream: "resourceVersion should not be set on objects to be created"
}

TEST_F(RestHandlerTest, UpdateConcurrencyAndGeneration) {
  const char* dep = R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},
    "spec":{"replicas":1,"selector":{"matchLabels":{"a":"b"}},
            "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})";
  Reply r = Call("POST", "/apis/apps/v1/namespaces/default/deployments", dep);
  ASSERT_EQ(r.code, 201) << r.body;
  Json obj = Body(r);
  EXPECT_EQ(obj["metadata"]["generation"], 1);
  EXPECT_EQ(obj["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"], "25%");
  EXPECT_EQ(obj["spec"]["revisionHistoryLimit"], 10);
  EXPECT_EQ(obj["spec"]["template"]["spec"]["restartPolicy"], "Always");
  EXPECT_EQ(obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "Always");

  Json stale = obj;
  obj["spec"]["replicas"] = 3;
  r = Call("PUT", "/apis/apps/v1/namespaces/default/deployments/d", obj.dump());
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Body(r)["metadata"]["generation"], 2);
  stale["spec"]["replicas"] = 5;
  r = Call("PUT", "/apis/apps/v1/namespaces/default/deployments/d", stale.dump());
  EXPECT_EQ(r.code, 409);
  EXPECT_NE(Body(r)["message"].get<std::string>().find("the object has been modified"), std::string::npos);

  // Metadata-only changes keep the generation; the selector is immutable.
  Json cur = Body(Call("GET", "/apis/apps/v1/namespaces/default/deployments/d"));
  cur["metadata"]["labels"] = {{"x", "y"}};
  r = Call("PUT", "/apis/apps/v1/namespaces/default/deployments/d", cur.dump());
  EXPECT_EQ(Body(r)["metadata"]["generation"], 2);
  cur = Body(r);
  cur["spec"]["selector"]["matchLabels"]["a"] = "z";
  cur["spec"]["template"]["metadata"]["labels"]["a"] = "z";
  r = Call("PUT", "/apis/apps/v1/namespaces/default/deployments/d", cur.dump());
  EXPECT_EQ(r.code, 422);
  EXPECT_NE(r.body.find("field is immutable"), std::string::npos);
}

TEST_F(RestHandlerTest, StatusAndScaleSubresources) {
  const char* rs = R"({"metadata":{"name":"r"},"spec":{"replicas":2,"selector":{"matchLabels":{"a":"b"}},
    "template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"x"}]}}}})";
  ASSERT_EQ(Call("POST", "/apis/apps/v1/namespaces/default/replicasets", rs).code, 201);
  // Status writes through /status change only status; spec changes are ignored there.
  Json cur = Body(Call("GET", "/apis/apps/v1/namespaces/default/replicasets/r"));
  cur["status"] = {{"replicas", 2}, {"readyReplicas", 1}};
  cur["spec"]["replicas"] = 9;
  Reply r = Call("PUT", "/apis/apps/v1/namespaces/default/replicasets/r/status", cur.dump());
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Body(r)["status"]["readyReplicas"], 1);
  EXPECT_EQ(Body(r)["spec"]["replicas"], 2);
  // ...and the main resource ignores status.
  cur = Body(r);
  cur["status"]["readyReplicas"] = 0;
  r = Call("PUT", "/apis/apps/v1/namespaces/default/replicasets/r", cur.dump());
  EXPECT_EQ(Body(r)["status"]["readyReplicas"], 1);

  r = Call("GET", "/apis/apps/v1/namespaces/default/replicasets/r/scale");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(Body(r)["kind"], "Scale");
  EXPECT_EQ(Body(r)["spec"]["replicas"], 2);
  EXPECT_EQ(Body(r)["status"]["selector"], "a=b");
  r = Call("PATCH", "/apis/apps/v1/namespaces/default/replicasets/r/scale",
           R"({"spec":{"replicas":4}})", "application/merge-patch+json");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Body(Call("GET", "/apis/apps/v1/namespaces/default/replicasets/r"))["spec"]["replicas"], 4);
}

TEST_F(RestHandlerTest, FinalizersDelayDeletion) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps",
                 R"({"metadata":{"name":"f","finalizers":["example.com/hold"]}})").code, 201);
  Reply r = Call("DELETE", "/api/v1/namespaces/default/configmaps/f");
  ASSERT_EQ(r.code, 200);
  EXPECT_TRUE(Body(r)["metadata"].contains("deletionTimestamp"));
  Json cur = Body(Call("GET", "/api/v1/namespaces/default/configmaps/f"));
  EXPECT_TRUE(cur["metadata"].contains("deletionTimestamp"));
  // The deletion timestamp cannot be removed; adding finalizers while deleting is refused.
  Json add = cur;
  add["metadata"]["finalizers"].push_back("example.com/more");
  EXPECT_EQ(Call("PUT", "/api/v1/namespaces/default/configmaps/f", add.dump()).code, 422);
  cur["metadata"]["finalizers"] = Json::array();
  r = Call("PUT", "/api/v1/namespaces/default/configmaps/f", cur.dump());
  EXPECT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps/f").code, 404);
}

TEST_F(RestHandlerTest, UpdatesKeepAPodInGracefulDeletion) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"g"},"spec":{"nodeName":"n1",
                     "containers":[{"name":"c","image":"busybox"}]}})")
                .code,
            201);
  ASSERT_EQ(Call("DELETE", "/api/v1/namespaces/default/pods/g").code, 200);
  // Its kubelet has yet to stop it: a status write (the kubelet's, or a controller's) must
  // not complete the deletion, though no finalizer holds it.
  Reply r = Call("PATCH", "/api/v1/namespaces/default/pods/g/status",
                 R"({"status":{"conditions":[{"type":"Ready","status":"False"}]}})",
                 "application/merge-patch+json");
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/pods/g").code, 200);
  ASSERT_EQ(Call("DELETE", "/api/v1/namespaces/default/pods/g", R"({"gracePeriodSeconds":0})")
                .code,
            200);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/pods/g").code, 404);
}

// A pod's spec is immutable but for images, the active deadline, tolerations and the grace
// period; field order alone is no change.
TEST_F(RestHandlerTest, PodSpecChangesOnlyWhereUpstreamAllows) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"m"},"spec":{"containers":[
                     {"name":"a","image":"busybox","args":["x"]},{"name":"b","image":"nginx"}],
                     "initContainers":[{"name":"i","image":"busybox"}]}})")
                .code,
            201);
  auto patch = [&](const std::string& body) {
    return Call("PATCH", "/api/v1/namespaces/default/pods/m", body,
                "application/strategic-merge-patch+json");
  };
  for (const char* allowed :
       {R"({"spec":{"containers":[{"name":"b","image":"nginx:2"}]}})",
        R"({"spec":{"initContainers":[{"name":"i","image":"busybox:2"}]}})",
        R"({"spec":{"activeDeadlineSeconds":30,"terminationGracePeriodSeconds":5}})",
        R"({"spec":{"tolerations":[{"key":"k","operator":"Exists"}]}})"}) {
    Reply r = patch(allowed);
    EXPECT_EQ(r.code, 200) << allowed << "\n" << r.body;
  }
  for (const char* forbidden :
       {R"({"spec":{"containers":[{"name":"a","args":["y"]}]}})",
        R"({"spec":{"containers":[{"name":"c","image":"busybox"}]}})",
        R"({"spec":{"initContainers":[{"name":"i","command":["sh"]}]}})",
        R"({"spec":{"hostname":"h"}})"}) {
    Reply r = patch(forbidden);
    EXPECT_EQ(r.code, 422) << forbidden;
    EXPECT_NE(r.body.find("pod updates may not change fields other than"), std::string::npos)
        << r.body;
  }
  Reply got = Call("GET", "/api/v1/namespaces/default/pods/m");
  EXPECT_NE(got.body.find("nginx:2"), std::string::npos);
  EXPECT_NE(got.body.find("busybox:2"), std::string::npos);
  EXPECT_EQ(got.body.find("hostname"), std::string::npos);
}

// A write answers with the object as stored, byte for byte what a get returns next.
TEST_F(RestHandlerTest, WritesAnswerWhatAGetReturns) {
  Reply created = Call("POST", "/api/v1/namespaces/default/configmaps",
                       R"({"data":{"k":"v"},"metadata":{"name":"same","labels":{"a":"b"}}})");
  ASSERT_EQ(created.code, 201) << created.body;
  EXPECT_EQ(created.body, Call("GET", "/api/v1/namespaces/default/configmaps/same").body);
  Reply patched = Call("PATCH", "/api/v1/namespaces/default/configmaps/same",
                       R"({"data":{"k":"w"}})", "application/merge-patch+json");
  ASSERT_EQ(patched.code, 200) << patched.body;
  EXPECT_NE(patched.body.find(R"("k":"w")"), std::string::npos);
  EXPECT_EQ(patched.body, Call("GET", "/api/v1/namespaces/default/configmaps/same").body);
  EXPECT_NE(patched.body, created.body);
}

// Empty omitempty fields do not survive a write, as upstream's typed decoding drops them:
// `kubectl diff` patches `"annotations": {}` into an object that has none and must then
// see no difference.
TEST_F(RestHandlerTest, WritesDropEmptyFieldsAsTypedDecodingDoes) {
  Reply created = Call(
      "POST", "/api/v1/namespaces/default/configmaps",
      R"({"metadata":{"name":"e","labels":{},"finalizers":[]},"data":{"k":"v"},"binaryData":{}})");
  ASSERT_EQ(created.code, 201) << created.body;
  EXPECT_EQ(created.body.find("labels"), std::string::npos) << created.body;
  EXPECT_EQ(created.body.find("finalizers"), std::string::npos) << created.body;
  EXPECT_EQ(created.body.find("binaryData"), std::string::npos) << created.body;

  Reply diff = Call("PATCH", "/api/v1/namespaces/default/configmaps/e?dryRun=All",
                    R"({"metadata":{"annotations":{}}})", "application/strategic-merge-patch+json");
  ASSERT_EQ(diff.code, 200) << diff.body;
  EXPECT_EQ(nlohmann::json::parse(diff.body),  // key order aside
            nlohmann::json::parse(Call("GET", "/api/v1/namespaces/default/configmaps/e").body));

  Reply put = Call("PUT", "/api/v1/namespaces/default/configmaps/e",
                   R"({"metadata":{"name":"e","annotations":{}},"data":{}})");
  ASSERT_EQ(put.code, 200) << put.body;
  EXPECT_FALSE(Body(put)["metadata"].contains("annotations")) << put.body;
  EXPECT_FALSE(Body(put).contains("data")) << put.body;

  Reply applied = Call("PATCH", "/api/v1/namespaces/default/configmaps/e?fieldManager=m",
                       R"({"apiVersion":"v1","kind":"ConfigMap",)"
                       R"("metadata":{"name":"e","labels":{}},"data":{"a":"b"}})",
                       "application/apply-patch+yaml");
  ASSERT_EQ(applied.code, 200) << applied.body;
  EXPECT_EQ(Body(applied)["data"], Json({{"a", "b"}}));
  EXPECT_FALSE(Body(applied)["metadata"].contains("labels")) << applied.body;

  // Custom resources keep what they are given, as upstream's unstructured objects do: the
  // rule is the built-in types' Go encoding, not a general one.
}

TEST_F(RestHandlerTest, DryRunTakesOnlyAllAndNeverWritesOnAnotherValue) {
  const std::string cms = "/api/v1/namespaces/default/configmaps";
  Reply r = Call("POST", cms + "?dryRun=All", kCm);
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(Call("GET", cms + "/c").code, 404);  // a dry run stores nothing

  r = Call("POST", cms + "?dryRun=all", kCm);  // not "All": refused, not written
  ASSERT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(Body(r)["message"],
            "CreateOptions.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: "
            "[]string{\"all\"}: supported values: \"All\"");
  EXPECT_EQ(Body(r)["details"]["causes"][0]["field"], "dryRun");
  EXPECT_EQ(Call("GET", cms + "/c").code, 404);

  ASSERT_EQ(Call("POST", cms, kCm).code, 201);
  r = Call("PUT", cms + "/c?dryRun=All&dryRun=x", kCm);
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(Body(r)["details"]["kind"], "UpdateOptions");
  r = Call("PATCH", cms + "/c?dryRun=", R"({"data":{"k":"w"}})", "application/merge-patch+json");
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(Body(r)["details"]["kind"], "PatchOptions");
  r = Call("DELETE", cms + "/c", R"({"dryRun":["Al"]})");
  EXPECT_EQ(r.code, 422) << r.body;
  EXPECT_EQ(Body(r)["details"]["kind"], "DeleteOptions");
  r = Call("DELETE", cms + "/c", R"({"dryRun":["All"]})");
  EXPECT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(Body(Call("GET", cms + "/c"))["data"]["k"], "v");  // untouched by all of these
}

TEST_F(RestHandlerTest, ListPagingAndResourceVersions) {
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps",
                   R"({"metadata":{"name":"p)" + std::to_string(i) +
                       R"(","labels":{"even":")" + (i % 2 ? "no" : "yes") + R"("}}})").code,
              201);
  }
  Reply r = Call("GET", "/api/v1/namespaces/default/configmaps?limit=3");
  Json page = Body(r);
  ASSERT_EQ(page["items"].size(), 3u);
  std::string cont = page["metadata"]["continue"];
  std::vector<std::string> names;
  for (;;) {
    for (auto& i : page["items"]) names.push_back(i["metadata"]["name"]);
    if (!page["metadata"].contains("continue")) break;
    // A create between pages does not appear: pages share one snapshot.
    Call("POST", "/api/v1/namespaces/default/configmaps",
         R"({"metadata":{"name":"z)" + std::to_string(names.size()) + R"("}})");
    page = Body(Call("GET", "/api/v1/namespaces/default/configmaps?limit=3&continue=" +
                                page["metadata"]["continue"].get<std::string>()));
  }
  EXPECT_EQ(names.size(), 7u);

  Json even = Body(Call("GET", "/api/v1/namespaces/default/configmaps?labelSelector=even%3Dyes&limit=2"));
  EXPECT_EQ(even["items"].size(), 2u);
  EXPECT_TRUE(even["metadata"].contains("continue"));

  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps?continue=" + cont +
                            "&resourceVersion=5").code, 400);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps?resourceVersionMatch=Exact").code, 400);
  Reply bad_limit = Call("GET", "/api/v1/namespaces/default/configmaps?limit=ten");
  EXPECT_EQ(bad_limit.code, 400);
  EXPECT_EQ(Body(bad_limit)["message"], "strconv.ParseInt: parsing \"ten\": invalid syntax");
  EXPECT_EQ(Call("DELETE", "/api/v1/namespaces/default/configmaps/p0?gracePeriodSeconds=soon").code,
            400);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps/p0").code, 200);  // not deleted
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/default/configmaps?fieldSelector=data.k%3Dv").code, 400);

  // Exact reads of compacted history are 410 Gone.
  int64_t old_rv = std::stoll(Body(Call("GET", "/api/v1/namespaces/default/configmaps"))["metadata"]["resourceVersion"].get<std::string>()) - 3;
  ASSERT_TRUE(store_->Compact(store_->CurrentRevision()).ok());
  r = Call("GET", "/api/v1/namespaces/default/configmaps?resourceVersion=" + std::to_string(old_rv) +
                      "&resourceVersionMatch=Exact");
  EXPECT_EQ(r.code, 410);
  EXPECT_EQ(Body(r)["reason"], "Expired");
}

TEST_F(RestHandlerTest, HorizontalPodAutoscalerVersionsShareStorage) {
  const char* v2 = R"({"metadata":{"name":"h2"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1",
    "kind":"Deployment","name":"d"},"minReplicas":1,"maxReplicas":5,"metrics":[{"type":"Resource",
    "resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":60}}}]}})";
  ASSERT_EQ(Call("POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", v2).code, 201);
  Json as_v1 = Body(Call("GET", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/h2"));
  EXPECT_EQ(as_v1["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(as_v1["spec"]["targetCPUUtilizationPercentage"], 60);
  EXPECT_FALSE(as_v1["spec"].contains("metrics"));

  const char* v1 = R"({"metadata":{"name":"h1"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1",
    "kind":"Deployment","name":"d"},"maxReplicas":3,"targetCPUUtilizationPercentage":75}})";
  ASSERT_EQ(Call("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers", v1).code, 201);
  Json list = Body(Call("GET", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers"));
  ASSERT_EQ(list["items"].size(), 2u);
  Json& h1 = list["items"][0];
  EXPECT_EQ(h1["apiVersion"], "autoscaling/v2");
  EXPECT_EQ(h1["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"], 75);
}

TEST_F(RestHandlerTest, EventVersionsShareStorage) {
  const char* core = R"({"apiVersion":"v1","kind":"Event","metadata":{"name":"e1"},
      "involvedObject":{"kind":"Pod","name":"p"},"reason":"Started","message":"hi","count":2})";
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/events", core).code, 201);
  Json as_events = Body(Call("GET", "/apis/events.k8s.io/v1/namespaces/default/events/e1"));
  EXPECT_EQ(as_events["apiVersion"], "events.k8s.io/v1");
  EXPECT_EQ(as_events["regarding"]["name"], "p");
  EXPECT_EQ(as_events["note"], "hi");
  EXPECT_EQ(as_events["deprecatedCount"], 2);
  EXPECT_FALSE(as_events.contains("message"));

  const char* events = R"({"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e2"},
      "regarding":{"kind":"Pod","name":"q"},"reason":"Pulled","note":"pulled",
      "reportingController":"kubelet","eventTime":"2026-11-27T08:00:00.000000Z"})";
  Reply created = Call("POST", "/apis/events.k8s.io/v1/namespaces/default/events", events);
  ASSERT_EQ(created.code, 201) << created.body;
  EXPECT_EQ(Body(created)["note"], "pulled");  // the reply is in the version written
  Json list = Body(Call("GET", "/api/v1/namespaces/default/events"));
  ASSERT_EQ(list["items"].size(), 2u);
  const Json& e2 = list["items"][1];
  EXPECT_EQ(e2["apiVersion"], "v1");
  EXPECT_EQ(e2["involvedObject"]["name"], "q");
  EXPECT_EQ(e2["message"], "pulled");
  EXPECT_EQ(e2["reportingComponent"], "kubelet");
}

TEST_F(RestHandlerTest, FieldValidationModes) {
  const char* odd = R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME","bogus":1},
      "data":{"k":"v"},"extra":true})";
  auto body = [&](const char* name) {
    std::string b = odd;
    return b.replace(b.find("NAME"), 4, name);
  };
  Reply strict = Call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
                      body("strict"));
  EXPECT_EQ(strict.code, 400);
  EXPECT_EQ(Body(strict)["message"],
            "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: "
            "unknown field \"metadata.bogus\", unknown field \"extra\"");

  Reply warn = Call("POST", "/api/v1/namespaces/default/configmaps", body("warn"));
  ASSERT_EQ(warn.code, 201) << warn.body;
  EXPECT_EQ(warn.headers.Get("Warning"), "299 - \"unknown field \\\"metadata.bogus\\\"\"");
  EXPECT_FALSE(Body(warn).contains("extra"));  // dropped, as upstream's typed decoding does
  EXPECT_FALSE(Body(Call("GET", "/api/v1/namespaces/default/configmaps/warn")).contains("extra"));

  Reply ignore = Call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Ignore",
                      body("ignore"));
  ASSERT_EQ(ignore.code, 201);
  EXPECT_FALSE(ignore.headers.Has("Warning"));
  EXPECT_EQ(Call("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Bad", kCm).code,
            400);
}

TEST_F(RestHandlerTest, BindingAssignsAPodOnce) {
  ASSERT_EQ(Call("POST", "/api/v1/namespaces/default/pods",
                 R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}]}})").code,
            201);
  const char* to_n1 = R"({"apiVersion":"v1","kind":"Binding","metadata":{"name":"p"},"target":{"name":"n1"}})";
  Reply r = Call("POST", "/api/v1/namespaces/default/pods/p/binding", to_n1);
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(Body(Call("GET", "/api/v1/namespaces/default/pods/p"))["spec"]["nodeName"], "n1");
  r = Call("POST", "/api/v1/namespaces/default/pods/p/binding",
           R"({"metadata":{"name":"p"},"target":{"name":"n2"}})");
  EXPECT_EQ(r.code, 409);
  EXPECT_NE(Body(r)["message"].get<std::string>().find("already assigned to node \"n1\""),
            std::string::npos);
  // Other updates still may not move a pod.
  Json pod = Body(Call("GET", "/api/v1/namespaces/default/pods/p"));
  pod["spec"]["nodeName"] = "n3";
  EXPECT_EQ(Call("PUT", "/api/v1/namespaces/default/pods/p", pod.dump()).code, 422);
}

TEST_F(RestHandlerTest, BootstrapCreatedBuiltins) {
  Json ns = Body(Call("GET", "/api/v1/namespaces"));
  std::vector<std::string> names;
  for (auto& i : ns["items"]) names.push_back(i["metadata"]["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"default", "kube-node-lease", "kube-public", "kube-system"}));
  Json svc = Body(Call("GET", "/api/v1/namespaces/default/services/kubernetes"));
  EXPECT_EQ(svc["spec"]["clusterIP"], "10.43.0.1");
  // A second bootstrap (restart) changes nothing and fails nothing.
  EXPECT_TRUE(Bootstrap(*rest_, *services_, "127.0.0.1", 6443).ok());
}

}  // namespace
}  // namespace sampan::apiserver
