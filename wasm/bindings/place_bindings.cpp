// Bindings of place names (place.hpp): what `irel copy SRC DST` reads from or writes to.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "irel/place.hpp"

namespace irel::bindings {
namespace {

// { ok, transport, path, name, reference, index (only for ":@N"), string (the canonical spelling) };
// path, name and reference are "" when the place has none, as parseReference gives tag and digest.
val ReadPlace(const std::string& text) {
  const auto p = ParsePlace(text);
  if (!p) return ErrorObject(p.error());
  val out = OkObject();
  out.set("transport", std::string(PlaceTransportName(p->transport)));
  out.set("path", p->path);
  out.set("name", p->name);
  out.set("reference", p->reference);
  if (p->index >= 0) out.set("index", p->index);
  out.set("string", p->String());
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(irel_place) { emscripten::function("parsePlace", &ReadPlace); }

}  // namespace irel::bindings
