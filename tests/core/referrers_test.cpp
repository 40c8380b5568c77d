#include "irel/referrers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace irel {
namespace {

const std::string A = "sha256:" + std::string(64, 'a');
const std::string B = "sha256:" + std::string(64, 'b');
const std::string C = "sha256:" + std::string(64, 'c');
const std::string S = "sha256:" + std::string(64, '5');  // the subject
const std::string kManifest = "application/vnd.oci.image.manifest.v1+json";
const std::string kIndex = "application/vnd.oci.image.index.v1+json";

std::string Entry(const std::string& digest, const std::string& media_type = kManifest, const std::string& extra = "") {
  return R"({"mediaType":")" + media_type + R"(","digest":")" + digest + R"(","size":10)" + extra + "}";
}

std::string IndexOf(const std::vector<std::string>& entries) {
  std::string body = R"({"schemaVersion":2,"mediaType":")" + kIndex + R"(","manifests":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) body += (i ? "," : "") + entries[i];
  return body + "]}";
}

// A referrer as cosign and oras write them: an image manifest with a subject.
std::string Referrer(const std::string& config_type, const std::string& layer_type, const std::string& artifact_type,
                     const std::string& subject = S) {
  std::string m = R"({"schemaVersion":2,"mediaType":")" + kManifest + "\",";
  if (!artifact_type.empty()) m += R"("artifactType":")" + artifact_type + "\",";
  m += R"("config":{"mediaType":")" + config_type + R"(","digest":")" + A + R"(","size":2},)";
  m += R"("layers":[{"mediaType":")" + layer_type + R"(","digest":")" + B + R"(","size":3}],)";
  if (!subject.empty()) m += R"("subject":{"mediaType":")" + kManifest + R"(","digest":")" + subject + R"(","size":7},)";
  m += R"("annotations":{"org.opencontainers.image.created":"2026-01-01T00:00:00Z"}})";
  return m;
}

struct TagCase {
  const char* label;
  std::string digest;
  std::string tag;  // empty: DIGEST_INVALID
};

class NamesFallbackTags : public ::testing::TestWithParam<TagCase> {};

TEST_P(NamesFallbackTags, AlgorithmDashHexTruncated) {
  const auto& c = GetParam();
  const auto tag = ReferrersTag(c.digest);
  if (c.tag.empty()) {
    ASSERT_FALSE(tag.ok());
    EXPECT_EQ(tag.error().code, "DIGEST_INVALID");
    return;
  }
  ASSERT_TRUE(tag.ok()) << tag.error().message;
  EXPECT_EQ(*tag, c.tag);
  EXPECT_LE(tag->size(), 128u);  // a tag's limit
}

INSTANTIATE_TEST_SUITE_P(
    Referrers, NamesFallbackTags,
    ::testing::Values(TagCase{"sha256", A, "sha256-" + std::string(64, 'a')},
                      TagCase{"sha512 hex cut to 64", "sha512:" + std::string(128, 'e'), "sha512-" + std::string(64, 'e')},
                      TagCase{"not a digest", "latest", ""},
                      TagCase{"uppercase hex", "sha256:" + std::string(64, 'A'), ""}),
    [](const auto& info) {
      std::string n = info.param.label;
      for (auto& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(CosignTagsOfASubject, SigAttSbom) {
  const auto tags = CosignTags(A);
  ASSERT_TRUE(tags.ok());
  const std::string base = "sha256-" + std::string(64, 'a');
  EXPECT_EQ(*tags, (std::vector<std::string>{base + ".sig", base + ".att", base + ".sbom"}));
  EXPECT_FALSE(CosignTags("sha256:xyz").ok());
}

struct ParseCase {
  const char* label;
  std::string bytes;
  std::string manifest_digest;
  std::vector<std::string> digests;  // the referrers listed
  std::string code;                  // non-empty: the error expected
};

class ReadsReferrerLists : public ::testing::TestWithParam<ParseCase> {};

TEST_P(ReadsReferrerLists, ListsManifestsOnly) {
  const auto& c = GetParam();
  const auto r = ParseReferrers(c.bytes, c.manifest_digest, S);
  if (!c.code.empty()) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, c.code);
    return;
  }
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<std::string> got;
  for (const auto& d : *r) got.push_back(d.digest);
  EXPECT_EQ(got, c.digests);
}

INSTANTIATE_TEST_SUITE_P(
    Referrers, ReadsReferrerLists,
    ::testing::Values(
        ParseCase{"an empty list", IndexOf({}), C, {}, ""},
        ParseCase{"two referrers in order", IndexOf({Entry(A), Entry(B, kIndex)}), C, {A, B}, ""},
        ParseCase{"a duplicate listed once", IndexOf({Entry(A), Entry(A)}), C, {A}, ""},
        ParseCase{"the subject itself is no referrer", IndexOf({Entry(S), Entry(A)}), C, {A}, ""},
        ParseCase{"a tag answered with the image itself (GitLab)", Referrer(kManifest, kManifest, ""), S, {}, ""},
        ParseCase{"an image manifest is not a list", Referrer("application/vnd.oci.image.config.v1+json", "x/y", ""), C, {},
                  "MANIFEST_INVALID"},
        ParseCase{"a blob listed as a referrer", IndexOf({Entry(A, "application/vnd.oci.image.layer.v1.tar")}), C, {},
                  "MANIFEST_INVALID"},
        ParseCase{"not JSON", "<html>", C, {}, "MANIFEST_INVALID"}),
    [](const auto& info) {
      std::string n = info.param.label;
      for (auto& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

TEST(ReferrerDescriptors, TypeFromTheManifestItself) {
  const std::string sbom = Referrer("application/vnd.oci.empty.v1+json", "application/spdx+json", "application/spdx+json");
  const auto d = ReferrerDescriptor(sbom, kManifest, C);
  ASSERT_TRUE(d.ok()) << d.error().message;
  EXPECT_EQ(d->artifact_type, "application/spdx+json");
  EXPECT_EQ(d->digest, C);
  EXPECT_EQ(d->size, static_cast<std::int64_t>(sbom.size()));
  EXPECT_EQ(d->annotations.at("org.opencontainers.image.created"), "2026-01-01T00:00:00Z");

  // No artifactType: the config's media type stands in (the spec's rule).
  const std::string sig = Referrer("application/vnd.dev.cosign.artifact.sig.v1+json", "application/vnd.dev.cosign.simplesigning.v1+json", "");
  EXPECT_EQ(ReferrerDescriptor(sig, kManifest, C)->artifact_type, "application/vnd.dev.cosign.artifact.sig.v1+json");
  EXPECT_EQ(*SubjectOf(sig, kManifest), S);
  EXPECT_EQ(*SubjectOf(Referrer(kManifest, kManifest, "", ""), kManifest), "");
  EXPECT_FALSE(SubjectOf("{", kManifest).ok());
}

struct TypeCase {
  const char* label;
  std::string manifest;
  std::vector<std::string> types;
  bool kept;
};

class FiltersReferrersByType : public ::testing::TestWithParam<TypeCase> {};

TEST_P(FiltersReferrersByType, ArtifactTypeOrCosignPayload) {
  const auto& c = GetParam();
  const auto d = ReferrerDescriptor(c.manifest, kManifest, C);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(ReferrerTypeKept(*d, c.manifest, c.types), c.kept);
}

const std::string kSbom = Referrer("application/vnd.oci.empty.v1+json", "application/spdx+json", "application/spdx+json");
const std::string kCosignSig =
    Referrer("application/vnd.oci.image.config.v1+json", "application/vnd.dev.cosign.simplesigning.v1+json", "");

INSTANTIATE_TEST_SUITE_P(
    Referrers, FiltersReferrersByType,
    ::testing::Values(TypeCase{"no filter keeps all", kSbom, {}, true},
                      TypeCase{"artifactType listed", kSbom, {"application/spdx+json"}, true},
                      TypeCase{"artifactType not listed", kSbom, {"application/vnd.in-toto+json"}, false},
                      TypeCase{"cosign payload type", kCosignSig, {"application/vnd.dev.cosign.simplesigning.v1+json"}, true},
                      TypeCase{"cosign another type", kCosignSig, {"application/spdx+json"}, false}),
    [](const auto& info) {
      std::string n = info.param.label;
      for (auto& ch : n) if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return n;
    });

Descriptor Desc(const std::string& digest, const std::string& type) {
  Descriptor d;
  d.media_type = kManifest;
  d.digest = digest;
  d.size = 42;
  d.artifact_type = type;
  return d;
}

TEST(MergesFallbackIndexes, NewIndexWithTheReferrers) {
  const auto m = MergeReferrers("", {Desc(A, "application/spdx+json")});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->unchanged);
  EXPECT_EQ(m->bytes, R"({"schemaVersion":2,"mediaType":")" + kIndex + R"(","manifests":[{"mediaType":")" + kManifest +
                          R"(","digest":")" + A + R"(","size":42,"artifactType":"application/spdx+json"}]})");
  const auto back = ParseReferrers(m->bytes, C, S);
  ASSERT_TRUE(back.ok());
  ASSERT_EQ(back->size(), 1u);
  EXPECT_EQ(back->front().artifact_type, "application/spdx+json");
}

TEST(MergesFallbackIndexes, KeepsWhatIsThereAndItsOrder) {
  // An entry written by another tool, with fields of its own, stays byte for byte.
  const std::string theirs = IndexOf({Entry(B, kManifest, R"(,"artifactType":"x/y","annotations":{"z":"1"},"data":"e30=")")});
  const auto m = MergeReferrers(theirs, {Desc(B, "other/type"), Desc(A, "a/b")});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->unchanged);
  const auto listed = ParseReferrers(m->bytes, C, S);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].digest, B);
  EXPECT_EQ((*listed)[0].artifact_type, "x/y");  // not replaced
  EXPECT_EQ((*listed)[1].digest, A);
  EXPECT_NE(m->bytes.find(R"("data":"e30=")"), std::string::npos);
}

TEST(MergesFallbackIndexes, NothingNewLeavesTheBytes) {
  const std::string theirs = IndexOf({Entry(A)});
  const auto m = MergeReferrers(theirs, {Desc(A, "a/b")});
  ASSERT_TRUE(m.ok());
  EXPECT_TRUE(m->unchanged);
  EXPECT_EQ(m->bytes, theirs);
}

TEST(MergesFallbackIndexes, RefusesWhatIsNotAnIndex) {
  for (const std::string bad : {std::string("[]"), std::string("{\"manifests\":{}}"), std::string("nope"),
                                std::string(100000, '[')}) {
    const auto m = MergeReferrers(bad, {Desc(A, "a/b")});
    ASSERT_FALSE(m.ok()) << bad.substr(0, 20);
    EXPECT_EQ(m.error().code, "MANIFEST_INVALID");
  }
}

}  // namespace
}  // namespace irel
