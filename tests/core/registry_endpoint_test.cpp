#include "irel/registry_endpoint.hpp"

#include <gtest/gtest.h>

namespace irel {
namespace {

struct EndpointCase {
  const char* label;
  std::string ref;
  std::vector<std::string> insecure;
  std::string base_url;
  bool plain_http_allowed;
};

class FindsEndpoints : public ::testing::TestWithParam<EndpointCase> {};

TEST_P(FindsEndpoints, HttpsWithPlainFallbackOnlyForLoopbackOrInsecure) {
  const auto& c = GetParam();
  const auto e = EndpointFor(*ParseReference(c.ref), TransportPolicy{c.insecure});
  EXPECT_EQ(e.base_url, c.base_url);
  EXPECT_EQ(e.plain_http_allowed, c.plain_http_allowed);
}

INSTANTIATE_TEST_SUITE_P(
    Endpoint, FindsEndpoints,
    ::testing::Values(EndpointCase{"docker_hub", "busybox", {}, "https://registry-1.docker.io", false},
                      EndpointCase{"remote", "quay.io/a/b", {}, "https://quay.io", false},
                      EndpointCase{"loopback_ip", "127.0.0.1:5000/a", {}, "https://127.0.0.1:5000", true},
                      EndpointCase{"localhost", "localhost:5000/a", {}, "https://localhost:5000", true},
                      EndpointCase{"ipv6_loopback", "[::1]:5000/a", {}, "https://[::1]:5000", true},
                      EndpointCase{"insecure_named_with_port", "reg.lan:5000/a", {"reg.lan:5000"}, "https://reg.lan:5000", true},
                      EndpointCase{"insecure_named_host_only", "reg.lan:5000/a", {"reg.lan"}, "https://reg.lan:5000", true},
                      EndpointCase{"not_insecure", "reg.lan:5000/a", {"other.lan"}, "https://reg.lan:5000", false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Endpoint, BuildsDistributionUrls) {
  auto e = EndpointFor(*ParseReference("localhost:5000/team/app"), {});
  e.base_url = e.PlainBaseUrl();
  EXPECT_EQ(e.ManifestUrl("v1"), "http://localhost:5000/v2/team/app/manifests/v1");
  EXPECT_EQ(e.BlobUrl("sha256:ab"), "http://localhost:5000/v2/team/app/blobs/sha256:ab");
  EXPECT_EQ(e.UploadUrl(), "http://localhost:5000/v2/team/app/blobs/uploads/");
  EXPECT_EQ(e.MountUrl("sha256:ab", "other/repo"), "http://localhost:5000/v2/team/app/blobs/uploads/?mount=sha256:ab&from=other/repo");
  EXPECT_EQ(e.ReferrersUrl("sha256:ab"), "http://localhost:5000/v2/team/app/referrers/sha256:ab");
  EXPECT_EQ(e.ReferrersUrl("sha256:ab", "application/spdx+json"),
            "http://localhost:5000/v2/team/app/referrers/sha256:ab?artifactType=application/spdx%2Bjson");
}

struct LocationCase {
  const char* label;
  std::string request, location, resolved;
};

class ResolvesLocations : public ::testing::TestWithParam<LocationCase> {};

TEST_P(ResolvesLocations, AbsoluteOrRelative) {
  const auto& c = GetParam();
  const auto got = ResolveLocation(c.request, c.location);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, c.resolved);
}

INSTANTIATE_TEST_SUITE_P(
    Endpoint, ResolvesLocations,
    ::testing::Values(
        LocationCase{"absolute", "http://r:5000/v2/a/blobs/uploads/", "https://s3.example/x?sig=1", "https://s3.example/x?sig=1"},
        LocationCase{"root_relative", "http://r:5000/v2/a/blobs/uploads/", "/v2/a/blobs/uploads/uuid?_state=s", "http://r:5000/v2/a/blobs/uploads/uuid?_state=s"},
        LocationCase{"path_relative", "http://r:5000/v2/a/blobs/uploads/?mount=x", "uuid", "http://r:5000/v2/a/blobs/uploads/uuid"},
        LocationCase{"scheme_relative", "https://r/v2/", "//cdn.example/b", "https://cdn.example/b"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Endpoint, AppendsQueryKeepingSessionState) {
  EXPECT_EQ(AppendQuery("http://r/u?_state=abc", "digest", "sha256:ff"), "http://r/u?_state=abc&digest=sha256:ff");
  EXPECT_EQ(AppendQuery("http://r/u", "digest", "sha256:ff"), "http://r/u?digest=sha256:ff");
  EXPECT_FALSE(ResolveLocation("http://r/x", "").ok());
}

}  // namespace
}  // namespace irel
