#pragma once
// Artifacts that refer to an image (signatures, attestations, SBOMs), found the three ways
// registries and tools keep them:
//   - the OCI 1.1 referrers API, GET /v2/<name>/referrers/<digest>, an index of descriptors;
//   - its fallback tag "<alg>-<hex>" (distribution-spec "Referrers Tag Schema"), an index the
//     pushing client keeps up to date where the registry has no API;
//   - cosign's tags "<alg>-<hex>.sig", ".att" and ".sbom", each naming one manifest.
// The driver fetches; this file names the tags, reads the answers, and merges indexes (a fallback
// index is only ever added to: entries already there are kept, whoever wrote them).
#include <string>
#include <string_view>
#include <vector>

#include "irel/manifest.hpp"
#include "irel/result.hpp"

namespace irel {

// The fallback tag of a subject: algorithm truncated to 32 characters, hex to 64 (the spec's
// rule, so that sha512 subjects fit a tag). Error code: DIGEST_INVALID.
Result<std::string> ReferrersTag(std::string_view subject_digest);

// cosign's tags for a subject: "<alg>-<hex>.sig", ".att", ".sbom". Error code: DIGEST_INVALID.
Result<std::vector<std::string>> CosignTags(std::string_view subject_digest);

// The answer to a referrers request or fallback tag, read as a list of referrers. Entries that
// are not manifests (bad digest, size, media type) are MANIFEST_INVALID, as is a body that is not
// an index. `manifest_digest` is the digest the bytes hash to; when it equals the subject, the
// registry answered the tag with the image itself (GitLab does): that is no list, and the
// result is empty. Entries that name the subject itself are dropped (a loop, never a referrer).
Result<std::vector<Descriptor>> ParseReferrers(std::string_view bytes, std::string_view manifest_digest,
                                               std::string_view subject_digest);

// The descriptor a referrers index lists for a manifest: media type, digest, size, and from the
// manifest itself its artifactType (or, for an image, its config's media type) and annotations,
// as the distribution spec says; read from the manifest rather than from any index that listed
// it (GHCR's fallback indexes were seen with a wrong artifactType). Error codes: those of
// ParseManifest.
Result<Descriptor> ReferrerDescriptor(std::string_view manifest_bytes, std::string_view media_type,
                                      std::string_view digest);

// The subject a manifest refers to, if any ("" otherwise). Error codes: those of ParseManifest.
Result<std::string> SubjectOf(std::string_view manifest_bytes, std::string_view media_type);

// Whether a referrer is kept by a type filter: an empty filter keeps everything; otherwise its
// artifactType (or, when that is a plain image config, its first layer's media type: cosign's
// signatures and attestations) must be one of `types`.
bool ReferrerTypeKept(const Descriptor& d, std::string_view manifest_bytes, const std::vector<std::string>& types);

// A fallback index: `existing` (the tag's current bytes, or empty when it has none) with every
// descriptor of `added` not already listed (by digest) appended, each serialized with mediaType,
// digest, size, artifactType and annotations. Entries and fields already there are kept as they
// are, in their order. When nothing is added, `unchanged` is set and the existing bytes returned.
// Error code: MANIFEST_INVALID (existing bytes that are not an index).
struct MergedReferrers {
  std::string bytes;
  bool unchanged = false;
};
Result<MergedReferrers> MergeReferrers(std::string_view existing, const std::vector<Descriptor>& added);

}  // namespace irel
