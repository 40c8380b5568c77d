#include "irel/transfer_plan.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "manifest_fixtures.hpp"

namespace irel {
namespace {

using fixtures::H;
using fixtures::Image;
using fixtures::kForeign;
using fixtures::kGz;
using fixtures::Sha;

ImageWalk Walked(const std::string& manifest) {
  ImageWalk walk;
  EXPECT_TRUE(walk.AddRoot(Sha(manifest), "", manifest).ok());
  return walk;
}

PlanImageSpec Spec(const std::string& repo, const std::string& registry = "reg.example", const std::string& mount_from = "") {
  return PlanImageSpec{"src.example/" + repo + ":1", registry + "/" + repo + ":1", "1", registry, repo, mount_from};
}

std::map<std::string, std::string> Actions(const PlannedImage& img) {
  std::map<std::string, std::string> out;
  for (const auto& b : img.blobs) out[b.descriptor.digest] = BlobActionName(b.action) + (b.mount_from.empty() ? "" : ":" + b.mount_from);
  return out;
}

struct Case {
  const char* name;
  std::vector<std::pair<PlanImageSpec, std::string>> images;  // spec, manifest
  std::vector<std::string> present;                            // digests the first image's repository has
  bool root_present;                                           // the first image's root is already there
  std::vector<std::map<std::string, std::string>> want;        // actions per image
  std::size_t checks;                                          // existence questions asked
};

class TransferPlanCases : public ::testing::TestWithParam<Case> {};

TEST_P(TransferPlanCases, DecidesEachBlobOnce) {
  const Case& c = GetParam();
  TransferPlanner planner;
  std::vector<ImageWalk> walks;
  for (const auto& [spec, manifest] : c.images) walks.push_back(Walked(manifest));
  for (std::size_t i = 0; i < walks.size(); ++i) planner.AddImage(c.images[i].first, walks[i]);
  planner.AnswerRoot(0, c.root_present);
  EXPECT_FALSE(planner.PendingChecks().empty() && c.checks > 0);
  const auto checks = planner.PendingChecks();
  EXPECT_EQ(checks.size(), c.checks);
  for (const auto& q : checks) {
    const bool has = std::find(c.present.begin(), c.present.end(), q.descriptor.digest) != c.present.end() && q.image == 0;
    planner.AnswerBlob(q.image, q.descriptor.digest, has);
  }
  EXPECT_TRUE(planner.PendingChecks().empty());
  const auto plan = planner.Build();
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->images.size(), c.want.size());
  for (std::size_t i = 0; i < c.want.size(); ++i) EXPECT_EQ(Actions(plan->images[i]), c.want[i]) << "image " << i;
}

const std::string kOne = Image({{H('1'), kGz}, {H('2'), kGz}});
const std::string kShared = Image({{H('1'), kGz}, {H('3'), kGz}}, H('d'));
const std::string kWithForeign = Image({{H('1'), kGz}, {H('f'), kForeign}});

INSTANTIATE_TEST_SUITE_P(Table, TransferPlanCases, ::testing::Values(
    Case{"UploadsWhatTheTargetLacks", {{Spec("a"), kOne}}, {}, false,
         {{{H('c'), "upload"}, {H('1'), "upload"}, {H('2'), "upload"}}}, 3},
    Case{"SkipsWhatTheTargetHas", {{Spec("a"), kOne}}, {H('1'), H('c')}, false,
         {{{H('c'), "present"}, {H('1'), "present"}, {H('2'), "upload"}}}, 3},
    Case{"AsksNothingWhenTheRootIsThere", {{Spec("a"), kOne}}, {}, true,
         {{{H('c'), "present"}, {H('1'), "present"}, {H('2'), "present"}}}, 0},
    Case{"NeverAsksAboutOrCopiesForeignLayers", {{Spec("a"), kWithForeign}}, {}, false,
         {{{H('c'), "upload"}, {H('1'), "upload"}, {H('f'), "foreign"}}}, 2},
    Case{"MountsFromTheSourceRepositoryOnTheSameRegistry", {{Spec("a", "reg.example", "orig/a"), kOne}}, {H('c')}, false,
         {{{H('c'), "present"}, {H('1'), "mount:orig/a"}, {H('2'), "mount:orig/a"}}}, 3},
    Case{"MovesABlobSharedByTwoImagesIntoOneRepositoryOnce", {{Spec("a"), kOne}, {Spec("a"), kShared}}, {}, false,
         {{{H('c'), "upload"}, {H('1'), "upload"}, {H('2'), "upload"}}, {{H('d'), "upload"}, {H('1'), "present"}, {H('3'), "upload"}}},
         5},
    Case{"MountsABlobAnEarlierImageUploadsIntoAnotherRepositoryOfTheRegistry", {{Spec("a"), kOne}, {Spec("b"), kShared}}, {}, false,
         {{{H('c'), "upload"}, {H('1'), "upload"}, {H('2'), "upload"}}, {{H('d'), "upload"}, {H('1'), "mount:a"}, {H('3'), "upload"}}},
         6},
    Case{"UploadsAgainIntoAnotherRegistry", {{Spec("a"), kOne}, {Spec("a", "other.example"), kShared}}, {}, false,
         {{{H('c'), "upload"}, {H('1'), "upload"}, {H('2'), "upload"}}, {{H('d'), "upload"}, {H('1'), "upload"}, {H('3'), "upload"}}},
         6}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(TransferPlan, RefusesToBuildBeforeEveryCheckIsAnswered) {
  TransferPlanner planner;
  const auto walk = Walked(kOne);
  planner.AddImage(Spec("a"), walk);
  const auto plan = planner.Build();
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, "PLAN_INCOMPLETE");
}

TEST(TransferPlan, TotalsAndJsonSayWhatMovesAndWhatIsSkipped) {
  TransferPlanner planner;
  const auto walk = Walked(kWithForeign);
  planner.AddImage(Spec("a"), walk);
  planner.AnswerRoot(0, false);
  for (const auto& q : planner.PendingChecks()) planner.AnswerBlob(q.image, q.descriptor.digest, q.descriptor.digest == H('c'));
  const auto plan = planner.Build();
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->blob_count.upload, 1);
  EXPECT_EQ(plan->blob_count.present, 1);
  EXPECT_EQ(plan->blob_count.foreign, 1);
  EXPECT_EQ(plan->blob_bytes.upload, 100);
  EXPECT_EQ(plan->total_bytes, 207);
  const auto doc = nlohmann::json::parse(PlanJson(*plan));
  EXPECT_EQ(doc["totals"]["bytes"]["present"], 7);
  EXPECT_EQ(doc["images"][0]["target"], "reg.example/a:1");
  EXPECT_EQ(doc["images"][0]["manifests"][0]["digest"], Sha(kWithForeign));
  EXPECT_EQ(doc["images"][0]["manifests"][0]["root"], true);
  EXPECT_EQ(doc["images"][0]["blobs"][2]["action"], "foreign");
  EXPECT_FALSE(doc["images"][0]["blobs"][0].contains("from"));
}

}  // namespace
}  // namespace irel

namespace irel {
namespace {

// Whether anything at all is written for an image whose root the target holds.
TEST(TransferPlan, NothingIsWrittenWhenTheTagAlreadyNamesTheRoot) {
  struct Row {
    bool present, tagged, want_exists, want_tagged;
  };
  for (const Row r : {Row{true, true, true, true}, Row{true, false, true, false}, Row{false, true, false, false}}) {
    TransferPlanner planner;
    auto walk = Walked(kOne);
    planner.AddImage(Spec("app"), walk);
    planner.AnswerRoot(0, r.present, r.tagged);
    for (const auto& q : planner.PendingChecks()) planner.AnswerBlob(q.image, q.descriptor.digest, false);
    const auto plan = planner.Build();
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->images[0].exists, r.want_exists);
    EXPECT_EQ(plan->images[0].tagged, r.want_tagged) << "present " << r.present << " tagged " << r.tagged;
    EXPECT_EQ(nlohmann::json::parse(PlanJson(*plan))["images"][0]["tagged"].get<bool>(), r.want_tagged);
  }
}

}  // namespace
}  // namespace irel
