// Expected values from the Go image-relocation project's own tests (prefix "test.host/testuser")
// and the README's examples, whose hashes are the MD5 of the normalized name.
#include "irel/path_mapping.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

const std::string kSha = "sha256:1e725169f37aec55908694840bc808fb13ebf02cb1765df225437c56a796f870";

struct MapCase {
  const char* label;
  std::string prefix;
  std::string input;
  std::string flattened;  // FlattenRepoPath
  std::string preserved;  // FlattenRepoPathPreserveTagDigest
};

class MapsLikeTheGoProject : public ::testing::TestWithParam<MapCase> {};

TEST_P(MapsLikeTheGoProject, FlattenedAndPreserved) {
  const auto& c = GetParam();
  const auto prefix = ParseRepoPrefix(c.prefix);
  ASSERT_TRUE(prefix.ok());
  const auto original = ParseReference(c.input);
  ASSERT_TRUE(original.ok()) << original.error().message;

  const auto flat = FlattenRepoPath(*prefix, *original);
  ASSERT_TRUE(flat.ok()) << flat.error().message;
  EXPECT_EQ(flat->String(), c.flattened);
  EXPECT_LE(flat->Name().size(), kNameTotalLengthMax);

  const auto kept = FlattenRepoPathPreserveTagDigest(*prefix, *original);
  ASSERT_TRUE(kept.ok());
  EXPECT_EQ(kept->String(), c.preserved);
  EXPECT_EQ(kept->tag, original->tag);
  EXPECT_EQ(kept->digest, original->digest);
  EXPECT_TRUE(ParseReference(kept->String()).ok());
}

const std::string kTestHost = "test.host/testuser";
const std::string kManyElements =
    "some.registry.com/some-user/axxxxxxxxx/bxxxxxxxxx/cxxxxxxxxx/dxxxxxxxxx/exxxxxxxxx/fxxxxxxxxx/"
    "gxxxxxxxxx/hxxxxxxxxx/ixxxxxxxxx/jxxxxxxxxx/kxxxxxxxxx/lxxxxxxxxx/mxxxxxxxxx/nxxxxxxxxx/"
    "oxxxxxxxxx/pxxxxxxxxx/qxxxxxxxxx/rxxxxxxxxx/sxxxxxxxxx/txxxxxxxxx";
// One long component, then the same without its last 11 characters (Go test inputs, verbatim).
const std::string kLong =
    "axxxxxxxxxabxxxxxxxxxbcxxxxxxxxxcdxxxxxxxxxd"
    "exxxxxxxxxefxxxxxxxxxfgxxxxxxxxxghxxxxxxxxxhixxxxxxxxxijxxxxxxxxxjkxxxxxxxxxklxxxxxxxxxl"
    "mxxxxxxxxxmnxxxxxxxxxnoxxxxxxxxxopxxxxxxxxxpqxxxxxxxxxqrxxxxxxxxxrsxxxxxxxxxstxxxxxxxxx";
const std::string kLongNoSt = kLong.substr(0, kLong.size() - 11);
const std::string kLongFewHead = "axxxxxxxxxabxxxxxxxxxbcxxxxxxxxxcdxxxxxxxxxdexxxxxxxxxefxxxxxxxxx";
const std::string kLongFewMid =
    "gxxxxxxxxxghxxxxxxxxxhixxxxxxxxxijxxxxxxxxxjkxxxxxxxxxklxxxxxxxxxlmxxxxxxxxxmnxxxxxxxxxnoxxxxxxxxx"
    "opxxxxxxxxxpqxxxxxxxxxqrxxxxxxxxxrsxxxxxxxxx";

INSTANTIATE_TEST_SUITE_P(
    PathMapping, MapsLikeTheGoProject,
    ::testing::Values(
        MapCase{"single_element", kTestHost, "some.registry.com/some-user",
                "test.host/testuser/some-user-9482d6a53a1789fb7304a4fe88362903",
                "test.host/testuser/some-user-9482d6a53a1789fb7304a4fe88362903"},
        MapCase{"several_elements", kTestHost, "some.registry.com/some-user/some/path",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6"},
        MapCase{"tag", kTestHost, "some.registry.com/some-user/some/path:v1",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6:v1"},
        MapCase{"digest", kTestHost, "some.registry.com/some-user/some/path@" + kSha,
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6@" + kSha},
        MapCase{"tag_and_digest", kTestHost, "some.registry.com/some-user/some/path:v1@" + kSha,
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6",
                "test.host/testuser/some-user-some-path-3236c106420c1d0898246e1d2b6ba8b6:v1@" + kSha},
        MapCase{"preserve_tag_digest_suite", kTestHost, "some.registry.com/some-user/some-path:v1@" + kSha,
                "test.host/testuser/some-user-some-path-f4cdc2223f0c472921033d606fa74a89",
                "test.host/testuser/some-user-some-path-f4cdc2223f0c472921033d606fa74a89:v1@" + kSha},
        MapCase{"long_many_elements_omits_middle", kTestHost, kManyElements,
                "test.host/testuser/some-user-axxxxxxxxx-bxxxxxxxxx-cxxxxxxxxx-dxxxxxxxxx-exxxxxxxxx-"
                "fxxxxxxxxx-gxxxxxxxxx-hxxxxxxxxx-ixxxxxxxxx-jxxxxxxxxx-kxxxxxxxxx-lxxxxxxxxx-mxxxxxxxxx-"
                "nxxxxxxxxx-oxxxxxxxxx-pxxxxxxxxx---txxxxxxxxx-b0d16e8b4d43f2ec842cfcc61989a966",
                "test.host/testuser/some-user-axxxxxxxxx-bxxxxxxxxx-cxxxxxxxxx-dxxxxxxxxx-exxxxxxxxx-"
                "fxxxxxxxxx-gxxxxxxxxx-hxxxxxxxxx-ixxxxxxxxx-jxxxxxxxxx-kxxxxxxxxx-lxxxxxxxxx-mxxxxxxxxx-"
                "nxxxxxxxxx-oxxxxxxxxx-pxxxxxxxxx---txxxxxxxxx-b0d16e8b4d43f2ec842cfcc61989a966"},
        MapCase{"long_few_elements", kTestHost,
                "some.registry.com/some-user/" + kLongFewHead + "/" + kLongFewMid + "/txxxxxxxxx",
                "test.host/testuser/some-user-" + kLongFewHead + "---txxxxxxxxx-4817a2fce97ff7aae687d14e66328781",
                "test.host/testuser/some-user-" + kLongFewHead + "---txxxxxxxxx-4817a2fce97ff7aae687d14e66328781"},
        MapCase{"long_two_elements_keeps_first", kTestHost,
                "some.registry.com/some-user/" + kLong,
                "test.host/testuser/some-user-a363dc80420c33618202ba2828aec456",
                "test.host/testuser/some-user-a363dc80420c33618202ba2828aec456"},
        MapCase{"long_three_elements", kTestHost,
                "some.registry.com/some-user/" + kLongNoSt + "/txxxxxxxxx",
                "test.host/testuser/some-user---txxxxxxxxx-5134b4594954926468fe0bdc23f640ef",
                "test.host/testuser/some-user---txxxxxxxxx-5134b4594954926468fe0bdc23f640ef"},
        MapCase{"long_first_element_keeps_last", kTestHost,
                "some.registry.com/" + kLong + "/suffix",
                "test.host/testuser/suffix-3fa7b8289050d7d4fe5d56f3098397a0",
                "test.host/testuser/suffix-3fa7b8289050d7d4fe5d56f3098397a0"},
        MapCase{"readme_istio", "registry.internal.acme.com/smith", "docker.io/istio/proxyv2",
                "registry.internal.acme.com/smith/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0",
                "registry.internal.acme.com/smith/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0"},
        MapCase{"readme_riff", "registry.internal.acme.com/smith", "projectriff/builder:v1",
                "registry.internal.acme.com/smith/projectriff-builder-a4a25a99d48adad8310050be267a10ce",
                "registry.internal.acme.com/smith/projectriff-builder-a4a25a99d48adad8310050be267a10ce:v1"},
        MapCase{"prefix_is_a_host", "localhost:5000", "busybox",
                "localhost:5000/library-busybox-" + std::string("2ca7f7c7890510b5b91edfe1dd9a71fd"),
                "localhost:5000/library-busybox-" + std::string("2ca7f7c7890510b5b91edfe1dd9a71fd")},
        MapCase{"prefix_without_domain_normalizes", "smith", "busybox",
                "docker.io/smith/library-busybox-" + std::string("2ca7f7c7890510b5b91edfe1dd9a71fd"),
                "docker.io/smith/library-busybox-" + std::string("2ca7f7c7890510b5b91edfe1dd9a71fd")}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(PathMapping, ALongPrefixLeavingNoRoomForTheHashIsAnError) {
  const auto prefix = ParseRepoPrefix("example.com/" + std::string(230, 'p'));
  ASSERT_TRUE(prefix.ok());
  const auto mapped = FlattenRepoPath(*prefix, *ParseReference("busybox"));
  ASSERT_FALSE(mapped.ok());
  EXPECT_EQ(mapped.error().code, "MAPPING_TOO_LONG");
}

TEST(PathMapping, APrefixLeavingRoomOnlyForTheHashDropsThePath) {
  const std::string p = "example.com/" + std::string(255 - 12 - 33, 'p');
  const auto mapped = FlattenRepoPath(*ParseRepoPrefix(p), *ParseReference("busybox"));
  ASSERT_TRUE(mapped.ok()) << mapped.error().message;
  EXPECT_EQ(mapped->Name().size(), 255u);
  EXPECT_EQ(mapped->path.substr(mapped->path.rfind('/') + 1).size(), 32u);
}

}  // namespace
}  // namespace irel
