#pragma once
// A legacy `docker save` tarball (Docker before 25, and skopeo's docker-archive:) converted into a
// Docker v2 schema 2 image. Such a tarball holds no manifest a registry would take: manifest.json
// lists each image's config file and its layers as UNCOMPRESSED tars
//
//   [{"Config": "<hex>.json", "RepoTags": ["name:tag"], "Layers": ["<id>/layer.tar", ...]}]
//
// where <hex> is the config's sha256 (the image ID) and each layer's sha256 is the config's
// rootfs.diff_ids entry at its position. The conversion keeps the config byte for byte (so the
// image ID stays its digest), gzips each layer (gzip_stream.hpp: deterministic, so the digest
// computed in one pass is the one uploaded in the next) and writes a new manifest over them; the
// image's digest is therefore new. The core reads and builds; the archive is read by the caller.
//
// Error codes (messages name the image by position and the field or path at fault):
//   LEGACY_MANIFEST_INVALID  manifest.json: not JSON, not a list of images, an image without
//                            Config or Layers, a field of the wrong type, an unsafe path
//                            (absolute, "..", NUL, empty), foreign layers (LayerSources)
//   LEGACY_CONFIG_INVALID    the config: not a JSON object, no rootfs.diff_ids list of digests,
//                            or its sha256 is not the image ID its file is named for
//   LEGACY_LAYER_COUNT       manifest.json lists another number of layers than the config's diff IDs
//   LAYER_DIFF_ID_MISMATCH   a layer's sha256 is not the config's diff ID at its position
//   DIGEST_INVALID           a compressed layer's digest is malformed
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "irel/manifest.hpp"
#include "irel/result.hpp"

namespace irel {

inline constexpr std::string_view kDockerConfigMediaType = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerGzipLayerMediaType = "application/vnd.docker.image.rootfs.diff.tar.gzip";

// One image of manifest.json. Paths are normalized as archive entries are (archive_reader.hpp:
// no "./", no empty or "." components), so that they compare equal to the entries' paths.
struct LegacyImage {
  std::string config;                  // the config file's path
  std::vector<std::string> repo_tags;  // as written ("busybox:1.36"); empty when null or absent
  std::vector<std::string> layers;     // the layer tars' paths, base layer first
};

Result<std::vector<LegacyImage>> ParseLegacyManifest(std::string_view bytes);

// A layer as the caller read it from the archive.
struct LegacyLayer {
  std::string path;       // for messages
  std::string diff_id;    // "sha256:<hex>" of the uncompressed tar, as hashed
  std::string digest;     // of its gzip (GzipStream)
  std::int64_t size = 0;  // of its gzip
};

struct ConvertedImage {
  std::string manifest;       // the Docker v2 schema 2 manifest's bytes
  Descriptor descriptor;      // the manifest's: media type, digest, size
  Descriptor config;          // the config's (digest: the image ID)
  std::vector<Descriptor> layers;
};

// The converted image of one manifest.json entry: `config` is the config file's bytes (kept as
// they are), `layers` its layers in manifest.json's order. The manifest is written as docker push
// writes one (Go's json.MarshalIndent with three spaces: schemaVersion, mediaType, config, layers;
// in each descriptor mediaType, size, digest), no trailing newline.
Result<ConvertedImage> BuildLegacyManifest(const LegacyImage& image, std::string_view config,
                                           const std::vector<LegacyLayer>& layers);

}  // namespace irel
