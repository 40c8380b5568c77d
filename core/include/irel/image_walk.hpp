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
  std::vector<Platform> platforms;         // empty: every child of every index
  bool include_nondistributable = false;   // foreign layers are referenced, not copied, by default
  int max_depth = 8;                       // nested indexes beyond this are refused
};

struct WalkNode {
  std::string digest;
  std::string media_type;
  std::string bytes;  // exactly as fetched (or the filtered root index)
  int depth = 0;
};

struct WalkBlob {
  Descriptor descriptor;
  bool skipped_nondistributable = false;
};

class ImageWalk {
 public:
  explicit ImageWalk(ImageWalkOptions options = {});

  // Adds the root manifest. `digest` is what its bytes hash to (verified by the caller against
  // any digest the reference or registry named). Returns the child manifests to fetch.
  Result<std::vector<Descriptor>> AddRoot(std::string digest, std::string media_type, std::string bytes);
  // Adds a child manifest fetched for a descriptor returned earlier.
  Result<std::vector<Descriptor>> AddChild(const Descriptor& descriptor, std::string bytes);

  // Distinct blobs in first-seen order (configs, layers, in the order of the manifests).
  std::vector<WalkBlob> Blobs() const;
  // Manifests in push order: deepest first, the root last.
  std::vector<WalkNode> PushOrder() const;

  // With a platform filter, the root index may have lost entries and been re-serialized;
  // its digest then differs from the source's.
  bool root_rewritten() const { return root_rewritten_; }
  const std::string& root_digest() const { return root_digest_; }
  const std::string& source_root_digest() const { return source_root_digest_; }
  std::vector<std::string> selected_platforms() const { return selected_; }
  std::int64_t total_blob_bytes() const;

 private:
  Result<std::vector<Descriptor>> Add(std::string digest, std::string media_type, std::string bytes, int depth,
                                      bool root);

  ImageWalkOptions options_;
  std::vector<WalkNode> nodes_;                  // in the order added
  std::map<std::string, int> depth_of_pending_;  // child digest -> depth
  std::vector<WalkBlob> blobs_;
  std::set<std::string> blob_seen_;
  std::set<std::string> manifest_seen_;
  std::vector<std::string> selected_;
  std::string root_digest_, source_root_digest_;
  bool root_rewritten_ = false;
};

}  // namespace irel
