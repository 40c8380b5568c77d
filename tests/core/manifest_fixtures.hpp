#pragma once
// Manifests written by hand for the walk and plan tests: an image manifest with a config and
// layers of fixed sizes (config 7 bytes, layers 100), named by made-up or real digests.
#include <string>
#include <utility>
#include <vector>

#include "irel/hash.hpp"

namespace irel::fixtures {

inline std::string Sha(const std::string& bytes) { return "sha256:" + Sha256Hex(bytes); }
inline std::string H(char c) { return "sha256:" + std::string(64, c); }

inline const std::string kGz = "application/vnd.oci.image.layer.v1.tar+gzip";
inline const std::string kForeign = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

// layers: (digest, media type) pairs.
inline std::string Image(const std::vector<std::pair<std::string, std::string>>& layers, const std::string& config = H('c')) {
  std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":")" +
                    config + R"(","size":7},"layers":[)";
  for (std::size_t i = 0; i < layers.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"mediaType":")") + layers[i].second + R"(","digest":")" + layers[i].first + R"(","size":100})";
  }
  return out + "]}";
}

}  // namespace irel::fixtures
