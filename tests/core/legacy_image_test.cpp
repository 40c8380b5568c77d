// Legacy docker save manifest.json files (as Docker before 25 and skopeo's docker-archive: write
// them) and the Docker v2 schema 2 manifests built over their converted layers.
#include "irel/legacy_image.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "irel/hash.hpp"
#include "irel/manifest.hpp"

namespace irel {
namespace {

const std::string kA = "sha256:" + std::string(64, 'a');
const std::string kB = "sha256:" + std::string(64, 'b');
const std::string kC = "sha256:" + std::string(64, 'c');
const std::string kD = "sha256:" + std::string(64, 'd');

struct ParseCase {
  const char* label;
  std::string json;
  std::vector<LegacyImage> want;
};

class ParsesLegacyManifest : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ParsesLegacyManifest, IntoImages) {
  const auto& c = GetParam();
  const auto r = ParseLegacyManifest(c.json);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), c.want.size());
  for (std::size_t i = 0; i < c.want.size(); ++i) {
    EXPECT_EQ((*r)[i].config, c.want[i].config) << i;
    EXPECT_EQ((*r)[i].repo_tags, c.want[i].repo_tags) << i;
    EXPECT_EQ((*r)[i].layers, c.want[i].layers) << i;
  }
}

const std::string kHex = std::string(64, 'e');

INSTANTIATE_TEST_SUITE_P(
    Legacy, ParsesLegacyManifest,
    ::testing::Values(
        ParseCase{"docker_24_save",
                  R"([{"Config":")" + kHex + R"(.json","RepoTags":["busybox:1.36"],"Layers":["0a1b/layer.tar","2c3d/layer.tar"]}])",
                  {{kHex + ".json", {"busybox:1.36"}, {"0a1b/layer.tar", "2c3d/layer.tar"}}}},
        ParseCase{"saved_by_id_repo_tags_null",
                  R"([{"Config":"c.json","RepoTags":null,"Layers":["l/layer.tar"]}])", {{"c.json", {}, {"l/layer.tar"}}}},
        ParseCase{"repo_tags_absent", R"([{"Config":"c.json","Layers":[]}])", {{"c.json", {}, {}}}},
        ParseCase{"several_tags_and_images",
                  R"([{"Config":"a.json","RepoTags":["a:1","a:latest"],"Layers":["x/layer.tar"]},)"
                  R"({"Config":"b.json","RepoTags":["b:2"],"Layers":["x/layer.tar","y/layer.tar"]}])",
                  {{"a.json", {"a:1", "a:latest"}, {"x/layer.tar"}}, {"b.json", {"b:2"}, {"x/layer.tar", "y/layer.tar"}}}},
        ParseCase{"dot_slash_and_double_slash_normalized",
                  R"([{"Config":"./c.json","Layers":["./l//layer.tar","l/./layer.tar"]}])",
                  {{"c.json", {}, {"l/layer.tar", "l/layer.tar"}}}},
        ParseCase{"skopeo_docker_archive_layers_at_top",
                  R"([{"Config":")" + kHex + R"(.json","RepoTags":["x:1"],"Layers":[")" + std::string(64, '1') + R"(.tar"]}])",
                  {{kHex + ".json", {"x:1"}, {std::string(64, '1') + ".tar"}}}},
        ParseCase{"docker_25_paths_into_blobs",
                  R"([{"Config":"blobs/sha256/)" + kHex + R"(","RepoTags":["x:1"],"Layers":["blobs/sha256/)" + kHex + R"("]}])",
                  {{"blobs/sha256/" + kHex, {"x:1"}, {"blobs/sha256/" + kHex}}}},
        ParseCase{"parent_and_empty_layer_sources_ignored",
                  R"([{"Config":"c.json","Layers":["l/layer.tar"],"Parent":"sha256:x","LayerSources":{}}])",
                  {{"c.json", {}, {"l/layer.tar"}}}}),
    [](const auto& info) { return std::string(info.param.label); });

struct BadManifestCase {
  const char* label;
  std::string json;
  std::string mentions;
};

class RefusesLegacyManifest : public ::testing::TestWithParam<BadManifestCase> {};

TEST_P(RefusesLegacyManifest, NamingTheDefect) {
  const auto& c = GetParam();
  const auto r = ParseLegacyManifest(c.json);
  ASSERT_FALSE(r.ok()) << c.json;
  EXPECT_EQ(r.error().code, "LEGACY_MANIFEST_INVALID");
  EXPECT_NE(r.error().message.find(c.mentions), std::string::npos) << r.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Legacy, RefusesLegacyManifest,
    ::testing::Values(
        BadManifestCase{"not_json", "[{", "manifest.json is not JSON"},
        BadManifestCase{"an_object", R"({"Config":"c.json","Layers":[]})", "is not a list of images"},
        BadManifestCase{"empty_list", "[]", "lists no image"},
        BadManifestCase{"image_not_object", R"(["c.json"])", "image 0 is not an object"},
        BadManifestCase{"config_missing", R"([{"Layers":[]}])", "image 0 has no Config"},
        BadManifestCase{"config_null", R"([{"Config":null,"Layers":[]}])", "image 0 has no Config"},
        BadManifestCase{"config_number", R"([{"Config":7,"Layers":[]}])", "image 0 Config is not a string"},
        BadManifestCase{"config_absolute", R"([{"Config":"/etc/passwd","Layers":[]}])", R"(Config "/etc/passwd": absolute path)"},
        BadManifestCase{"config_dot_dot", R"([{"Config":"../c.json","Layers":[]}])", R"("../c.json": path has a ".." component)"},
        BadManifestCase{"config_dot", R"([{"Config":".","Layers":[]}])", "names no file"},
        BadManifestCase{"layers_missing", R"([{"Config":"c.json","RepoTags":["a:1"]}])", "image 0 has no Layers"},
        BadManifestCase{"layers_not_list", R"([{"Config":"c.json","Layers":"l/layer.tar"}])", "Layers is not a list"},
        BadManifestCase{"layer_number", R"([{"Config":"c.json","Layers":[1]}])", "Layers[0] is not a string"},
        BadManifestCase{"layer_dot_dot_inside", R"([{"Config":"c.json","Layers":["ok/layer.tar","a/../../x"]}])",
                        R"(image 0 Layers[1] "a/../../x": path has a ".." component)"},
        BadManifestCase{"layer_absolute", R"([{"Config":"c.json","Layers":["/x/layer.tar"]}])", "absolute path"},
        BadManifestCase{"layer_empty", R"([{"Config":"c.json","Layers":[""]}])", "Layers[0] \"\": empty path"},
        BadManifestCase{"layer_nul", "[{\"Config\":\"c.json\",\"Layers\":[\"a\\u0000b\"]}]", "path contains NUL"},
        BadManifestCase{"second_image_bad", R"([{"Config":"c.json","Layers":[]},{"Config":"d.json"}])", "image 1 has no Layers"},
        BadManifestCase{"repo_tags_not_list", R"([{"Config":"c.json","RepoTags":"a:1","Layers":[]}])", "RepoTags is not a list"},
        BadManifestCase{"repo_tag_number", R"([{"Config":"c.json","RepoTags":[1],"Layers":[]}])", "RepoTags[0] is not a name"},
        BadManifestCase{"foreign_layers", R"([{"Config":"c.json","Layers":[],"LayerSources":{"sha256:x":{}}}])", "foreign layers"},
        BadManifestCase{"nested_too_deep", std::string(1000, '[') + std::string(1000, ']'), "nested deeper"}),
    [](const auto& info) { return std::string(info.param.label); });

// A config as Docker writes one (abridged), and its layers as the caller read them.
const std::string kConfig = R"({"architecture":"amd64","config":{"Cmd":["sh"]},"os":"linux","rootfs":{"type":"layers","diff_ids":[")" +
                            kA + R"(",")" + kB + R"("]}})";

LegacyImage Image(std::string config_path = "c.json") {
  return LegacyImage{std::move(config_path), {"busybox:1.36"}, {"1111/layer.tar", "2222/layer.tar"}};
}

std::vector<LegacyLayer> Layers() {
  return {{"1111/layer.tar", kA, kC, 100}, {"2222/layer.tar", kB, kD, 2000}};
}

TEST(Legacy, ManifestWrittenAsDockerPushWritesIt) {
  const auto r = BuildLegacyManifest(Image(), kConfig, Layers());
  ASSERT_TRUE(r.ok()) << r.error().message;
  const std::string config_digest = HashDigest("sha256", kConfig).value();
  const std::string want = "{\n"
                           "   \"schemaVersion\": 2,\n"
                           "   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
                           "   \"config\": {\n"
                           "      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
                           "      \"size\": " + std::to_string(kConfig.size()) + ",\n"
                           "      \"digest\": \"" + config_digest + "\"\n"
                           "   },\n"
                           "   \"layers\": [\n"
                           "      {\n"
                           "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
                           "         \"size\": 100,\n"
                           "         \"digest\": \"" + kC + "\"\n"
                           "      },\n"
                           "      {\n"
                           "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
                           "         \"size\": 2000,\n"
                           "         \"digest\": \"" + kD + "\"\n"
                           "      }\n"
                           "   ]\n"
                           "}";
  EXPECT_EQ(r->manifest, want);
  EXPECT_EQ(r->descriptor.digest, HashDigest("sha256", want).value());
  EXPECT_EQ(r->descriptor.size, static_cast<std::int64_t>(want.size()));
  EXPECT_EQ(r->descriptor.media_type, "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(r->config.digest, config_digest);
  ASSERT_EQ(r->layers.size(), 2u);
  EXPECT_EQ(r->layers[1].digest, kD);

  // What we write, we read: the walk of the copy parses it like any registry's manifest.
  const auto parsed = ParseManifest(r->manifest);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->media_type, "application/vnd.docker.distribution.manifest.v2+json");
  EXPECT_EQ(parsed->config->digest, config_digest);
  ASSERT_EQ(parsed->layers.size(), 2u);
  EXPECT_EQ(parsed->layers[0].digest, kC);
  EXPECT_EQ(parsed->layers[0].size, 100);
}

TEST(Legacy, ImageWithoutLayersHasAnEmptyList) {
  const std::string config = R"({"rootfs":{"type":"layers","diff_ids":[]}})";
  const auto r = BuildLegacyManifest(LegacyImage{"c.json", {}, {}}, config, {});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_NE(r->manifest.find("\"layers\": []\n}"), std::string::npos) << r->manifest;
  EXPECT_TRUE(ParseManifest(r->manifest).ok());
}

TEST(Legacy, ConfigNamedForItsOwnDigestIsAccepted) {
  const std::string hex = HashDigest("sha256", kConfig).value().substr(7);
  for (const std::string path : {hex + ".json", "blobs/sha256/" + hex}) {
    const auto r = BuildLegacyManifest(Image(path), kConfig, Layers());
    EXPECT_TRUE(r.ok()) << path << ": " << r.error().message;
  }
}

struct BadBuildCase {
  const char* label;
  LegacyImage image;
  std::string config;
  std::vector<LegacyLayer> layers;
  std::string code;
  std::vector<std::string> mentions;
};

class RefusesToBuild : public ::testing::TestWithParam<BadBuildCase> {};

TEST_P(RefusesToBuild, NamingTheImageAndTheDefect) {
  const auto& c = GetParam();
  const auto r = BuildLegacyManifest(c.image, c.config, c.layers);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, c.code) << r.error().message;
  for (const auto& m : c.mentions) EXPECT_NE(r.error().message.find(m), std::string::npos) << m << " in " << r.error().message;
}

std::vector<LegacyLayer> WithLayer(std::size_t i, LegacyLayer l) {
  auto out = Layers();
  out[i] = std::move(l);
  return out;
}

INSTANTIATE_TEST_SUITE_P(
    Legacy, RefusesToBuild,
    ::testing::Values(
        BadBuildCase{"fewer_layers_than_diff_ids", Image(), kConfig, {Layers()[0]}, "LEGACY_LAYER_COUNT",
                     {"image \"busybox:1.36\"", "manifest.json lists 1 layers", "\"c.json\" 2 (rootfs.diff_ids)"}},
        BadBuildCase{"more_layers_than_diff_ids", Image(), kConfig, {Layers()[0], Layers()[1], Layers()[1]}, "LEGACY_LAYER_COUNT",
                     {"lists 3 layers", " 2 (rootfs.diff_ids)"}},
        BadBuildCase{"layer_hash_is_not_its_diff_id", Image(), kConfig, WithLayer(1, {"2222/layer.tar", kC, kD, 5}),
                     "LAYER_DIFF_ID_MISMATCH", {"image \"busybox:1.36\"", "layer 2 of 2 (\"2222/layer.tar\")", "has sha256 " + kC, "(" + kB + ")", "tampered"}},
        BadBuildCase{"layers_swapped", Image(), kConfig, {Layers()[1], Layers()[0]}, "LAYER_DIFF_ID_MISMATCH", {"layer 1 of 2 (\"2222/layer.tar\")"}},
        BadBuildCase{"untagged_image_named_by_config", LegacyImage{"c.json", {}, {}}, kConfig, {Layers()[0]}, "LEGACY_LAYER_COUNT",
                     {"the image of config \"c.json\""}},
        BadBuildCase{"config_not_json", Image(), "{", Layers(), "LEGACY_CONFIG_INVALID", {"config \"c.json\" is not JSON"}},
        BadBuildCase{"config_a_list", Image(), "[]", Layers(), "LEGACY_CONFIG_INVALID", {"is not a JSON object"}},
        BadBuildCase{"config_without_rootfs", Image(), R"({"os":"linux"})", Layers(), "LEGACY_CONFIG_INVALID", {"has no rootfs"}},
        BadBuildCase{"diff_ids_missing", Image(), R"({"rootfs":{"type":"layers"}})", Layers(), "LEGACY_CONFIG_INVALID", {"no rootfs.diff_ids list"}},
        BadBuildCase{"diff_id_not_a_digest", Image(), R"({"rootfs":{"diff_ids":["sha256:abc"]}})", {Layers()[0]}, "LEGACY_CONFIG_INVALID",
                     {"rootfs.diff_ids[0] that is not a digest"}},
        BadBuildCase{"config_is_not_the_image_id_its_name_says", Image(std::string(64, 'f') + ".json"), kConfig, Layers(),
                     "LEGACY_CONFIG_INVALID", {"not the image ID its name gives (sha256:" + std::string(64, 'f') + ")"}},
        BadBuildCase{"compressed_digest_malformed", Image(), kConfig, WithLayer(0, {"1111/layer.tar", kA, "sha256:zz", 1}),
                     "DIGEST_INVALID", {"compressed layer \"1111/layer.tar\""}}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
