#pragma once
// OCI image layouts (image-spec "image-layout.md"): an `oci-layout` file, an `index.json` listing
// images, and `blobs/<alg>/<hex>`. Images are found by the org.opencontainers.image.ref.name
// annotation: the full original image name in thick bundles, or a plain tag as skopeo and umoci
// write it.
#include <string>
#include <string_view>

#include "irel/manifest.hpp"
#include "irel/result.hpp"

namespace irel {

inline constexpr std::string_view kRefNameAnnotation = "org.opencontainers.image.ref.name";
inline constexpr std::string_view kOciLayoutFile = "{\"imageLayoutVersion\":\"1.0.0\"}";

// Error code: LAYOUT_INVALID (not JSON, or a version other than 1.x).
Result<bool> CheckOciLayoutFile(std::string_view bytes);

// "blobs/sha256/<hex>" for a valid digest. Error code: DIGEST_INVALID.
Result<std::string> LayoutBlobPath(std::string_view digest);

// The index entry for `ref`: a digest, a name equal to the annotation, the same image reference
// once both are normalized ("busybox:1" finds "docker.io/library/busybox:1"), or a reference
// whose tag is the annotation when that is a plain tag. Error codes: LAYOUT_IMAGE_NOT_FOUND
// (listing the names there are), LAYOUT_AMBIGUOUS.
Result<Descriptor> FindInLayoutIndex(const Manifest& index, std::string_view ref);

// index.json bytes with `d` added under `name` (empty: no name). An entry with the same name is
// replaced; every other entry and field is kept in order. Error code: LAYOUT_INVALID.
Result<std::string> AddToLayoutIndex(std::string_view index_bytes, const Descriptor& d, std::string_view name);

std::string EmptyLayoutIndex();

}  // namespace irel
