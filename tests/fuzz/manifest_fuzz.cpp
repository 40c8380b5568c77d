// Fuzz target for manifest parsing and the image walk: arbitrary bytes from a registry must give
// a manifest or a typed error, never a crash, and a parsed index's filtered form must re-parse.
#include <cstddef>
#include <cstdint>
#include <string>

#include "irel/hash.hpp"
#include "irel/image_walk.hpp"
#include "irel/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  const auto m = irel::ParseManifest(bytes);
  if (!m) {
    if (m.error().code.empty()) __builtin_trap();
    return 0;
  }
  static const auto platform = irel::ParsePlatform("linux/arm64");
  irel::ImageWalk walk(irel::ImageWalkOptions{{*platform}, false, 8});
  const auto children = walk.AddRoot("sha256:" + irel::Sha256Hex(bytes), m->media_type, bytes);
  if (children && walk.root_rewritten()) {
    const auto root = walk.PushOrder().back();
    if (!irel::ParseManifest(root.bytes, root.media_type)) __builtin_trap();
  }
  return 0;
}
