#include "irel/oci_layout.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

const std::string A = "sha256:" + std::string(64, 'a');
const std::string B = "sha256:" + std::string(64, 'b');
const std::string C = "sha256:" + std::string(64, 'c');

std::string Entry(const std::string& digest, const std::string& name) {
  std::string e = R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + digest + R"(","size":10)";
  if (!name.empty()) e += R"(,"annotations":{"org.opencontainers.image.ref.name":")" + name + "\"}";
  return e + "}";
}

Manifest Index(const std::vector<std::string>& entries) {
  std::string body = R"({"schemaVersion":2,"manifests":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
  return *ParseManifest(body + "]}");
}

struct FindCase {
  const char* label;
  std::vector<std::string> entries;
  std::string ref;
  std::string digest;  // empty: an error
  std::string code;
};

class FindsImagesInLayouts : public ::testing::TestWithParam<FindCase> {};

TEST_P(FindsImagesInLayouts, ByNameTagOrDigest) {
  const auto& c = GetParam();
  const auto d = FindInLayoutIndex(Index(c.entries), c.ref);
  if (c.digest.empty()) {
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.error().code, c.code);
  } else {
    ASSERT_TRUE(d.ok()) << d.error().message;
    EXPECT_EQ(d->digest, c.digest);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layout, FindsImagesInLayouts,
    ::testing::Values(
        FindCase{"full_name_as_written", {Entry(A, "docker.io/istio/proxyv2:1.2"), Entry(B, "gcr.io/x/y:1")}, "docker.io/istio/proxyv2:1.2", A, ""},
        FindCase{"familiar_finds_full", {Entry(A, "docker.io/library/busybox:1.36")}, "busybox:1.36", A, ""},
        FindCase{"full_finds_familiar", {Entry(A, "busybox:1.36")}, "docker.io/library/busybox:1.36", A, ""},
        FindCase{"plain_tag_as_skopeo_writes", {Entry(A, "v1"), Entry(B, "v2")}, "v2", B, ""},
        FindCase{"reference_tag_finds_plain_tag", {Entry(A, "v1"), Entry(B, "v2")}, "example.com/app:v1", A, ""},
        FindCase{"by_digest", {Entry(A, "x:1"), Entry(B, "")}, B, B, ""},
        FindCase{"same_image_twice_is_fine", {Entry(A, "v1"), Entry(A, "example.com/app:v1")}, "example.com/app:v1", A, ""},
        FindCase{"ambiguous", {Entry(A, "v1"), Entry(B, "example.com/app:v1")}, "example.com/app:v1", "", "LAYOUT_AMBIGUOUS"},
        FindCase{"missing", {Entry(A, "x:1")}, "x:2", "", "LAYOUT_IMAGE_NOT_FOUND"},
        FindCase{"empty_layout", {}, "x:1", "", "LAYOUT_IMAGE_NOT_FOUND"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Layout, NotFoundListsWhatThereIs) {
  const auto d = FindInLayoutIndex(Index({Entry(A, "x:1"), Entry(B, "")}), "y:1");
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("x:1, " + B), std::string::npos) << d.error().message;
}

TEST(Layout, AddingReplacesTheSameNameAndKeepsTheRest) {
  Descriptor d{"application/vnd.oci.image.manifest.v1+json", C, 42, {}, std::nullopt, "", {}};
  const std::string start = R"({"schemaVersion":2,"manifests":[)" + Entry(A, "keep:1") + "," + Entry(B, "name:1") +
                            R"(],"annotations":{"x":"y"}})";
  const auto out = AddToLayoutIndex(start, d, "name:1");
  ASSERT_TRUE(out.ok());
  const auto index = ParseManifest(*out);
  ASSERT_TRUE(index.ok()) << *out;
  ASSERT_EQ(index->manifests.size(), 2u);
  EXPECT_EQ(index->manifests[0].digest, A);
  EXPECT_EQ(index->manifests[1].digest, C);
  EXPECT_EQ(index->manifests[1].size, 42);
  EXPECT_EQ(index->annotations.at("x"), "y");
  EXPECT_EQ(FindInLayoutIndex(*index, "name:1")->digest, C);
  const auto unnamed = AddToLayoutIndex(EmptyLayoutIndex(), d, "");
  ASSERT_TRUE(unnamed.ok());
  EXPECT_EQ(ParseManifest(*unnamed)->manifests.size(), 1u);
  EXPECT_FALSE(AddToLayoutIndex("[]", d, "x").ok());
}

TEST(Layout, LayoutFileAndBlobPaths) {
  EXPECT_TRUE(CheckOciLayoutFile(kOciLayoutFile).ok());
  EXPECT_EQ(CheckOciLayoutFile(R"({"imageLayoutVersion":"2.0.0"})").error().code, "LAYOUT_INVALID");
  EXPECT_EQ(CheckOciLayoutFile("nope").error().code, "LAYOUT_INVALID");
  EXPECT_EQ(*LayoutBlobPath(A), "blobs/sha256/" + std::string(64, 'a'));
  EXPECT_FALSE(LayoutBlobPath("sha256:../../etc/passwd").ok());
}

}  // namespace
}  // namespace irel
