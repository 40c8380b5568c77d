#pragma once
// Manifest and layer media types of the Docker v2 and OCI image specs, and what we do with each.
#include <string_view>

namespace irel::media_type {

inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerManifestList =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed =
    "application/vnd.docker.distribution.manifest.v1+prettyjws";

// The Accept header for manifest requests: every type we can copy, indexes first. Schema 1 is
// listed last so that a registry holding only schema 1 says so instead of answering 404.
std::string_view ManifestAccept();

bool IsIndex(std::string_view media_type);
bool IsImageManifest(std::string_view media_type);
bool IsSchema1(std::string_view media_type);
// Foreign / non-distributable layers are not pushed to other registries unless asked (as docker).
bool IsNonDistributable(std::string_view media_type);

}  // namespace irel::media_type
