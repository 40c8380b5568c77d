// Fuzz target for referrers lists: whatever a registry answers for a referrers request or a
// fallback tag gives a list or a typed error, never a crash; an index merged with a referrer
// still reads as a list that holds it, and every entry it held before.
#include <cstddef>
#include <cstdint>
#include <string>

#include "irel/referrers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  static const std::string subject = "sha256:" + std::string(64, '5');
  const auto listed = irel::ParseReferrers(bytes, "", subject);
  if (!listed && listed.error().code.empty()) __builtin_trap();
  irel::Descriptor added;
  added.media_type = "application/vnd.oci.image.manifest.v1+json";
  added.digest = "sha256:" + std::string(64, 'a');
  added.size = 10;
  added.artifact_type = "application/spdx+json";
  const auto merged = irel::MergeReferrers(bytes, {added});
  if (!merged) {
    if (merged.error().code.empty()) __builtin_trap();
    return 0;
  }
  if (!listed) return 0;  // an index whose entries are not all manifests: merged, but not a list
  const auto back = irel::ParseReferrers(merged->bytes, "", subject);
  if (!back) __builtin_trap();
  bool found = false;
  for (const auto& d : *back) found = found || d.digest == added.digest;
  if (!found || back->size() < listed->size()) __builtin_trap();
  return 0;
}
