#include "irel/bundle.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

const std::string D1 = "sha256:" + std::string(64, '1');
const std::string D2 = "sha256:" + std::string(64, '2');

const std::string kForge = R"({
  "name": "forge", "version": "1.0.0",
  "invocationImages": [{"imageType": "docker", "image": "projectriff/builder:v1"}],
  "images": {
    "proxy": {"imageType": "docker", "image": "docker.io/istio/proxyv2", "contentDigest": ")" + D1 + R"("},
    "web": {"image": "gcr.io/acme/web@)" + D2 + R"("},
    "chart": {"imageType": "helm", "image": "not a reference at all"},
    "again": {"imageType": "oci", "image": "projectriff/builder:v1"}
  }
})";

TEST(Bundle, ListsRelocatableImagesInOrderOnce) {
  const auto b = ParseBundle(kForge);
  ASSERT_TRUE(b.ok()) << b.error().message;
  EXPECT_EQ(b->name, "forge");
  EXPECT_EQ(b->RelocatableImages(),
            (std::vector<std::string>{"projectriff/builder:v1", "docker.io/istio/proxyv2", "gcr.io/acme/web@" + D2}));
  EXPECT_EQ(b->images.size(), 5u);
  EXPECT_FALSE(b->images[2].relocatable);  // images{} in key order: again, chart, proxy, web
}

TEST(Bundle, MapsWithThePathMappingKeepingTagsAndDigests) {
  const auto b = ParseBundle(kForge);
  const auto m = MapBundle(*b, *ParseRepoPrefix("registry.internal.acme.com/smith"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->size(), 3u);
  EXPECT_EQ(m->at("docker.io/istio/proxyv2"), "registry.internal.acme.com/smith/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0");
  EXPECT_EQ(m->at("projectriff/builder:v1"), "registry.internal.acme.com/smith/projectriff-builder-a4a25a99d48adad8310050be267a10ce:v1");
  EXPECT_NE(m->at("gcr.io/acme/web@" + D2).find("@" + D2), std::string::npos);
  const auto json = RelocationMappingJson(*m);
  EXPECT_NE(json.find("\"projectriff/builder:v1\": \"registry.internal.acme.com/smith/projectriff-builder-"), std::string::npos);
}

struct BadBundle {
  const char* label;
  std::string body;
  std::string code;
  std::string mentions;
};

class RejectsBundles : public ::testing::TestWithParam<BadBundle> {};

TEST_P(RejectsBundles, NamingTheField) {
  const auto& c = GetParam();
  const auto b = ParseBundle(c.body);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code, c.code);
  EXPECT_NE(b.error().message.find(c.mentions), std::string::npos) << b.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Bundle, RejectsBundles,
    ::testing::Values(
        BadBundle{"not_json", "{", "BUNDLE_INVALID", "not valid JSON"},
        BadBundle{"array", "[]", "BUNDLE_INVALID", "JSON object"},
        BadBundle{"images_array", R"({"images":[]})", "BUNDLE_INVALID", "\"images\" must be an object"},
        BadBundle{"invocation_object", R"({"invocationImages":{}})", "BUNDLE_INVALID", "invocationImages"},
        BadBundle{"image_missing", R"({"images":{"a":{"imageType":"docker"}}})", "BUNDLE_INVALID", "images.a has no"},
        BadBundle{"image_not_string", R"({"images":{"a":{"image":5}}})", "BUNDLE_INVALID", "images.a.image must be a string"},
        BadBundle{"image_invalid", R"({"images":{"a":{"image":"foo/Bar"}}})", "BUNDLE_INVALID", "images.a.image \"foo/Bar\""},
        BadBundle{"digest_malformed", R"({"images":{"a":{"image":"x:1","contentDigest":"sha256:abc"}}})", "BUNDLE_DIGEST_INVALID", "images.a.contentDigest"},
        BadBundle{"digest_conflict", R"({"images":{"a":{"image":"x@)" + D1 + R"(","contentDigest":")" + D2 + R"("}}})", "BUNDLE_DIGEST_INVALID", "differs"}),
    [](const auto& info) { return std::string(info.param.label); });

struct CheckCase {
  const char* label;
  std::string mapping;
  std::vector<std::pair<std::string, bool>> verdicts;  // image, ok
  std::string problem;                                 // a word of the first failing verdict
};

class ChecksMappings : public ::testing::TestWithParam<CheckCase> {};

TEST_P(ChecksMappings, OneVerdictPerImage) {
  const auto& c = GetParam();
  const auto b = ParseBundle(R"({"images":{"a":{"image":"x/a:1","contentDigest":")" + D1 + R"("},"b":{"image":"x/b@)" + D2 + R"("}}})");
  const auto v = CheckMapping(*b, c.mapping);
  ASSERT_TRUE(v.ok()) << v.error().message;
  std::vector<std::pair<std::string, bool>> got;
  std::string problem;
  for (const auto& x : *v) {
    got.emplace_back(x.image, x.ok);
    if (!x.ok && problem.empty()) problem = x.problem;
  }
  EXPECT_EQ(got, c.verdicts);
  if (!c.problem.empty()) EXPECT_NE(problem.find(c.problem), std::string::npos) << problem;
}

INSTANTIATE_TEST_SUITE_P(
    Bundle, ChecksMappings,
    ::testing::Values(
        CheckCase{"complete", R"({"x/a:1":"r.io/p/a:1","x/b@)" + D2 + R"(":"r.io/p/b@)" + D2 + R"("})", {{"x/a:1", true}, {"x/b@" + D2, true}}, ""},
        CheckCase{"missing_key", R"({"x/a:1":"r.io/p/a:1"})", {{"x/a:1", true}, {"x/b@" + D2, false}}, "missing"},
        CheckCase{"extra_key", R"({"x/a:1":"r.io/p/a:1","x/b@)" + D2 + R"(":"r.io/p/b","y:1":"r.io/y"})", {{"x/a:1", true}, {"x/b@" + D2, true}, {"y:1", false}}, "not a relocatable image"},
        CheckCase{"invalid_value", R"({"x/a:1":"Bad Ref","x/b@)" + D2 + R"(":"r.io/p/b"})", {{"x/a:1", false}, {"x/b@" + D2, true}}, "invalid"},
        CheckCase{"wrong_digest", R"({"x/a:1":"r.io/p/a@)" + D2 + R"(","x/b@)" + D2 + R"(":"r.io/p/b"})", {{"x/a:1", false}, {"x/b@" + D2, true}}, "differs from the bundle's " + D1}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Bundle, MappingMustBeAnObjectOfStrings) {
  const auto b = ParseBundle(R"({"images":{}})");
  EXPECT_EQ(CheckMapping(*b, "[]").error().code, "MAPPING_INVALID");
  EXPECT_EQ(CheckMapping(*b, R"({"a":1})").error().code, "MAPPING_INVALID");
}

}  // namespace
}  // namespace irel
