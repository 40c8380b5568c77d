#pragma once
// Reading image manifests and indexes. Manifests are bytes: we only look inside to find what they
// reference; the bytes themselves are copied untouched, so their digest never changes.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irel/platform.hpp"
#include "irel/result.hpp"

namespace irel {

struct Descriptor {
  std::string media_type;
  std::string digest;  // validated "alg:hex"
  std::int64_t size = 0;
  std::vector<std::string> urls;
  std::optional<Platform> platform;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
};

enum class ManifestKind { Image, Index };

struct Manifest {
  std::string media_type;  // from the body, else the Content-Type, else inferred
  ManifestKind kind = ManifestKind::Image;
  std::optional<Descriptor> config;  // images
  std::vector<Descriptor> layers;     // images
  std::vector<Descriptor> manifests;  // indexes
  std::optional<Descriptor> subject;
  std::string artifact_type;
  std::map<std::string, std::string> annotations;
};

// Error codes: MANIFEST_INVALID (not JSON, missing or malformed fields: the message names the
// field), MANIFEST_SCHEMA1_UNSUPPORTED, MANIFEST_UNSUPPORTED (unknown media type).
Result<Manifest> ParseManifest(std::string_view bytes, std::string_view content_type = {});

// A manifest's media type as a registry wants it in Content-Type: the header without parameters.
std::string ContentTypeMediaType(std::string_view content_type);

}  // namespace irel
