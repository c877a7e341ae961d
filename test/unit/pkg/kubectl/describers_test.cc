#include "pkg/kubectl/describers.h"

#include <gtest/gtest.h>
#include <time.h>

#include <cstdlib>

#include "pkg/kubectl/describe_util.h"
#include "pkg/util/time_format.h"

namespace sampan::kubectl {
namespace {

using api::Json;

class DescribersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  Clock::time_point now_ = *ParseRfc3339("2026-01-02T03:10:00Z");
};

TEST_F(DescribersTest, PodInKubectlLayout) {
  Json pod = Json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "labels": {"b": "2", "a": "1"},
                 "ownerReferences": [{"kind": "ReplicaSet", "name": "web-1", "controller": true}]},
    "spec": {"nodeName": "n1", "priority": 0, "serviceAccountName": "default",
             "containers": [{"name": "c", "image": "busybox",
                             "env": [{"name": "N", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
                             "resources": {"limits": {"memory": "64Mi"}}}],
             "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]},
    "status": {"phase": "Running", "hostIP": "10.0.0.1", "podIP": "10.42.0.5",
               "podIPs": [{"ip": "10.42.0.5"}], "startTime": "2026-01-02T03:04:05Z",
               "qosClass": "Burstable",
               "conditions": [{"type": "Ready", "status": "True"}],
               "containerStatuses": [{"name": "c", "ready": true, "restartCount": 2,
                                      "containerID": "sampan://abc", "imageID": "img@sha256:1",
                                      "state": {"running": {"startedAt": "2026-01-02T03:04:06Z"}}}]}})");
  std::vector<Json> events = {Json::parse(
      R"({"type": "Normal", "reason": "Started", "message": "Started container c ",
          "source": {"component": "kubelet"}, "count": 3,
          "firstTimestamp": "2026-01-02T03:05:00Z", "lastTimestamp": "2026-01-02T03:09:00Z"})")};
  EXPECT_EQ(DescribePod(pod, events, now_),
            "Name:             web\n"
            "Namespace:        default\n"
            "Priority:         0\n"
            "Service Account:  default\n"
            "Node:             n1/10.0.0.1\n"
            "Start Time:       Fri, 02 Jan 2026 03:04:05 +0000\n"
            "Labels:           a=1\n"
            "                  b=2\n"
            "Annotations:      <none>\n"
            "Status:           Running\n"
            "IP:               10.42.0.5\n"
            "IPs:\n"
            "  IP:           10.42.0.5\n"
            "Controlled By:  ReplicaSet/web-1\n"
            "Containers:\n"
            "  c:\n"
            "    Container ID:   sampan://abc\n"
            "    Image:          busybox\n"
            "    Image ID:       img@sha256:1\n"
            "    Port:           <none>\n"
            "    Host Port:      <none>\n"
            "    State:          Running\n"
            "      Started:      Fri, 02 Jan 2026 03:04:06 +0000\n"
            "    Ready:          True\n"
            "    Restart Count:  2\n"
            "    Limits:\n"
            "      memory:  64Mi\n"
            "    Environment:\n"
            "      N:     web (:metadata.name)\n"
            "    Mounts:  <none>\n"
            "Conditions:\n"
            // One tabwriter block runs on to the lines below it, as in kubectl.
            "  Type           Status\n"
            "  Ready          True \n"
            "Volumes:         <none>\n"
            "QoS Class:       Burstable\n"
            "Node-Selectors:  <none>\n"
            "Tolerations:     k:NoExecute op=Exists for 300s\n"
            "Events:\n"
            "  Type    Reason   Age               From     Message\n"
            "  ----    ------   ----              ----     -------\n"
            "  Normal  Started  60s (x3 over 5m)  kubelet  Started container c\n");
}

TEST_F(DescribersTest, TaintsSortByEffectThenKey) {
  TabWriter out;
  PrefixWriter w(out);
  PrintTaints(
      w, "Taints",
      Json::parse(
          R"([{"key":"b","effect":"NoSchedule"},{"key":"a","value":"v","effect":"NoExecute"}])"));
  EXPECT_EQ(out.Flush(), "Taints:  a=v:NoExecute\n         b:NoSchedule\n");
}

TEST_F(DescribersTest, PodTemplateIsLeftUnaligned) {
  Json tmpl = Json::parse(R"({"metadata": {"labels": {"app": "x"}},
                              "spec": {"containers": [{"name": "c", "image": "i"}]}})");
  EXPECT_EQ(DescribePodTemplateText(tmpl),
            "Pod Template:\n  Labels:\tapp=x\n  Containers:\n   c:\n    Image:\ti\n"
            "    Port:\t<none>\n    Host Port:\t<none>\n    Environment:\t<none>\n"
            "    Mounts:\t<none>\n  Volumes:\t<none>\n  Node-Selectors:\t<none>\n"
            "  Tolerations:\t<none>\n");
}

TEST_F(DescribersTest, DeploymentSplitsNewAndOldReplicaSets) {
  Json d = Json::parse(R"({
    "metadata": {"name": "web", "namespace": "default", "creationTimestamp": "2026-01-02T03:00:00Z"},
    "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
             "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": 1}},
             "template": {"metadata": {"labels": {"app": "web"}},
                          "spec": {"containers": [{"name": "c", "image": "v2"}]}}},
    "status": {"replicas": 2, "updatedReplicas": 2, "availableReplicas": 1, "unavailableReplicas": 1}})");
  auto rs = [](const std::string& name, const std::string& image, int replicas) {
    return Json{
        {"metadata",
         {{"name", name},
          {"creationTimestamp", "2026-01-02T03:00:0" + std::to_string(replicas) + "Z"}}},
        {"spec",
         {{"replicas", replicas},
          {"template",
           {{"metadata", {{"labels", {{"app", "web"}, {"pod-template-hash", name}}}}},
            {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", image}}})}}}}}}},
        {"status", {{"replicas", replicas}}}};
  };
  std::string text = DescribeDeployment(d, {rs("web-1", "v1", 0), rs("web-2", "v2", 2)}, {}, now_);
  EXPECT_NE(text.find("Selector:               app=web\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Replicas:               2 desired | 2 updated | 2 total | 1 available | 1 "
                      "unavailable\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("RollingUpdateStrategy:  25% max unavailable, 1 max surge\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("OldReplicaSets:    web-1 (0/0 replicas created)\n"
                      "NewReplicaSet:     web-2 (2/2 replicas created)\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace sampan::kubectl
