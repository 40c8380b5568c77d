// Fuzz target for bundle.json, relocation mappings and OCI layout indexes: the documents a thick
// bundle brings from outside. Any input gives a value or a typed error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "irel/bundle.hpp"
#include "irel/oci_layout.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto bundle = irel::ParseBundle(text);
  if (bundle) {
    static const auto prefix = irel::ParseRepoPrefix("registry.example.com/team");
    const auto mapping = irel::MapBundle(*bundle, *prefix);
    if (mapping) {
      const auto verdicts = irel::CheckMapping(*bundle, irel::RelocationMappingJson(*mapping));
      if (!verdicts) __builtin_trap();
      for (const auto& v : *verdicts) {
        if (!v.ok) __builtin_trap();  // our own mapping of a valid bundle always checks out
      }
    }
    (void)irel::CheckMapping(*bundle, text);
  } else if (bundle.error().code.empty()) {
    __builtin_trap();
  }
  const auto index = irel::ParseManifest(text, "application/vnd.oci.image.index.v1+json");
  if (index) {
    (void)irel::FindInLayoutIndex(*index, "docker.io/library/busybox:1");
    irel::Descriptor d{"application/vnd.oci.image.manifest.v1+json", "sha256:" + std::string(64, 'a'), 1, {}, std::nullopt, "", {}};
    const auto added = irel::AddToLayoutIndex(text, d, "busybox:1");
    if (added && !irel::FindInLayoutIndex(*irel::ParseManifest(*added), "busybox:1")) __builtin_trap();
  }
  return 0;
}
