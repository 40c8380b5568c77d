// Bindings of legacy docker save conversion (legacy_image.hpp): manifest.json read, and the
// Docker v2 schema 2 manifest built over the layers JavaScript compressed.
#include <emscripten/bind.h>

#include <string>
#include <vector>

#include "convert.hpp"
#include "irel/legacy_image.hpp"

namespace irel::bindings {
namespace {

val ImageObject(const LegacyImage& image) {
  val out = val::object();
  out.set("config", image.config);
  val tags = val::array();
  for (const auto& t : image.repo_tags) tags.call<void>("push", t);
  out.set("repoTags", tags);
  val layers = val::array();
  for (const auto& l : image.layers) layers.call<void>("push", l);
  out.set("layers", layers);
  return out;
}

// { ok, images: [{ config, repoTags, layers }] } or { ok: false, error }.
val ReadLegacyManifest(const std::string& bytes) {
  const auto r = ParseLegacyManifest(bytes);
  if (!r) return ErrorObject(r.error());
  val images = val::array();
  for (const auto& image : *r) images.call<void>("push", ImageObject(image));
  val out = OkObject();
  out.set("images", images);
  return out;
}

// image: { config, repoTags, layers } (as parseLegacyManifest gives it); config: the config file's
// bytes; layers: [{ path, diffId, digest, size }] in manifest.json's order. { ok, manifest
// (Uint8Array), descriptor, config, layers } or { ok: false, error }.
val BuildManifest(const val& image, const std::string& config, const val& layers) {
  LegacyImage in{image["config"].as<std::string>(), ToStrings(image["repoTags"]), ToStrings(image["layers"])};
  std::vector<LegacyLayer> read;
  const auto n = layers["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    const val l = layers[i];
    read.push_back(LegacyLayer{l["path"].as<std::string>(), l["diffId"].as<std::string>(), l["digest"].as<std::string>(),
                               static_cast<std::int64_t>(l["size"].as<double>())});
  }
  const auto r = BuildLegacyManifest(in, config, read);
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("manifest", Bytes(r->manifest));
  out.set("descriptor", DescriptorObject(r->descriptor));
  out.set("config", DescriptorObject(r->config));
  val descriptors = val::array();
  for (const auto& d : r->layers) descriptors.call<void>("push", DescriptorObject(d));
  out.set("layers", descriptors);
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(irel_legacy) {
  emscripten::function("parseLegacyManifest", &ReadLegacyManifest);
  emscripten::function("buildLegacyManifest", &BuildManifest);
}

}  // namespace irel::bindings
