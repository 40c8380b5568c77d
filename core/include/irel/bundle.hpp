#pragma once
// CNAB bundles (bundle.json) as far as relocation is concerned: which images they declare, and
// relocation mappings from each original reference to its relocated one.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "irel/repo_prefix.hpp"
#include "irel/result.hpp"

namespace irel {

struct BundleImage {
  std::string where;           // "invocationImages[0]" or "images.web", for messages
  std::string image;           // exactly as the bundle declares it
  std::string image_type;      // "docker", "oci", or empty
  std::string content_digest;  // may be empty
  bool relocatable = true;     // imageType docker, oci or absent
};

struct Bundle {
  std::string name;
  std::string version;
  std::vector<BundleImage> images;  // invocation images first, then images{} in key order

  // The distinct relocatable image references, in bundle order.
  std::vector<std::string> RelocatableImages() const;
};

// Error codes: BUNDLE_INVALID (not JSON, fields of the wrong type, an image reference that does
// not parse: the message names the field), BUNDLE_DIGEST_INVALID (contentDigest malformed or in
// conflict with a digest in the reference).
Result<Bundle> ParseBundle(std::string_view bytes);

// {"original": "relocated", ...} for every relocatable image, with the path mapping; tags and
// digests kept. Error codes from the path mapping.
Result<std::map<std::string, std::string>> MapBundle(const Bundle& bundle, const RepoPrefix& prefix);

// The mapping as JSON (keys in bundle order is not needed: sorted for stable output).
std::string RelocationMappingJson(const std::map<std::string, std::string>& mapping);

struct MappingVerdict {
  std::string image;     // the bundle's image reference (or an extra key)
  std::string relocated; // the mapping's value, if any
  bool ok = false;
  std::string problem;   // why not, naming the rule
};

// Offline check of a relocation mapping against a bundle: the keys are exactly the bundle's
// relocatable images, values are valid references, and a digest in a value matches the bundle's
// digest for that image (contentDigest or the original's digest). Error code: MAPPING_INVALID
// when the mapping is not a JSON object of strings.
Result<std::vector<MappingVerdict>> CheckMapping(const Bundle& bundle, std::string_view mapping_json);

}  // namespace irel
