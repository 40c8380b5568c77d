#include "irel/image_walk.hpp"

#include <gtest/gtest.h>

#include "irel/hash.hpp"

namespace irel {
namespace {

std::string Sha(const std::string& bytes) { return "sha256:" + Sha256Hex(bytes); }
std::string H(char c) { return "sha256:" + std::string(64, c); }

std::string Image(const std::vector<std::pair<std::string, std::string>>& layers, const std::string& config = H('c')) {
  std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                    config + R"(","size":7},"layers":[)";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"mediaType":")") + layers[i].second + R"(","digest":")" + layers[i].first + R"(","size":100})";
  }
  return out + "]}";
}

std::string Index(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [digest, platform] = entries[i];
    std::string p;
    if (!platform.empty()) {
      const auto slash = platform.find('/');
      const auto rest = platform.substr(slash + 1);
      const auto slash2 = rest.find('/');
      p = R"(,"platform":{"os":")" + platform.substr(0, slash) + R"(","architecture":")" + rest.substr(0, slash2) + "\"" +
          (slash2 == std::string::npos ? "" : R"(,"variant":")" + rest.substr(slash2 + 1) + "\"") + "}";
    }
    out += (i ? "," : "") + std::string(R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")") + digest + R"(","size":1)" + p + "}";
  }
  return out + R"(],"annotations":{"keep":"me"}})";
}

const std::string kGz = "application/vnd.oci.image.layer.v1.tar+gzip";
const std::string kForeign = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

TEST(ImageWalk, SingleImageListsConfigAndLayersOnce) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}, {H('2'), kGz}, {H('1'), kGz}});
  const auto children = walk.AddRoot(Sha(img), "", img);
  ASSERT_TRUE(children.ok());
  EXPECT_TRUE(children->empty());
  const auto blobs = walk.Blobs();
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_EQ(blobs[0].descriptor.digest, H('c'));
  EXPECT_EQ(walk.total_blob_bytes(), 7 + 100 + 100);
  ASSERT_EQ(walk.PushOrder().size(), 1u);
  EXPECT_EQ(walk.PushOrder()[0].bytes, img);
  EXPECT_FALSE(walk.root_rewritten());
}

TEST(ImageWalk, IndexChildrenArePushedBeforeTheRootAndBlobsAreShared) {
  ImageWalk walk;
  const auto amd = Image({{H('1'), kGz}, {H('2'), kGz}});
  const auto arm = Image({{H('1'), kGz}, {H('3'), kGz}}, H('d'));
  const auto idx = Index({{Sha(amd), "linux/amd64"}, {Sha(arm), "linux/arm64"}});
  const auto children = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 2u);
  ASSERT_TRUE(walk.AddChild((*children)[0], amd).ok());
  ASSERT_TRUE(walk.AddChild((*children)[1], arm).ok());
  EXPECT_EQ(walk.Blobs().size(), 5u);  // c, 1, 2, d, 3
  const auto order = walk.PushOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back().digest, Sha(idx));
  EXPECT_EQ(order.back().bytes, idx);
}

TEST(ImageWalk, NestedIndexesArePushedDeepestFirst) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}});
  const auto inner = Index({{Sha(img), "linux/amd64"}});
  std::string outer = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":")" +
                      Sha(inner) + R"(","size":1}]})";
  auto c1 = walk.AddRoot(Sha(outer), "", outer);
  ASSERT_TRUE(c1.ok());
  auto c2 = walk.AddChild((*c1)[0], inner);
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE(walk.AddChild((*c2)[0], img).ok());
  const auto order = walk.PushOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].digest, Sha(img));
  EXPECT_EQ(order[1].digest, Sha(inner));
  EXPECT_EQ(order[2].digest, Sha(outer));
}

TEST(ImageWalk, PlatformFilterRewritesOnlyTheRootIndex) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("linux/arm/v7")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}, {H('b'), "linux/arm/v7"}, {H('e'), "linux/arm/v6"}});
  const auto children = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 1u);
  EXPECT_EQ((*children)[0].digest, H('b'));
  EXPECT_TRUE(walk.root_rewritten());
  EXPECT_NE(walk.root_digest(), walk.source_root_digest());
  const auto root = walk.PushOrder().back();
  EXPECT_EQ(Sha(root.bytes), root.digest);
  EXPECT_NE(root.bytes.find(R"("keep": "me")"), std::string::npos);  // other fields kept
  EXPECT_EQ(walk.selected_platforms(), std::vector<std::string>{"linux/arm/v7"});
}

TEST(ImageWalk, PlatformFilterMatchingEverythingKeepsTheBytes) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("linux/amd64")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}});
  ASSERT_TRUE(walk.AddRoot(Sha(idx), "", idx).ok());
  EXPECT_FALSE(walk.root_rewritten());
  EXPECT_EQ(walk.PushOrder().back().bytes, idx);
}

TEST(ImageWalk, PlatformFilterMatchingNothingSaysWhatThereIs) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("windows/amd64")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}, {H('b'), "linux/arm64"}});
  const auto r = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PLATFORM_NOT_FOUND");
  EXPECT_NE(r.error().message.find("linux/amd64, linux/arm64"), std::string::npos);
}

TEST(ImageWalk, ForeignLayersAreSkippedUnlessAsked) {
  const auto img = Image({{H('1'), kForeign}, {H('2'), kGz}});
  ImageWalk skip;
  ASSERT_TRUE(skip.AddRoot(Sha(img), "", img).ok());
  EXPECT_TRUE(skip.Blobs()[1].skipped_nondistributable);
  EXPECT_EQ(skip.total_blob_bytes(), 107);
  ImageWalk include(ImageWalkOptions{{}, true, 8});
  ASSERT_TRUE(include.AddRoot(Sha(img), "", img).ok());
  EXPECT_FALSE(include.Blobs()[1].skipped_nondistributable);
}

TEST(ImageWalk, InvalidManifestsAreErrors) {
  ImageWalk walk;
  const auto r = walk.AddRoot(H('x'), "", R"({"schemaVersion":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MANIFEST_SCHEMA1_UNSUPPORTED");
}

struct PlatformCase {
  const char* label;
  std::string want, have;
  bool matches;
};

class MatchesPlatforms : public ::testing::TestWithParam<PlatformCase> {};

TEST_P(MatchesPlatforms, OsArchAndVariant) {
  const auto& c = GetParam();
  EXPECT_EQ(ParsePlatform(c.want)->Matches(*ParsePlatform(c.have)), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    Platform, MatchesPlatforms,
    ::testing::Values(PlatformCase{"same", "linux/amd64", "linux/amd64", true},
                      PlatformCase{"no_variant_requested", "linux/arm", "linux/arm/v7", true},
                      PlatformCase{"variant_differs", "linux/arm/v7", "linux/arm/v6", false},
                      PlatformCase{"arm64_v8_implied", "linux/arm64/v8", "linux/arm64", true},
                      PlatformCase{"os_differs", "windows/amd64", "linux/amd64", false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Platform, RejectsMalformedPlatforms) {
  for (const char* p : {"", "linux", "linux/", "/amd64", "Linux/amd64", "a/b/c/d"}) {
    const auto r = ParsePlatform(p);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.error().code, "PLATFORM_INVALID");
  }
}

}  // namespace
}  // namespace irel
