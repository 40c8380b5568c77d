#pragma once
// Relocation is one walk over an image graph: an index lists manifests (maybe other indexes), a
// manifest lists a config and layers. The walk is fed the manifests the driver fetched, tells it
// which child manifests to fetch next and which blobs exist, and gives the push order: blobs
// first, then manifests children before parents, so that a tag (pushed last, with the root) never
// points at an incomplete image.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "irel/manifest.hpp"
#include "irel/platform.hpp"
#include "irel/result.hpp"

namespace irel {

struct ImageWalkOptions {
  // Empty: every child of every index. Otherwise every index, nested ones too, keeps only the
  // entries for these platforms; see ImageWalk for entries without a platform.
  std::vector<Platform> platforms;
  bool include_nondistributable = false;   // foreign layers are referenced, not copied, by default
  int max_depth = 8;                       // nested indexes beyond this are refused
};

struct WalkNode {
  std::string digest;
  std::string media_type;
  std::string bytes;  // exactly as fetched, unless the platform filter rewrote this index
  int depth = 0;
  // In PushOrder(): 0 for a manifest with no manifests under it, else one more than the highest
  // manifest it lists. Manifests of one height can be pushed together, the lowest first.
  int height = 0;
};

struct WalkBlob {
  Descriptor descriptor;
  bool foreign = false;
};

// Platform filter. An index entry is kept when its platform matches one of the requested ones.
// An entry without a platform is kept (and walked into) when it is an index, whose own entries
// are filtered in turn; any other entry without a platform is dropped, as is one whose platform
// matches none (attestation manifests, platform unknown/unknown, are dropped too). An index that
// loses entries is re-serialized (its other fields kept, in their order), so its digest and size
// change, and so does every index above it: each parent gets the new descriptor. An index the
// filter leaves with no entries at all (root or nested) is refused with PLATFORM_NOT_FOUND.
// Manifests nothing changed under keep their bytes exactly.
//
// Children are added after their parents, so the walk keeps every manifest as fetched and
// rewrites at the end: PushOrder() and the root accessors resolve the graph bottom-up (a nested
// index's final bytes first, then each index that lists it), every time they are called.
class ImageWalk {
 public:
  explicit ImageWalk(ImageWalkOptions options = {});

  // Adds the root manifest. `digest` is what its bytes hash to (verified by the caller against
  // any digest the reference or registry named). Returns the child manifests to fetch.
  Result<std::vector<Descriptor>> AddRoot(std::string digest, std::string media_type, std::string bytes);
  // Adds a child manifest fetched for a descriptor returned earlier (once: adding it again
  // returns no children). An index listing itself, or an index above it, is MANIFEST_INVALID.
  Result<std::vector<Descriptor>> AddChild(const Descriptor& descriptor, std::string bytes);

  // Distinct blobs in first-seen order (configs, layers, in the order of the manifests).
  std::vector<WalkBlob> Blobs() const;
  // Manifests in push order, deepest first, the root last, with their final bytes and digests.
  std::vector<WalkNode> PushOrder() const;

  // With a platform filter, the root index (or an index under it) may have lost entries, and the
  // root was then re-serialized: its digest differs from the source's.
  bool root_rewritten() const;
  std::string root_digest() const;
  const std::string& source_root_digest() const { return source_root_digest_; }
  // Distinct platforms of the entries kept, in every index, in first-seen order.
  std::vector<std::string> selected_platforms() const { return selected_; }
  std::int64_t total_blob_bytes() const;

 private:
  // A manifest as fetched; for an index, which entries the filter keeps and their digests.
  struct Node {
    WalkNode fetched;
    std::vector<bool> keep;
    std::vector<std::string> entries;
  };
  // What a manifest becomes once the indexes under it are resolved.
  struct Final {
    std::string digest;
    std::string bytes;  // empty (unused) when not rewritten
    bool rewritten = false;
  };
  using Finals = std::map<std::string, Final>;  // source digest -> final form

  Result<std::vector<Descriptor>> Add(std::string digest, std::string media_type, std::string bytes, int depth,
                                      bool root);
  // True when `from` (added) leads to `target` through the entries of added indexes.
  bool Reaches(const std::string& from, const std::string& target) const;
  const Final& Resolve(const std::string& digest, Finals& done, std::set<std::string>& active) const;
  Finals Resolved() const;  // every manifest added

  ImageWalkOptions options_;
  std::vector<Node> nodes_;                      // in the order added
  std::map<std::string, std::size_t> node_of_;   // source digest -> index in nodes_
  std::map<std::string, int> depth_of_pending_;  // child digest -> depth
  std::vector<WalkBlob> blobs_;
  std::set<std::string> blob_seen_;
  std::set<std::string> manifest_seen_;
  std::vector<std::string> selected_;
  std::string source_root_digest_;
};

}  // namespace irel
