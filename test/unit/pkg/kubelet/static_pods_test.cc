#include "pkg/kubelet/static_pods.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace sampan::kubelet {
namespace {

constexpr char kManifest[] = R"(
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - {name: main, image: "busybox:1.36", command: [sleep, "3600"]}
)";

TEST(StaticPodsTest, NamesBindsDefaultsAndTolerates) {
  Result<api::Json> pod = LoadStaticPod(kManifest, "/m/web.yaml", "node-a");
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  const api::Json& meta = (*pod)["metadata"];
  EXPECT_EQ(meta["name"], "web-node-a");
  EXPECT_EQ(meta["namespace"], "default");
  EXPECT_EQ(meta["labels"]["app"], "web");
  EXPECT_EQ(meta["annotations"][kConfigSourceAnnotation], "file");
  EXPECT_EQ(meta["annotations"][kConfigHashAnnotation], meta["uid"]);
  EXPECT_EQ(api::GetString(meta, "uid").size(), 32u);
  const api::Json& spec = (*pod)["spec"];
  EXPECT_EQ(spec["nodeName"], "node-a");
  EXPECT_EQ(spec["restartPolicy"], "Always");
  EXPECT_EQ(spec["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(spec["tolerations"].back(),
            api::Json({{"operator", "Exists"}, {"effect", "NoExecute"}}));
  EXPECT_TRUE(IsStaticPod(*pod));
  EXPECT_FALSE(IsMirrorPod(*pod));
}

TEST(StaticPodsTest, TheUidFollowsTheFileNodeAndPath) {
  std::string same = LoadStaticPod(kManifest, "/m/web.yaml", "a")->at("metadata")["uid"];
  EXPECT_EQ(LoadStaticPod(kManifest, "/m/web.yaml", "a")->at("metadata")["uid"], same);
  EXPECT_NE(LoadStaticPod(kManifest, "/m/web.yaml", "b")->at("metadata")["uid"], same);
  EXPECT_NE(LoadStaticPod(kManifest, "/m/other.yaml", "a")->at("metadata")["uid"], same);
  std::string edited = kManifest;
  edited.replace(edited.find("3600"), 4, "3601");
  EXPECT_NE(LoadStaticPod(edited, "/m/web.yaml", "a")->at("metadata")["uid"], same);
}

TEST(StaticPodsTest, ServerOwnedFieldsFromTheFileAreDropped) {
  Result<api::Json> pod = LoadStaticPod(
      R"({"metadata":{"name":"x","namespace":"kube-system","uid":"mine","resourceVersion":"9"},
          "spec":{"containers":[{"name":"c","image":"i"}]},"status":{"phase":"Failed"}})",
      "/m/x.json", "n");
  ASSERT_TRUE(pod.ok()) << pod.status().message();
  EXPECT_EQ((*pod)["metadata"]["namespace"], "kube-system");
  EXPECT_NE((*pod)["metadata"]["uid"], "mine");
  EXPECT_FALSE((*pod)["metadata"].contains("resourceVersion"));
  EXPECT_FALSE(pod->contains("status"));
}

TEST(StaticPodsTest, BadManifestsSayWhatIsWrong) {
  auto error = [](std::string_view text) {
    Result<api::Json> pod = LoadStaticPod(text, "/m/f", "n");
    return pod.ok() ? std::string("ok") : pod.status().message();
  };
  EXPECT_NE(error("{not: ["), "ok");
  EXPECT_EQ(error("[1, 2]"), "not an object");
  EXPECT_EQ(error("kind: Service\nmetadata: {name: s}"), "kind is Service, want Pod");
  EXPECT_EQ(error("metadata: {}\nspec: {containers: [{name: c, image: i}]}"),
            "metadata.name: Required value");
  EXPECT_EQ(error("metadata: {name: x}\nspec: {containers: []}"),
            "spec.containers: Required value");
  EXPECT_EQ(error("metadata: {name: x}\nspec: {containers: [{name: c}]}"),
            "spec.containers[0].image: Required value");
  EXPECT_NE(error("metadata: {name: x}\nspec: {containers: [{name: Bad_Name, image: i}]}")
                .find("spec.containers[0].name: Invalid value"),
            std::string::npos);
}

TEST(StaticPodsTest, TheMirrorPodPointsAtItsStaticPodAndNode) {
  api::Json pod = *LoadStaticPod(kManifest, "/m/web.yaml", "node-a");
  api::Json mirror = MirrorPodFor(pod, "node-uid");
  EXPECT_FALSE(mirror["metadata"].contains("uid"));
  EXPECT_EQ(MirrorHash(mirror), pod["metadata"]["uid"]);
  EXPECT_TRUE(IsMirrorPod(mirror));
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["kind"], "Node");
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["name"], "node-a");
  EXPECT_EQ(mirror["metadata"]["ownerReferences"][0]["uid"], "node-uid");
  EXPECT_EQ(mirror["spec"], pod["spec"]);
}

TEST(StaticPodsTest, ScanSkipsHiddenFilesAndFoldersAndReportsBrokenOnes) {
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("static-pods-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "sub");
  std::ofstream(dir / "web.yaml") << kManifest;
  std::ofstream(dir / ".web.yaml.swp") << kManifest;
  std::ofstream(dir / "bad.yaml") << "metadata: {name: x}";
  StaticPodScan scan = ScanStaticPods(dir, "n");
  EXPECT_EQ(scan.pods.size(), 1u);
  EXPECT_EQ(scan.pods.count(dir / "web.yaml"), 1u);
  ASSERT_EQ(scan.errors.size(), 1u);
  EXPECT_EQ(scan.errors.begin()->first, dir / "bad.yaml");
  EXPECT_TRUE(ScanStaticPods(dir / "missing", "n").pods.empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace sampan::kubelet
