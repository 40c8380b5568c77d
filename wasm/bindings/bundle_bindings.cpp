// Bindings of bundles and relocation mappings.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "irel/bundle.hpp"

namespace irel::bindings {
namespace {

val ImageObject(const BundleImage& i) {
  val o = val::object();
  o.set("where", i.where);
  o.set("image", i.image);
  o.set("imageType", i.image_type);
  o.set("contentDigest", i.content_digest);
  o.set("relocatable", i.relocatable);
  return o;
}

val ReadBundle(const std::string& bytes) {
  const auto b = ParseBundle(bytes);
  if (!b) return ErrorObject(b.error());
  val out = OkObject();
  out.set("name", b->name);
  out.set("version", b->version);
  val images = val::array();
  for (const auto& i : b->images) images.call<void>("push", ImageObject(i));
  out.set("images", images);
  val relocatable = val::array();
  for (const auto& i : b->RelocatableImages()) relocatable.call<void>("push", i);
  out.set("relocatable", relocatable);
  return out;
}

val MapBundleImages(const std::string& bundle_bytes, const std::string& prefix_text) {
  const auto b = ParseBundle(bundle_bytes);
  if (!b) return ErrorObject(b.error());
  const auto prefix = ParseRepoPrefix(prefix_text);
  if (!prefix) return ErrorObject(prefix.error());
  const auto m = MapBundle(*b, *prefix);
  if (!m) return ErrorObject(m.error());
  val mapping = val::object();
  for (const auto& [k, v] : *m) mapping.set(k, v);
  val out = OkObject();
  out.set("mapping", mapping);
  out.set("json", RelocationMappingJson(*m));
  return out;
}

val CheckBundleMapping(const std::string& bundle_bytes, const std::string& mapping_bytes) {
  const auto b = ParseBundle(bundle_bytes);
  if (!b) return ErrorObject(b.error());
  const auto verdicts = CheckMapping(*b, mapping_bytes);
  if (!verdicts) return ErrorObject(verdicts.error());
  val list = val::array();
  for (const auto& v : *verdicts) {
    val o = val::object();
    o.set("image", v.image);
    o.set("relocated", v.relocated);
    o.set("ok", v.ok);
    o.set("problem", v.problem);
    list.call<void>("push", o);
  }
  val out = OkObject();
  out.set("verdicts", list);
  return out;
}

}  // namespace
}  // namespace irel::bindings

EMSCRIPTEN_BINDINGS(irel_bundle) {
  using namespace irel::bindings;
  emscripten::function("parseBundle", &ReadBundle);
  emscripten::function("mapBundle", &MapBundleImages);
  emscripten::function("checkBundleMapping", &CheckBundleMapping);
}
