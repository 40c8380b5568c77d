// Fuzz target for a legacy docker save's manifest.json (an archive's, so anyone's): images or a
// typed error, never a crash; every path it gives is safe to look up inside the archive; and
// building a manifest over the bytes as a config gives a manifest or a typed error.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "irel/archive_path.hpp"
#include "irel/legacy_image.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto images = irel::ParseLegacyManifest(bytes);
  if (!images) {
    if (images.error().code.empty()) __builtin_trap();
  } else {
    for (const auto& image : *images) {
      if (!irel::ArchivePathProblem(image.config).empty()) __builtin_trap();
      for (const auto& layer : image.layers) {
        if (!irel::ArchivePathProblem(layer).empty()) __builtin_trap();
      }
    }
  }
  // The same bytes as a config, with one made-up layer: a manifest, or a typed error.
  irel::LegacyImage image;
  image.config = std::string(64, 'a') + ".json";
  image.layers = {"x/layer.tar"};
  const std::vector<irel::LegacyLayer> layers = {
      {"x/layer.tar", "sha256:" + std::string(64, 'b'), "sha256:" + std::string(64, 'c'), 10}};
  const auto built = irel::BuildLegacyManifest(image, bytes, layers);
  if (!built && built.error().code.empty()) __builtin_trap();
  return 0;
}
