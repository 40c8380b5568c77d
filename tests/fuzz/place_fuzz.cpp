// Fuzz target for place names (`irel copy SRC DST`). Beyond "no crash", it checks what the copy
// relies on: a place parses back to itself from its canonical spelling, carries only the parts its
// transport has (a path for files, at most one of name, reference and index), and any reference
// it holds is a valid one; a refusal has a code and a message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "irel/place.hpp"
#include "irel/reference.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto place = irel::ParsePlace(text);
  if (!place) {
    if (place.error().code.empty() || place.error().message.empty()) __builtin_trap();
    return 0;
  }
  const auto& p = *place;
  const bool docker = p.transport == irel::PlaceTransport::Docker;
  const bool layout = p.transport == irel::PlaceTransport::Oci || p.transport == irel::PlaceTransport::OciArchive;
  if (docker != p.path.empty()) __builtin_trap();
  if (p.path.find(':') != std::string_view::npos) __builtin_trap();
  if (docker && (p.reference.empty() || p.index != -1)) __builtin_trap();
  if (!layout && !p.name.empty()) __builtin_trap();
  if (layout && !p.reference.empty()) __builtin_trap();
  if (p.index < -1) __builtin_trap();
  if (p.index >= 0 && (!p.name.empty() || !p.reference.empty())) __builtin_trap();
  if (!p.reference.empty()) {
    const auto ref = irel::ParseReference(p.reference);
    if (!ref || ref->String() != p.reference) __builtin_trap();
    if (p.transport == irel::PlaceTransport::DockerArchive && (ref->tag.empty() || !ref->digest.empty())) {
      __builtin_trap();
    }
  }
  const auto again = irel::ParsePlace(p.String());
  if (!again || !(*again == p)) __builtin_trap();
  return 0;
}
