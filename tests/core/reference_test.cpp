// Cases from the grammar of github.com/distribution/reference and its public tests, and from the
// Go image-relocation project's name tests.
#include "irel/reference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace irel {
namespace {

const std::string kSha = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

struct ValidCase {
  const char* label;
  std::string input;
  std::string domain, path, tag, digest;
  std::string familiar;
};

class ParsesValid : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ParsesValid, IntoDomainPathTagDigest) {
  const auto& c = GetParam();
  const auto ref = ParseReference(c.input);
  ASSERT_TRUE(ref.ok()) << c.input << ": " << (ref.ok() ? "" : ref.error().message);
  EXPECT_EQ(ref->domain, c.domain);
  EXPECT_EQ(ref->path, c.path);
  EXPECT_EQ(ref->tag, c.tag);
  EXPECT_EQ(ref->digest, c.digest);
  EXPECT_EQ(ref->Familiar(), c.familiar);
  // Normalized and familiar forms parse back to the same reference.
  EXPECT_EQ(*ParseReference(ref->String()), *ref);
  EXPECT_EQ(*ParseReference(ref->Familiar()), *ref);
}

const std::string k255 = std::string(kDockerHubDomain) + "/" + std::string(127, 'a') + "/" +
                         std::string(255 - 10 - 128, 'b');

INSTANTIATE_TEST_SUITE_P(
    Reference, ParsesValid,
    ::testing::Values(
        ValidCase{"official_short", "busybox", "docker.io", "library/busybox", "", "", "busybox"},
        ValidCase{"official_tag", "ubuntu:18.10", "docker.io", "library/ubuntu", "18.10", "", "ubuntu:18.10"},
        ValidCase{"library_prefix", "library/ubuntu", "docker.io", "library/ubuntu", "", "", "ubuntu"},
        ValidCase{"docker_io_short", "docker.io/foo", "docker.io", "library/foo", "", "", "foo"},
        ValidCase{"index_docker_io", "index.docker.io/fooo/bar", "docker.io", "fooo/bar", "", "", "fooo/bar"},
        ValidCase{"user_repo", "projectriff/builder:v1", "docker.io", "projectriff/builder", "v1", "", "projectriff/builder:v1"},
        ValidCase{"library_nested_not_official", "docker.io/library/foo/bar", "docker.io", "library/foo/bar", "", "", "library/foo/bar"},
        ValidCase{"other_library", "other/library", "docker.io", "other/library", "", "", "other/library"},
        ValidCase{"tag_and_digest", "busybox:latest@" + kSha, "docker.io", "library/busybox", "latest", kSha, "busybox:latest@" + kSha},
        ValidCase{"digest_only", "redis@" + kSha, "docker.io", "library/redis", "", kSha, "redis@" + kSha},
        ValidCase{"ipv4_port", "127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker", "", "", "127.0.0.1:5000/docker/docker"},
        ValidCase{"ipv4_no_path_is_hub_repo_with_tag", "192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", "", "192.168.0.1:80"},
        ValidCase{"ipv6", "[fc00::1]:5000/docker", "[fc00::1]:5000", "docker", "", "", "[fc00::1]:5000/docker"},
        ValidCase{"ipv6_full", "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000", "library/debian", "", "", "[fc00:1:2:3:4:5:6:7]:5000/library/debian"},
        ValidCase{"localhost", "localhost/foo:bar", "localhost", "foo", "bar", "", "localhost/foo:bar"},
        ValidCase{"localhost_port", "localhost:5000/a/b/c", "localhost:5000", "a/b/c", "", "", "localhost:5000/a/b/c"},
        ValidCase{"dashed_host_port", "test-com:8080/foo", "test-com:8080", "foo", "", "", "test-com:8080/foo"},
        ValidCase{"punycode", "xn--n3h.com:18080/foo:xn--n3h.com", "xn--n3h.com:18080", "foo", "xn--n3h.com", "", "xn--n3h.com:18080/foo:xn--n3h.com"},
        ValidCase{"underscore_first_component_is_path", "test_com/foo", "docker.io", "test_com/foo", "", "", "test_com/foo"},
        ValidCase{"uppercase_first_component_is_domain", "Docker/docker", "Docker", "docker", "", "", "Docker/docker"},
        ValidCase{"separators", "a__b/c---d/e.f_g", "docker.io", "a__b/c---d/e.f_g", "", "", "a__b/c---d/e.f_g"},
        ValidCase{"hub_path_looking_like_a_domain_keeps_it", "docker.io/foo.bar/baz", "docker.io", "foo.bar/baz", "", "", "docker.io/foo.bar/baz"},
        ValidCase{"single_chars", "d/t", "docker.io", "d/t", "", "", "d/t"},
        ValidCase{"hex64_with_domain", "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "", "", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"},
        ValidCase{"hex63_is_a_name", "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io", "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "", "", "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9"},
        ValidCase{"tag_128", "foo:" + std::string(128, 'T'), "docker.io", "library/foo", std::string(128, 'T'), "", "foo:" + std::string(128, 'T')},
        ValidCase{"tag_underscore_start", "foo:_x.y-z", "docker.io", "library/foo", "_x.y-z", "", "foo:_x.y-z"},
        ValidCase{"name_exactly_255", k255, "docker.io", k255.substr(10), "", "", k255.substr(10)},
        ValidCase{"sha512", "foo@sha512:" + std::string(128, 'a'), "docker.io", "library/foo", "", "sha512:" + std::string(128, 'a'), "foo@sha512:" + std::string(128, 'a')},
        ValidCase{"seed_gcr", "gcr.io/cf-elafros/knative-releases/github.com/knative/serving/cmd/autoscaler@sha256:deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef", "gcr.io", "cf-elafros/knative-releases/github.com/knative/serving/cmd/autoscaler", "", "sha256:deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef", "gcr.io/cf-elafros/knative-releases/github.com/knative/serving/cmd/autoscaler@sha256:deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"}),
    [](const auto& info) { return std::string(info.param.label); });

struct InvalidCase {
  const char* label;
  std::string input;
  std::string code;
  std::string message_mentions;
};

class RejectsInvalid : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(RejectsInvalid, WithTheRuleThatFailed) {
  const auto& c = GetParam();
  const auto ref = ParseReference(c.input);
  ASSERT_FALSE(ref.ok()) << c.input << " parsed as " << ref->String();
  EXPECT_EQ(ref.error().code, c.code) << ref.error().message;
  EXPECT_NE(ref.error().message.find(c.message_mentions), std::string::npos) << ref.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Reference, RejectsInvalid,
    ::testing::Values(
        InvalidCase{"empty", "", "NAME_EMPTY", "at least one component"},
        InvalidCase{"uppercase_repo", "docker/Docker", "NAME_UPPERCASE", "must be lowercase"},
        InvalidCase{"uppercase_after_domain", "docker.io/docker/Docker", "NAME_UPPERCASE", "docker/Docker"},
        InvalidCase{"uppercase_single", "Uppercase:tag", "NAME_UPPERCASE", "must be lowercase"},
        InvalidCase{"hex64_familiar", "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "NAME_INVALID_FORMAT", "64-byte hexadecimal"},
        InvalidCase{"url", "https://github.com/docker/docker", "NAME_INVALID_FORMAT", "https:"},
        InvalidCase{"leading_dash", "-docker", "NAME_INVALID_FORMAT", "-docker"},
        InvalidCase{"leading_dash_domain", "-docker.io/docker/docker", "NAME_INVALID_FORMAT", "-docker.io"},
        InvalidCase{"trailing_dash", "docker-/docker", "NAME_INVALID_FORMAT", "docker-"},
        InvalidCase{"triple_slash", "docker///docker", "NAME_INVALID_FORMAT", "empty path component"},
        InvalidCase{"trailing_slash", "docker/", "NAME_INVALID_FORMAT", "empty path component"},
        InvalidCase{"underscores_only", "____/____", "NAME_INVALID_FORMAT", "____"},
        InvalidCase{"underscore_start", "_docker/_docker", "NAME_INVALID_FORMAT", "_docker"},
        InvalidCase{"double_period", "dock..er/docker", "NAME_INVALID_FORMAT", "dock..er"},
        InvalidCase{"triple_underscore", "a___b/c", "NAME_INVALID_FORMAT", "a___b"},
        InvalidCase{"mixed_separators", "dock_.er/docker", "NAME_INVALID_FORMAT", "dock_.er"},
        InvalidCase{"ipv6_no_path", "[fc00::1]:5000", "NAME_INVALID_FORMAT", "[fc00"},
        InvalidCase{"ipv6_unbracketed", "fc00::1:5000/debian", "NAME_INVALID_FORMAT", "fc00::1:5000"},
        InvalidCase{"ipv6_zone", "[fe80::1%eth0]:5000/debian", "NAME_INVALID_FORMAT", "fe80::1%eth0"},
        InvalidCase{"ipv6_embedded_ipv4", "[2001:db8:3:4::192.0.2.33]:5000/debian", "NAME_INVALID_FORMAT", "192.0.2.33"},
        InvalidCase{"empty_port", "example.com:/foo", "NAME_INVALID_FORMAT", "example.com:"},
        InvalidCase{"just_tag", ":justtag", "NAME_INVALID_FORMAT", "empty path component"},
        InvalidCase{"just_digest", "@" + kSha, "NAME_INVALID_FORMAT", "empty path component"},
        InvalidCase{"empty_tag", "foo:", "NAME_INVALID_FORMAT", "tag"},
        InvalidCase{"tag_129", "foo:" + std::string(129, 'a'), "NAME_INVALID_FORMAT", "tag"},
        InvalidCase{"tag_leading_dash", "foo:-x", "NAME_INVALID_FORMAT", "-x"},
        InvalidCase{"tag_bad_char", "foo:a+b", "NAME_INVALID_FORMAT", "a+b"},
        InvalidCase{"space", "foo bar", "NAME_INVALID_FORMAT", " bar"},
        InvalidCase{"double_tag", "foo:a:b", "NAME_INVALID_FORMAT", "a:b"},
        InvalidCase{"digest_short", "foo@sha256:ffffffffffffffffffffffffffffff", "NAME_INVALID_FORMAT", "digest"},
        InvalidCase{"digest_no_alg", "foo@" + std::string(64, 'a'), "NAME_INVALID_FORMAT", "digest"},
        InvalidCase{"digest_unsupported", "validname@invaliddigest:" + std::string(64, 'f'), "DIGEST_INVALID", "unsupported algorithm"},
        InvalidCase{"digest_wrong_length", "foo@sha256:" + std::string(65, 'f'), "DIGEST_INVALID", "64 hex"},
        InvalidCase{"digest_uppercase_hex", "foo@sha256:" + std::string(64, 'F'), "DIGEST_INVALID", "lowercase"},
        InvalidCase{"name_256", k255 + "b", "NAME_TOO_LONG", "255"},
        InvalidCase{"namespace_too_long", std::string(200, 'a') + "_" + std::string(60, 'b') + "/docker", "NAME_TOO_LONG", "255"}),
    [](const auto& info) { return std::string(info.param.label); });

struct SynonymCase {
  const char* label;
  std::string input;
  std::vector<std::string> synonyms;
};

class HasSynonyms : public ::testing::TestWithParam<SynonymCase> {};

TEST_P(HasSynonyms, AsTheGoProjectDefinedThem) {
  const auto& c = GetParam();
  auto got = ParseReference(c.input)->Synonyms();
  auto want = c.synonyms;
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  // Synonyms of synonyms add nothing new.
  for (const auto& s : got) {
    auto again = ParseReference(s)->Synonyms();
    std::sort(again.begin(), again.end());
    EXPECT_EQ(again, want) << s;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Reference, HasSynonyms,
    ::testing::Values(
        SynonymCase{"official", "ubuntu", {"ubuntu", "library/ubuntu", "docker.io/library/ubuntu", "index.docker.io/library/ubuntu"}},
        SynonymCase{"official_tag_digest", "index.docker.io/library/ubuntu:18.10@" + kSha,
                    {"ubuntu:18.10@" + kSha, "library/ubuntu:18.10@" + kSha, "docker.io/library/ubuntu:18.10@" + kSha, "index.docker.io/library/ubuntu:18.10@" + kSha}},
        SynonymCase{"user_repo", "istio/proxyv2", {"istio/proxyv2", "docker.io/istio/proxyv2", "index.docker.io/istio/proxyv2"}},
        SynonymCase{"hub_path_looking_like_a_domain", "docker.io/foo.bar/baz", {"docker.io/foo.bar/baz", "index.docker.io/foo.bar/baz"}},
        SynonymCase{"other_registry", "gcr.io/a/b:1", {"gcr.io/a/b:1"}}),
    [](const auto& info) { return std::string(info.param.label); });

}  // namespace
}  // namespace irel
