#include "irel/manifest.hpp"

#include <gtest/gtest.h>

#include <string>

#include "irel/media_type.hpp"

namespace irel {
namespace {

const std::string A = "sha256:" + std::string(64, 'a');
const std::string B = "sha256:" + std::string(64, 'b');

std::string Desc(const std::string& type, const std::string& digest, const std::string& size, const std::string& extra = "") {
  return R"({"mediaType":")" + type + R"(","digest":")" + digest + R"(","size":)" + size + extra + "}";
}

struct ManifestCase {
  const char* label;
  std::string body;
  std::string content_type;
  std::string code;         // empty: valid
  std::string mentions;     // media type when valid, else a word of the error
};

class ParsesManifest : public ::testing::TestWithParam<ManifestCase> {};

TEST_P(ParsesManifest, KindsAndErrors) {
  const auto& c = GetParam();
  const auto m = ParseManifest(c.body, c.content_type);
  if (c.code.empty()) {
    ASSERT_TRUE(m.ok()) << m.error().message;
    EXPECT_EQ(m->media_type, c.mentions);
  } else {
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().code, c.code);
    EXPECT_NE(m.error().message.find(c.mentions), std::string::npos) << m.error().message;
  }
}

const std::string kOciImage = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" +
                              Desc("application/vnd.oci.image.config.v1+json", A, "10") + R"(,"layers":[)" +
                              Desc("application/vnd.oci.image.layer.v1.tar+gzip", B, "20") + "]}";

INSTANTIATE_TEST_SUITE_P(
    Manifest, ParsesManifest,
    ::testing::Values(
        ManifestCase{"oci_image", kOciImage, "", "", std::string(media_type::kOciManifest)},
        ManifestCase{"oci_image_without_media_type_uses_header",
                     R"({"schemaVersion":2,"config":)" + Desc("x/y", A, "1") + R"(,"layers":[]})",
                     "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8", "",
                     std::string(media_type::kDockerManifest)},
        ManifestCase{"oci_index_inferred", R"({"schemaVersion":2,"manifests":[]})", "", "", std::string(media_type::kOciIndex)},
        ManifestCase{"docker_list", R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[)" +
                     Desc("application/vnd.docker.distribution.manifest.v2+json", A, "5",
                          R"(,"platform":{"os":"linux","architecture":"arm","variant":"v7"})") + "]}",
                     "", "", std::string(media_type::kDockerManifestList)},
        ManifestCase{"artifact_unknown_config", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example","config":)" +
                     Desc("application/vnd.example.config+json", A, "2") + R"(,"layers":[)" + Desc("application/vnd.example.data", B, "3") + "]}",
                     "", "", std::string(media_type::kOciManifest)},
        ManifestCase{"schema1_by_body", R"({"schemaVersion":1,"name":"x","fsLayers":[]})", "", "MANIFEST_SCHEMA1_UNSUPPORTED", "schema 1"},
        ManifestCase{"schema1_by_header", "{}", "application/vnd.docker.distribution.manifest.v1+prettyjws", "MANIFEST_SCHEMA1_UNSUPPORTED", "re-push"},
        ManifestCase{"not_json", "{nope", "", "MANIFEST_INVALID", "not valid JSON"},
        ManifestCase{"array", "[]", "", "MANIFEST_INVALID", "JSON object"},
        ManifestCase{"schema_3", R"({"schemaVersion":3})", "", "MANIFEST_INVALID", "schemaVersion"},
        ManifestCase{"unknown_type", R"({"schemaVersion":2,"mediaType":"text/plain"})", "", "MANIFEST_UNSUPPORTED", "text/plain"},
        ManifestCase{"missing_config", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]})", "", "MANIFEST_INVALID", "config"},
        ManifestCase{"layers_not_array", R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":)" + Desc("x/y", A, "1") + R"(,"layers":{}})", "", "MANIFEST_INVALID", "layers"},
        ManifestCase{"bad_digest", R"({"schemaVersion":2,"manifests":[)" + Desc("x/y", "sha256:abc", "1") + "]}", "", "MANIFEST_INVALID", "manifests[0].digest"},
        ManifestCase{"negative_size", R"({"schemaVersion":2,"manifests":[)" + Desc("x/y", A, "-1") + "]}", "", "MANIFEST_INVALID", "out of range"},
        ManifestCase{"absurd_size", R"({"schemaVersion":2,"manifests":[)" + Desc("x/y", A, "18446744073709551615") + "]}", "", "MANIFEST_INVALID", "out of range"},
        ManifestCase{"float_size", R"({"schemaVersion":2,"manifests":[)" + Desc("x/y", A, "1.5") + "]}", "", "MANIFEST_INVALID", "integer"},
        ManifestCase{"missing_media_type", R"({"schemaVersion":2,"manifests":[{"digest":")" + A + R"(","size":1}]})", "", "MANIFEST_INVALID", "mediaType"},
        ManifestCase{"platform_without_os", R"({"schemaVersion":2,"manifests":[)" + Desc("x/y", A, "1", R"(,"platform":{"architecture":"amd64"})") + "]}", "", "MANIFEST_INVALID", "os"},
        ManifestCase{"annotation_not_string", R"({"schemaVersion":2,"manifests":[],"annotations":{"a":1}})", "", "MANIFEST_INVALID", "annotations"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Manifest, ReadsDescriptorsOfAnImage) {
  const auto m = ParseManifest(kOciImage);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, ManifestKind::Image);
  ASSERT_TRUE(m->config.has_value());
  EXPECT_EQ(m->config->digest, A);
  ASSERT_EQ(m->layers.size(), 1u);
  EXPECT_EQ(m->layers[0].size, 20);
}

TEST(Manifest, NonDistributableLayerTypes) {
  EXPECT_TRUE(media_type::IsNonDistributable("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"));
  EXPECT_TRUE(media_type::IsNonDistributable("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"));
  EXPECT_FALSE(media_type::IsNonDistributable("application/vnd.oci.image.layer.v1.tar+gzip"));
}

}  // namespace
}  // namespace irel
