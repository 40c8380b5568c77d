// Fuzz target for the reference parser and the path mapping. Beyond "no crash", it checks the
// invariants users rely on: a parsed reference re-parses to itself from its normalized and familiar
// forms, and its mapping is itself a valid reference that keeps the tag and digest.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "irel/path_mapping.hpp"
#include "irel/reference.hpp"
#include "irel/repo_prefix.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto ref = irel::ParseReference(text);
  if (!ref) {
    if (ref.error().code.empty() || ref.error().message.empty()) __builtin_trap();
    return 0;
  }
  const auto again = irel::ParseReference(ref->String());
  if (!again || !(*again == *ref)) __builtin_trap();
  const auto familiar = irel::ParseReference(ref->Familiar());
  if (!familiar || !(*familiar == *ref)) __builtin_trap();

  static const auto prefix = irel::ParseRepoPrefix("registry.example.com/team");
  const auto mapped = irel::FlattenRepoPathPreserveTagDigest(*prefix, *ref);
  if (!mapped || mapped->tag != ref->tag || mapped->digest != ref->digest) __builtin_trap();
  if (!irel::ParseReference(mapped->String())) __builtin_trap();
  return 0;
}
