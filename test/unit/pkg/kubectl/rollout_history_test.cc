#include "pkg/kubectl/rollout_history.h"

#include <gtest/gtest.h>

namespace sampan::kubectl {
namespace {

using api::Json;

Json Rs(const std::string& name, const std::string& revision, const std::string& owner,
        const std::string& image, const std::string& cause = "") {
  Json rs = {{"metadata",
              {{"name", name},
               {"annotations", Json::object()},
               {"ownerReferences",
                Json::array({{{"kind", "Deployment"}, {"uid", owner}, {"controller", true}}})}}},
             {"spec",
              {{"template",
                {{"metadata", {{"labels", {{"app", "web"}, {"pod-template-hash", name}}}}},
                 {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", image}}})}}}}}}}};
  if (!revision.empty()) rs["metadata"]["annotations"][kRevisionAnnotation] = revision;
  if (!cause.empty()) rs["metadata"]["annotations"][kChangeCauseAnnotation] = cause;
  return rs;
}

TEST(RolloutHistoryTest, OnlyControlledObjectsCount) {
  std::vector<Json> all = {Rs("a", "1", "u1", "x"), Rs("b", "2", "u2", "y")};
  all[1]["metadata"]["ownerReferences"][0]["controller"] = false;
  all.push_back(Rs("c", "3", "u1", "z"));
  std::vector<Json> mine = ControlledBy(all, "u1");
  ASSERT_EQ(mine.size(), 2u);
  EXPECT_EQ(mine[1]["metadata"]["name"], "c");
}

TEST(RolloutHistoryTest, TableIsSortedWithNoneForMissingCauses) {
  std::vector<Json> rss = {Rs("c", "10", "u", "z"), Rs("a", "2", "u", "x", "set image"),
                           Rs("bad", "x1", "u", "q")};
  EXPECT_EQ(HistoryTable(DeploymentHistory(rss)),
            "REVISION  CHANGE-CAUSE\n"
            "2         set image\n"
            "10        <none>\n");
  EXPECT_EQ(HistoryTable({}), "No rollout history found.");
}

TEST(RolloutHistoryTest, UndoPicksTheSecondNewestOrTheNamedRevision) {
  std::vector<Json> rss = {Rs("r3", "3", "u", "c"), Rs("r1", "1", "u", "a"),
                           Rs("r2", "2", "u", "b"), Rs("none", "", "u", "n")};
  Result<Json> prev = DeploymentRollbackTarget("web", rss, 0);
  ASSERT_TRUE(prev.ok());
  EXPECT_EQ((*prev)["metadata"]["name"], "r2");
  Result<Json> one = DeploymentRollbackTarget("web", rss, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)["metadata"]["name"], "r1");
  EXPECT_EQ(DeploymentRollbackTarget("web", rss, 7).status().message(),
            "unable to find specified revision 7 in history");
  EXPECT_EQ(DeploymentRollbackTarget("web", {Rs("r1", "1", "u", "a")}, 0).status().message(),
            "no rollout history found for deployment \"web\"");
}

TEST(RolloutHistoryTest, ControllerRevisionTargets) {
  std::vector<Json> revs = {{{"revision", 5}}, {{"revision", 2}}, {{"revision", 9}}};
  Result<Json> prev = ControllerRollbackTarget(revs, 0);
  ASSERT_TRUE(prev.ok());
  EXPECT_EQ((*prev)["revision"], 5);
  EXPECT_EQ(ControllerRollbackTarget({{{"revision", 1}}}, 0).status().message(),
            "no last revision to roll back to");
  EXPECT_EQ(ControllerRollbackTarget(revs, 3).status().message(),
            "unable to find specified revision 3 in history");
}

TEST(RolloutHistoryTest, PatchRestoresTemplateWithoutHashAndMergesAnnotations) {
  Json annotations0 = {{kRevisionAnnotation, "3"},
                       {"team", "old"},
                       {"kubectl.kubernetes.io/last-applied-configuration", "{}"}};
  Json deployment = {{"metadata", {{"annotations", annotations0}}}};
  Json rs = Rs("r2", "2", "u", "b", "why");
  rs["metadata"]["annotations"]["team"] = "new";
  Json patch = DeploymentRollbackPatch(deployment, rs);
  ASSERT_EQ(patch.size(), 2u);
  EXPECT_EQ(patch[0]["path"], "/spec/template");
  EXPECT_FALSE(patch[0]["value"]["metadata"]["labels"].contains("pod-template-hash"));
  Json annotations = patch[1]["value"];
  EXPECT_EQ(annotations[kRevisionAnnotation], "3");  // the deployment's own
  EXPECT_EQ(annotations["team"], "new");             // from the replica set
  EXPECT_EQ(annotations[kChangeCauseAnnotation], "why");
  EXPECT_EQ(annotations["kubectl.kubernetes.io/last-applied-configuration"], "{}");
}

TEST(RolloutHistoryTest, TemplateComparisonIgnoresHashOrderAndNulls) {
  Json a = Rs("x", "1", "u", "img")["spec"]["template"];
  Json b = Json::parse(
      R"({"spec":{"containers":[{"image":"img","name":"c"}]},
          "metadata":{"creationTimestamp":null,"labels":{"app":"web"}}})");
  EXPECT_TRUE(TemplatesEqualIgnoringHash(a, b));
  b["spec"]["containers"][0]["image"] = "other";
  EXPECT_FALSE(TemplatesEqualIgnoringHash(a, b));
  Json ds = {{"spec", {{"template", {{"metadata", {{"labels", {{"a", "b"}}}}}}}}}};
  Json data =
      Json::parse(R"({"spec":{"template":{"$patch":"replace","metadata":{"labels":{"a":"b"}}}}})");
  EXPECT_TRUE(SameData(TemplatePatchOf(ds), data));
}

}  // namespace
}  // namespace sampan::kubectl
