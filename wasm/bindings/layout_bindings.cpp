// Bindings of the OCI layout logic; JavaScript reads and writes the files.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "irel/oci_layout.hpp"

namespace irel::bindings {
namespace {

val FindInLayout(const std::string& index_bytes, const std::string& ref) {
  const auto index = ParseManifest(index_bytes, "");
  if (!index) return ErrorObject(Error{"LAYOUT_INVALID", "index.json: " + index.error().message});
  const auto d = FindInLayoutIndex(*index, ref);
  if (!d) return ErrorObject(d.error());
  val out = OkObject();
  out.set("descriptor", DescriptorObject(*d));
  return out;
}

val AddToIndex(const std::string& index_bytes, const val& descriptor, const std::string& name) {
  const auto r = AddToLayoutIndex(index_bytes, ToDescriptor(descriptor), name);
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("bytes", Bytes(*r));
  return out;
}

val CheckLayoutFile(const std::string& bytes) {
  const auto r = CheckOciLayoutFile(bytes);
  return r ? OkObject() : ErrorObject(r.error());
}

val BlobPath(const std::string& digest) {
  const auto r = LayoutBlobPath(digest);
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("path", *r);
  return out;
}

std::string EmptyIndex() { return EmptyLayoutIndex(); }
std::string LayoutFile() { return std::string(kOciLayoutFile); }

}  // namespace
}  // namespace irel::bindings

EMSCRIPTEN_BINDINGS(irel_layout) {
  using namespace irel::bindings;
  emscripten::function("findInLayout", &FindInLayout);
  emscripten::function("addToLayoutIndex", &AddToIndex);
  emscripten::function("checkOciLayout", &CheckLayoutFile);
  emscripten::function("layoutBlobPath", &BlobPath);
  emscripten::function("emptyLayoutIndex", &EmptyIndex);
  emscripten::function("ociLayoutFile", &LayoutFile);
}
