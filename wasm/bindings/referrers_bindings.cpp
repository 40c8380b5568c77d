// Bindings of the referrers logic (referrers.hpp); JavaScript fetches and pushes.
#include <emscripten/bind.h>

#include "convert.hpp"
#include "irel/referrers.hpp"

namespace irel::bindings {
namespace {

val StringList(const std::vector<std::string>& items) {
  val list = val::array();
  for (const auto& s : items) list.call<void>("push", s);
  return list;
}

// { ok, fallbackTag, cosignTags: [".sig", ".att", ".sbom" tags] } for a subject digest.
val ReferrerTags(const std::string& subject) {
  const auto tag = ReferrersTag(subject);
  if (!tag) return ErrorObject(tag.error());
  val out = OkObject();
  out.set("fallbackTag", *tag);
  out.set("cosignTags", StringList(*CosignTags(subject)));
  return out;
}

val ReadReferrers(const std::string& bytes, const std::string& manifest_digest, const std::string& subject) {
  const auto r = ParseReferrers(bytes, manifest_digest, subject);
  if (!r) return ErrorObject(r.error());
  val list = val::array();
  for (const auto& d : *r) list.call<void>("push", DescriptorObject(d));
  val out = OkObject();
  out.set("referrers", list);
  return out;
}

// A fetched manifest as a referrer: { ok, descriptor, subject ('' for none), kept (by `types`) }.
val DescribeReferrer(const std::string& bytes, const std::string& media_type, const std::string& digest,
                     const val& types) {
  const auto d = ReferrerDescriptor(bytes, media_type, digest);
  if (!d) return ErrorObject(d.error());
  val out = OkObject();
  out.set("descriptor", DescriptorObject(*d));
  out.set("subject", *SubjectOf(bytes, media_type));
  out.set("kept", ReferrerTypeKept(*d, bytes, ToStrings(types)));
  return out;
}

// manifests: [{ bytes, mediaType, digest }], the referrers to list under the fallback tag.
val MergeFallback(const std::string& existing, const val& manifests) {
  std::vector<Descriptor> added;
  const auto n = manifests["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    const val m = manifests[i];
    const auto d = ReferrerDescriptor(m["bytes"].as<std::string>(), m["mediaType"].as<std::string>(),
                                      m["digest"].as<std::string>());
    if (!d) return ErrorObject(d.error());
    added.push_back(*d);
  }
  const auto r = MergeReferrers(existing, added);
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("bytes", Bytes(r->bytes));
  out.set("unchanged", r->unchanged);
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(irel_referrers) {
  emscripten::function("referrerTags", &ReferrerTags);
  emscripten::function("parseReferrers", &ReadReferrers);
  emscripten::function("describeReferrer", &DescribeReferrer);
  emscripten::function("mergeReferrers", &MergeFallback);
}

}  // namespace irel::bindings
