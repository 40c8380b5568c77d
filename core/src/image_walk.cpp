#include "irel/image_walk.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "irel/hash.hpp"
#include "irel/media_type.hpp"

namespace irel {
namespace {

bool Selected(const ImageWalkOptions& o, const Descriptor& d) {
  if (o.platforms.empty()) return true;
  if (!d.platform) return media_type::IsIndex(d.media_type);  // nested indexes are filtered inside
  return std::any_of(o.platforms.begin(), o.platforms.end(),
                     [&](const Platform& p) { return p.Matches(*d.platform); });
}

// The index without the entries at `drop`, every other field untouched and in its order.
std::string WithoutEntries(const std::string& bytes, const std::vector<bool>& keep) {
  auto doc = nlohmann::ordered_json::parse(bytes);
  auto& list = doc["manifests"];
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (keep[i]) kept.push_back(list[i]);
  }
  list = std::move(kept);
  return doc.dump(3);
}

}  // namespace

ImageWalk::ImageWalk(ImageWalkOptions options) : options_(std::move(options)) {}

Result<std::vector<Descriptor>> ImageWalk::AddRoot(std::string digest, std::string media_type, std::string bytes) {
  source_root_digest_ = digest;
  return Add(std::move(digest), std::move(media_type), std::move(bytes), 0, true);
}

Result<std::vector<Descriptor>> ImageWalk::AddChild(const Descriptor& d, std::string bytes) {
  const auto it = depth_of_pending_.find(d.digest);
  const int depth = it == depth_of_pending_.end() ? 1 : it->second;
  return Add(d.digest, d.media_type, std::move(bytes), depth, false);
}

Result<std::vector<Descriptor>> ImageWalk::Add(std::string digest, std::string media_type, std::string bytes,
                                               int depth, bool root) {
  if (depth > options_.max_depth) {
    return Error{"MANIFEST_INVALID", "indexes nested deeper than " + std::to_string(options_.max_depth) + " levels"};
  }
  auto parsed = ParseManifest(bytes, media_type);
  if (!parsed) return parsed.error();
  const Manifest& m = *parsed;
  std::vector<Descriptor> children;

  if (m.kind == ManifestKind::Index) {
    std::vector<bool> keep;
    std::vector<std::string> available;
    for (const auto& d : m.manifests) {
      const bool take = !root || Selected(options_, d);  // only the root index is filtered
      keep.push_back(take);
      if (d.platform) available.push_back(d.platform->String());
      if (!take) continue;
      if (d.platform && root) selected_.push_back(d.platform->String());
      if (manifest_seen_.insert(d.digest).second) {
        depth_of_pending_[d.digest] = depth + 1;
        children.push_back(d);
      }
    }
    const bool dropped = std::find(keep.begin(), keep.end(), false) != keep.end();
    if (dropped && std::find(keep.begin(), keep.end(), true) == keep.end() && root) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      std::string wanted;
      for (const auto& p : options_.platforms) wanted += (wanted.empty() ? "" : ", ") + p.String();
      return Error{"PLATFORM_NOT_FOUND", "no manifest for " + wanted + " in the index (it has: " + list + ")"};
    }
    if (dropped) {
      bytes = WithoutEntries(bytes, keep);
      digest = "sha256:" + Sha256Hex(bytes);
      if (root) root_rewritten_ = true;
    }
  } else {
    std::vector<const Descriptor*> refs;
    if (m.config) refs.push_back(&*m.config);
    for (const auto& l : m.layers) refs.push_back(&l);
    for (const Descriptor* d : refs) {
      if (!blob_seen_.insert(d->digest).second) continue;
      const bool foreign = media_type::IsNonDistributable(d->media_type) && !options_.include_nondistributable;
      blobs_.push_back(WalkBlob{*d, foreign});
    }
  }
  if (root) root_digest_ = digest;
  nodes_.push_back(WalkNode{std::move(digest), m.media_type, std::move(bytes), depth});
  return children;
}

std::vector<WalkBlob> ImageWalk::Blobs() const { return blobs_; }

std::vector<WalkNode> ImageWalk::PushOrder() const {
  std::vector<WalkNode> out = nodes_;
  std::stable_sort(out.begin(), out.end(), [](const WalkNode& a, const WalkNode& b) { return a.depth > b.depth; });
  return out;
}

std::int64_t ImageWalk::total_blob_bytes() const {
  std::int64_t total = 0;
  for (const auto& b : blobs_) {
    if (!b.skipped_nondistributable) total += b.descriptor.size;
  }
  return total;
}

}  // namespace irel
