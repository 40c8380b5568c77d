// Cases from containers/image's transport tests (transports/alltransports, oci/internal,
// docker/archive) and from the places `irel copy` took before it knew transports.
#include "irel/place.hpp"

#include <gtest/gtest.h>

#include <string>

namespace irel {
namespace {

const std::string kSha = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c";

struct ValidCase {
  const char* label;
  std::string input;
  PlaceTransport transport;
  std::string path, name, reference;
  int index;
  std::string canonical;
};

class ParsesPlace : public ::testing::TestWithParam<ValidCase> {};

TEST_P(ParsesPlace, IntoItsParts) {
  const auto& c = GetParam();
  const auto p = ParsePlace(c.input);
  ASSERT_TRUE(p.ok()) << c.input << ": " << (p.ok() ? "" : p.error().message);
  EXPECT_EQ(PlaceTransportName(p->transport), PlaceTransportName(c.transport));
  EXPECT_EQ(p->path, c.path);
  EXPECT_EQ(p->name, c.name);
  EXPECT_EQ(p->reference, c.reference);
  EXPECT_EQ(p->index, c.index);
  EXPECT_EQ(p->String(), c.canonical);
  // The canonical spelling parses back to the same place.
  const auto again = ParsePlace(p->String());
  ASSERT_TRUE(again.ok()) << p->String();
  EXPECT_EQ(*again, *p);
}

constexpr auto kDocker = PlaceTransport::Docker;
constexpr auto kOci = PlaceTransport::Oci;
constexpr auto kOciArchive = PlaceTransport::OciArchive;
constexpr auto kDockerArchive = PlaceTransport::DockerArchive;

INSTANTIATE_TEST_SUITE_P(
    Place, ParsesPlace,
    ::testing::Values(
        // Registries: with docker:// or without any transport, as irel always took them.
        ValidCase{"docker_scheme", "docker://busybox:1", kDocker, "", "", "docker.io/library/busybox:1", -1, "docker://docker.io/library/busybox:1"},
        ValidCase{"docker_scheme_no_tag_stays_untagged", "docker://busybox", kDocker, "", "", "docker.io/library/busybox", -1, "docker://docker.io/library/busybox"},
        ValidCase{"docker_scheme_tag_and_digest", "docker://busybox:v1-dirty@" + kSha, kDocker, "", "", "docker.io/library/busybox:v1-dirty@" + kSha, -1, "docker://docker.io/library/busybox:v1-dirty@" + kSha},
        ValidCase{"default_is_docker", "nginx:1", kDocker, "", "", "docker.io/library/nginx:1", -1, "docker://docker.io/library/nginx:1"},
        ValidCase{"host_port_is_not_a_transport", "localhost:5000/x:1", kDocker, "", "", "localhost:5000/x:1", -1, "docker://localhost:5000/x:1"},
        ValidCase{"ipv4_port_is_not_a_transport", "127.0.0.1:5000/a", kDocker, "", "", "127.0.0.1:5000/a", -1, "docker://127.0.0.1:5000/a"},
        ValidCase{"ipv6_port_is_not_a_transport", "[::1]:5000/a:v2", kDocker, "", "", "[::1]:5000/a:v2", -1, "docker://[::1]:5000/a:v2"},
        ValidCase{"docker_without_slashes_is_the_image_named_docker", "docker:dind", kDocker, "", "", "docker.io/library/docker:dind", -1, "docker://docker.io/library/docker:dind"},
        ValidCase{"host_named_docker_with_port", "docker:5000/x", kDocker, "", "", "docker:5000/x", -1, "docker://docker:5000/x"},
        ValidCase{"docker_scheme_names_an_image_called_oci", "docker://oci:1", kDocker, "", "", "docker.io/library/oci:1", -1, "docker://docker.io/library/oci:1"},
        ValidCase{"unknown_prefix_is_a_tag", "alpine:3.19", kDocker, "", "", "docker.io/library/alpine:3.19", -1, "docker://docker.io/library/alpine:3.19"},
        // OCI layouts: the path ends at the first ':'; the rest is the ref.name or :@N.
        ValidCase{"oci_dir_only", "oci:/var/lib/layout", kOci, "/var/lib/layout", "", "", -1, "oci:/var/lib/layout"},
        ValidCase{"oci_relative", "oci:out", kOci, "out", "", "", -1, "oci:out"},
        ValidCase{"oci_plain_tag", "oci:/etc:someimage", kOci, "/etc", "someimage", "", -1, "oci:/etc:someimage"},
        ValidCase{"oci_name_with_colon", "oci:/etc:someimage:mytag", kOci, "/etc", "someimage:mytag", "", -1, "oci:/etc:someimage:mytag"},
        ValidCase{"oci_full_reference_name", "oci:dir:docker.io/library/busybox:latest", kOci, "dir", "docker.io/library/busybox:latest", "", -1, "oci:dir:docker.io/library/busybox:latest"},
        ValidCase{"oci_name_host_port", "oci:dir:localhost:5000/a/b:1", kOci, "dir", "localhost:5000/a/b:1", "", -1, "oci:dir:localhost:5000/a/b:1"},
        ValidCase{"oci_name_uppercase_and_plus", "oci:dir:V1+build", kOci, "dir", "V1+build", "", -1, "oci:dir:V1+build"},
        ValidCase{"oci_name_double_dash", "oci:dir:a--b", kOci, "dir", "a--b", "", -1, "oci:dir:a--b"},
        ValidCase{"oci_name_at_inside_is_a_name", "oci:dir:notlatest@1", kOci, "dir", "notlatest@1", "", -1, "oci:dir:notlatest@1"},
        ValidCase{"oci_empty_name_is_no_name", "oci:dir:", kOci, "dir", "", "", -1, "oci:dir"},
        ValidCase{"oci_index", "oci:dir:@0", kOci, "dir", "", "", 0, "oci:dir:@0"},
        ValidCase{"oci_index_leading_zeros", "oci:dir:@007", kOci, "dir", "", "", 7, "oci:dir:@7"},
        ValidCase{"oci_index_int_max", "oci:dir:@2147483647", kOci, "dir", "", "", 2147483647, "oci:dir:@2147483647"},
        ValidCase{"oci_double_slash_is_a_path", "oci://tmp/x", kOci, "//tmp/x", "", "", -1, "oci://tmp/x"},
        ValidCase{"oci_path_with_spaces", "oci:my layouts/a b", kOci, "my layouts/a b", "", "", -1, "oci:my layouts/a b"},
        ValidCase{"oci_archive", "oci-archive:/tmp/x.tar", kOciArchive, "/tmp/x.tar", "", "", -1, "oci-archive:/tmp/x.tar"},
        ValidCase{"oci_archive_name", "oci-archive:x.tar.zst:v1", kOciArchive, "x.tar.zst", "v1", "", -1, "oci-archive:x.tar.zst:v1"},
        ValidCase{"oci_archive_index", "oci-archive:x.tar.gz:@3", kOciArchive, "x.tar.gz", "", "", 3, "oci-archive:x.tar.gz:@3"},
        // docker save tarballs: REF is a RepoTags entry, normalized and tagged.
        ValidCase{"docker_archive_path_only", "docker-archive:/tmp/save.tar", kDockerArchive, "/tmp/save.tar", "", "", -1, "docker-archive:/tmp/save.tar"},
        ValidCase{"docker_archive_ref", "docker-archive:busybox.tar:busybox:latest", kDockerArchive, "busybox.tar", "", "docker.io/library/busybox:latest", -1, "docker-archive:busybox.tar:docker.io/library/busybox:latest"},
        ValidCase{"docker_archive_untagged_ref_gets_latest", "docker-archive:a.tar:busybox", kDockerArchive, "a.tar", "", "docker.io/library/busybox:latest", -1, "docker-archive:a.tar:docker.io/library/busybox:latest"},
        ValidCase{"docker_archive_ref_host_port", "docker-archive:a.tar:localhost:5000/x:2", kDockerArchive, "a.tar", "", "localhost:5000/x:2", -1, "docker-archive:a.tar:localhost:5000/x:2"},
        ValidCase{"docker_archive_index", "docker-archive:a.tar:@1", kDockerArchive, "a.tar", "", "", 1, "docker-archive:a.tar:@1"}),
    [](const auto& info) { return std::string(info.param.label); });

struct InvalidCase {
  const char* label;
  std::string input;
  std::string code;
  std::string message_mentions;
};

class RejectsPlace : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(RejectsPlace, NamingWhatIsWrong) {
  const auto& c = GetParam();
  const auto p = ParsePlace(c.input);
  ASSERT_FALSE(p.ok()) << c.input << " parsed as " << p->String();
  EXPECT_EQ(p.error().code, c.code) << p.error().message;
  EXPECT_NE(p.error().message.find(c.message_mentions), std::string::npos) << p.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Place, RejectsPlace,
    ::testing::Values(
        // Transports containers/image knows and irel does not copy with.
        InvalidCase{"dir", "dir:/tmp/x", "PLACE_UNSUPPORTED", "\"dir\""},
        InvalidCase{"dir_lists_supported", "dir:/tmp/x", "PLACE_UNSUPPORTED", "docker://, oci:, oci-archive:, docker-archive:"},
        InvalidCase{"containers_storage", "containers-storage:busybox", "PLACE_UNSUPPORTED", "\"containers-storage\""},
        InvalidCase{"docker_daemon", "docker-daemon:busybox:latest", "PLACE_UNSUPPORTED", "\"docker-daemon\""},
        InvalidCase{"docker_daemon_says_how_to_name_a_registry_image", "docker-daemon:busybox:latest", "PLACE_UNSUPPORTED", "docker://docker-daemon:TAG"},
        InvalidCase{"ostree", "ostree:busybox@/ostree/repo", "PLACE_UNSUPPORTED", "\"ostree\""},
        InvalidCase{"sif", "sif:/tmp/a.sif", "PLACE_UNSUPPORTED", "\"sif\""},
        InvalidCase{"tarball", "tarball:/tmp/a.tar", "PLACE_UNSUPPORTED", "\"tarball\""},
        // Shapes no transport takes.
        InvalidCase{"unknown_scheme", "https://example.com/a", "PLACE_INVALID", "unknown transport \"https\""},
        InvalidCase{"oci_empty", "oci:", "PLACE_INVALID", "oci: the path is empty"},
        InvalidCase{"oci_empty_path_with_name", "oci::v1", "PLACE_INVALID", "path is empty"},
        InvalidCase{"oci_archive_empty", "oci-archive:", "PLACE_INVALID", "oci-archive: the path is empty"},
        InvalidCase{"docker_archive_empty", "docker-archive:", "PLACE_INVALID", "docker-archive: the path is empty"},
        InvalidCase{"docker_archive_empty_path_with_ref", "docker-archive::busybox", "PLACE_INVALID", "path is empty"},
        InvalidCase{"path_with_nul", std::string("oci:a\0b", 7), "PLACE_INVALID", "NUL"},
        InvalidCase{"oci_name_space", "oci:dir:my image", "PLACE_INVALID", "\"my image\""},
        InvalidCase{"oci_name_leading_dash", "oci:dir:-v1", "PLACE_INVALID", "\"-v1\""},
        InvalidCase{"oci_name_trailing_separator", "oci:dir:v1.", "PLACE_INVALID", "\"v1.\""},
        InvalidCase{"oci_name_triple_dash", "oci:dir:a---b", "PLACE_INVALID", "\"a---b\""},
        InvalidCase{"oci_name_empty_component", "oci:dir:a//b", "PLACE_INVALID", "\"a//b\""},
        InvalidCase{"oci_index_empty", "oci:dir:@", "PLACE_INVALID", "has no number"},
        InvalidCase{"oci_index_negative", "oci:dir:@-5", "PLACE_INVALID", "\"@-5\" is not a non-negative integer"},
        InvalidCase{"oci_index_word", "oci:dir:@invalidIndex", "PLACE_INVALID", "\"@invalidIndex\""},
        InvalidCase{"oci_index_plus_sign", "oci:dir:@+1", "PLACE_INVALID", "\"@+1\""},
        InvalidCase{"oci_index_too_large", "oci:dir:@2147483648", "PLACE_INVALID", "too large"},
        InvalidCase{"oci_archive_index_bad", "oci-archive:x.tar:@1x", "PLACE_INVALID", "oci-archive: image index \"@1x\""},
        InvalidCase{"docker_archive_index_bad", "docker-archive:x.tar:@-1", "PLACE_INVALID", "docker-archive: image index \"@-1\""},
        InvalidCase{"docker_archive_digest", "docker-archive:x.tar:busybox@" + kSha, "PLACE_INVALID", "by tag only"},
        InvalidCase{"docker_archive_tag_and_digest", "docker-archive:x.tar:busybox:1@" + kSha, "PLACE_INVALID", "has a digest"},
        // Registry references keep ParseReference's codes, as `irel copy` reported them before.
        InvalidCase{"docker_archive_bad_ref", "docker-archive:x.tar:Busybox", "NAME_UPPERCASE", "docker-archive: reference \"Busybox\""},
        InvalidCase{"docker_archive_empty_ref", "docker-archive:x.tar:", "NAME_EMPTY", "docker-archive: reference \"\""},
        InvalidCase{"docker_scheme_empty", "docker://", "NAME_EMPTY", "at least one component"},
        InvalidCase{"docker_scheme_uppercase", "docker://nope/X", "NAME_UPPERCASE", "\"nope/X\""},
        InvalidCase{"default_uppercase", "localhost:5000/Nope:v1", "NAME_UPPERCASE", "must be lowercase"},
        InvalidCase{"default_empty", "", "NAME_EMPTY", "at least one component"},
        InvalidCase{"docker_empty_tag", "docker:", "NAME_INVALID_FORMAT", "tag"},
        InvalidCase{"uppercase_transport_is_no_transport", "OCI:dir", "NAME_UPPERCASE", "must be lowercase"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(PlaceTransportName, NamesEachAsSkopeoDoes) {
  EXPECT_EQ(PlaceTransportName(PlaceTransport::Docker), "docker");
  EXPECT_EQ(PlaceTransportName(PlaceTransport::Oci), "oci");
  EXPECT_EQ(PlaceTransportName(PlaceTransport::OciArchive), "oci-archive");
  EXPECT_EQ(PlaceTransportName(PlaceTransport::DockerArchive), "docker-archive");
}

}  // namespace
}  // namespace irel
