#pragma once
// The path mapping of the Go image-relocation project: flatten an image's path under a repository
// prefix, keep as much of the original path as fits, and end with the MD5 of the original name so
// that distinct repositories never collide.
#include "irel/reference.hpp"
#include "irel/repo_prefix.hpp"
#include "irel/result.hpp"

namespace irel {

// PREFIX/flattened-path-md5(name); the tag and digest of `original` are dropped.
// Error code: MAPPING_TOO_LONG when the prefix leaves no room for a valid name.
Result<Reference> FlattenRepoPath(const RepoPrefix& prefix, const Reference& original);

// The same, with the original's tag and digest re-applied: x:t -> y:t and x@d -> y@d.
Result<Reference> FlattenRepoPathPreserveTagDigest(const RepoPrefix& prefix,
                                                   const Reference& original);

}  // namespace irel
