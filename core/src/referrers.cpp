#include "irel/referrers.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "irel/digest.hpp"
#include "irel/json_depth.hpp"
#include "irel/media_type.hpp"

namespace irel {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr std::string_view kImageConfig = "application/vnd.oci.image.config.v1+json";
constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";

Error Invalid(std::string message) { return Error{"MANIFEST_INVALID", std::move(message)}; }

ordered_json DescriptorJson(const Descriptor& d) {
  ordered_json j = ordered_json::object();
  j["mediaType"] = d.media_type;
  j["digest"] = d.digest;
  j["size"] = d.size;
  if (!d.artifact_type.empty()) j["artifactType"] = d.artifact_type;
  if (!d.annotations.empty()) {
    ordered_json a = ordered_json::object();
    for (const auto& [k, v] : d.annotations) a[k] = v;
    j["annotations"] = std::move(a);
  }
  return j;
}

}  // namespace

Result<std::string> ReferrersTag(std::string_view subject_digest) {
  const auto d = ParseDigest(subject_digest);
  if (!d) return d.error();
  return d->algorithm.substr(0, 32) + "-" + d->hex.substr(0, 64);
}

Result<std::vector<std::string>> CosignTags(std::string_view subject_digest) {
  const auto d = ParseDigest(subject_digest);
  if (!d) return d.error();
  const std::string base = d->algorithm + "-" + d->hex;
  return std::vector<std::string>{base + ".sig", base + ".att", base + ".sbom"};
}

Result<std::vector<Descriptor>> ParseReferrers(std::string_view bytes, std::string_view manifest_digest,
                                               std::string_view subject_digest) {
  // The tag answered with the subject itself: a registry that maps "sha256-<hex>" onto the image.
  if (!manifest_digest.empty() && manifest_digest == subject_digest) return std::vector<Descriptor>{};
  auto m = ParseManifest(bytes, media_type::kOciIndex);
  if (!m) return m.error();
  if (m->kind != ManifestKind::Index) {
    return Invalid("the referrers list of " + std::string(subject_digest) + " is not an image index");
  }
  std::vector<Descriptor> out;
  std::set<std::string> seen;
  for (auto& d : m.value().manifests) {
    if (!media_type::IsIndex(d.media_type) && !media_type::IsImageManifest(d.media_type)) {
      return Invalid("the referrers list of " + std::string(subject_digest) + " names " + d.digest +
                     " with media type \"" + d.media_type + "\", which is not a manifest");
    }
    if (d.digest == subject_digest || !seen.insert(d.digest).second) continue;
    out.push_back(std::move(d));
  }
  return out;
}

Result<Descriptor> ReferrerDescriptor(std::string_view manifest_bytes, std::string_view media_type,
                                      std::string_view digest) {
  auto m = ParseManifest(manifest_bytes, media_type);
  if (!m) return m.error();
  Descriptor d;
  d.media_type = m->media_type;
  d.digest = std::string(digest);
  d.size = static_cast<std::int64_t>(manifest_bytes.size());
  d.artifact_type = m->artifact_type;
  if (d.artifact_type.empty() && m->config) d.artifact_type = m->config->media_type;
  d.annotations = m->annotations;
  return d;
}

Result<std::string> SubjectOf(std::string_view manifest_bytes, std::string_view media_type) {
  auto m = ParseManifest(manifest_bytes, media_type);
  if (!m) return m.error();
  return m->subject ? m->subject->digest : std::string();
}

bool ReferrerTypeKept(const Descriptor& d, std::string_view manifest_bytes, const std::vector<std::string>& types) {
  if (types.empty()) return true;
  const auto listed = [&](const std::string& t) { return std::find(types.begin(), types.end(), t) != types.end(); };
  if (!d.artifact_type.empty() && listed(d.artifact_type)) return true;
  // cosign writes plain images: the payload's type is the first layer's.
  if (d.artifact_type.empty() || d.artifact_type == kImageConfig || d.artifact_type == kDockerConfig) {
    const auto m = ParseManifest(manifest_bytes, d.media_type);
    if (m && !m->layers.empty() && listed(m->layers.front().media_type)) return true;
  }
  return false;
}

Result<MergedReferrers> MergeReferrers(std::string_view existing, const std::vector<Descriptor>& added) {
  ordered_json doc;
  std::set<std::string> listed;
  if (existing.empty()) {
    doc = ordered_json::object();
    doc["schemaVersion"] = 2;
    doc["mediaType"] = media_type::kOciIndex;
    doc["manifests"] = ordered_json::array();
  } else {
    if (JsonNestedTooDeep(existing)) return Invalid("the referrers index is JSON " + JsonTooDeepDetail());
    doc = ordered_json::parse(existing.begin(), existing.end(), nullptr, false);
    const auto list = doc.is_object() ? doc.find("manifests") : doc.end();
    if (doc.is_discarded() || !doc.is_object() || list == doc.end() || !list->is_array()) {
      return Invalid("the referrers tag names something that is not an image index");
    }
    for (const auto& e : *list) {
      if (e.is_object() && e.contains("digest") && e["digest"].is_string()) listed.insert(e["digest"].get<std::string>());
    }
  }
  bool changed = false;
  for (const auto& d : added) {
    if (!listed.insert(d.digest).second) continue;
    doc["manifests"].push_back(DescriptorJson(d));
    changed = true;
  }
  if (!changed && !existing.empty()) return MergedReferrers{std::string(existing), true};
  return MergedReferrers{doc.dump(), false};
}

}  // namespace irel
