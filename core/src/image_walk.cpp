#include "irel/image_walk.hpp"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "irel/hash.hpp"
#include "irel/media_type.hpp"

namespace irel {
namespace {

// See the platform filter comment in the header: platform-less indexes are kept and filtered
// inside, other platform-less entries (and non-matching ones) are dropped.
bool Selected(const ImageWalkOptions& o, const Descriptor& d) {
  if (o.platforms.empty()) return true;
  if (!d.platform) return media_type::IsIndex(d.media_type);
  return std::any_of(o.platforms.begin(), o.platforms.end(),
                     [&](const Platform& p) { return p.Matches(*d.platform); });
}

struct NewDescriptor {
  std::string digest;
  std::int64_t size = 0;
};

// The index with only the entries in `keep`, and the digest and size of those in `replaced`
// (by entry position) updated; every other field untouched and in its order.
std::string Reserialized(const std::string& bytes, const std::vector<bool>& keep,
                         const std::map<std::size_t, NewDescriptor>& replaced) {
  auto doc = nlohmann::ordered_json::parse(bytes);
  auto& list = doc["manifests"];
  nlohmann::ordered_json kept = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!keep[i]) continue;
    auto entry = list[i];
    if (const auto it = replaced.find(i); it != replaced.end()) {
      entry["digest"] = it->second.digest;
      entry["size"] = it->second.size;
    }
    kept.push_back(std::move(entry));
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
  // Added already (a driver asking twice): walked once, nothing more to fetch.
  if (node_of_.count(d.digest)) return std::vector<Descriptor>{};
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
  Node node;

  if (m.kind == ManifestKind::Index) {
    // Digests that match their bytes cannot form a cycle; made-up ones (a layout or bundle written
    // by hand, a driver that does not verify) can, and are refused before anything is fetched.
    for (const auto& d : m.manifests) {
      if (d.digest == digest) {
        return Error{"MANIFEST_INVALID", "the index " + digest + " lists itself: its digest does not match its bytes"};
      }
      if (node_of_.count(d.digest) && Reaches(d.digest, digest)) {
        return Error{"MANIFEST_INVALID", "the index " + digest + " lists " + d.digest +
                                             ", an index above it: the indexes form a cycle, which only digests "
                                             "that do not match their bytes can make"};
      }
    }
    std::vector<std::string> available, selected;
    for (const auto& d : m.manifests) {
      const bool take = Selected(options_, d);  // every index is filtered, nested ones too
      node.keep.push_back(take);
      node.entries.push_back(d.digest);
      if (d.platform) available.push_back(d.platform->String());
      if (!take) continue;
      if (d.platform) selected.push_back(d.platform->String());
      if (manifest_seen_.insert(d.digest).second) {
        depth_of_pending_[d.digest] = depth + 1;
        children.push_back(d);
      }
    }
    const auto& keep = node.keep;
    const bool dropped = std::find(keep.begin(), keep.end(), false) != keep.end();
    if (dropped && std::find(keep.begin(), keep.end(), true) == keep.end()) {
      std::string list;
      for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
      std::string wanted;
      for (const auto& p : options_.platforms) wanted += (wanted.empty() ? "" : ", ") + p.String();
      const std::string where = root ? "the index" : "the nested index " + digest;
      return Error{"PLATFORM_NOT_FOUND", "no manifest for " + wanted + " in " + where + " (it has: " +
                                             (list.empty() ? "no platforms" : list) + ")"};
    }
    for (auto& p : selected) {
      if (std::find(selected_.begin(), selected_.end(), p) == selected_.end()) selected_.push_back(std::move(p));
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
  node_of_.emplace(digest, nodes_.size());
  node.fetched = WalkNode{std::move(digest), m.media_type, std::move(bytes), depth};
  nodes_.push_back(std::move(node));
  return children;
}

bool ImageWalk::Reaches(const std::string& from, const std::string& target) const {
  std::set<std::string> seen;
  std::vector<std::string> stack{from};
  while (!stack.empty()) {
    const std::string d = std::move(stack.back());
    stack.pop_back();
    if (d == target) return true;
    const auto found = node_of_.find(d);
    if (found == node_of_.end() || !seen.insert(d).second) continue;
    const Node& n = nodes_[found->second];
    stack.insert(stack.end(), n.entries.begin(), n.entries.end());
  }
  return false;
}

// Bottom-up: an index is rewritten when it dropped entries or when a kept entry's manifest was
// rewritten (it then gets that manifest's new digest and size). Manifests not added (never
// fetched) count as unchanged; `active` stops a cycle, which only made-up digests can form.
const ImageWalk::Final& ImageWalk::Resolve(const std::string& digest, Finals& done,
                                           std::set<std::string>& active) const {
  if (const auto it = done.find(digest); it != done.end()) return it->second;
  const auto found = node_of_.find(digest);
  if (found == node_of_.end() || active.count(digest)) return done.emplace(digest, Final{digest, {}, false}).first->second;
  const Node& node = nodes_[found->second];
  active.insert(digest);
  bool changed = std::find(node.keep.begin(), node.keep.end(), false) != node.keep.end();
  std::map<std::size_t, NewDescriptor> replaced;
  for (std::size_t i = 0; i < node.entries.size(); ++i) {
    if (!node.keep[i]) continue;
    const Final& child = Resolve(node.entries[i], done, active);
    if (!child.rewritten) continue;
    replaced[i] = NewDescriptor{child.digest, static_cast<std::int64_t>(child.bytes.size())};
    changed = true;
  }
  active.erase(digest);
  Final out{digest, {}, false};
  if (changed) {
    out.bytes = Reserialized(node.fetched.bytes, node.keep, replaced);
    out.digest = "sha256:" + Sha256Hex(out.bytes);
    out.rewritten = true;
  }
  return done[digest] = std::move(out);
}

ImageWalk::Finals ImageWalk::Resolved() const {
  Finals done;
  std::set<std::string> active;
  for (const auto& n : nodes_) Resolve(n.fetched.digest, done, active);
  return done;
}

std::vector<WalkBlob> ImageWalk::Blobs() const { return blobs_; }

// Children before parents, by a post-order walk from the root: a manifest listed both by the
// root and by a nested index is pushed before either (ordering by the depth where it was first
// seen could push the nested index first, and registries refuse an index whose entries are missing).
std::vector<WalkNode> ImageWalk::PushOrder() const {
  const Finals finals = Resolved();
  std::vector<WalkNode> out;
  out.reserve(nodes_.size());
  std::map<std::string, int> height;  // of each manifest placed
  std::function<int(const std::string&)> visit = [&](const std::string& digest) {
    const auto found = node_of_.find(digest);
    if (found == node_of_.end()) return -1;  // not fetched
    if (const auto h = height.find(digest); h != height.end()) return h->second;  // done (or a cycle)
    height[digest] = 0;
    const Node& n = nodes_[found->second];
    int h = 0;
    for (std::size_t i = 0; i < n.entries.size(); ++i) {
      if (n.keep[i]) h = std::max(h, visit(n.entries[i]) + 1);
    }
    height[digest] = h;
    WalkNode w = n.fetched;
    w.height = h;
    const Final& f = finals.at(w.digest);
    if (f.rewritten) {
      w.digest = f.digest;
      w.bytes = f.bytes;
    }
    out.push_back(std::move(w));
    return h;
  };
  visit(source_root_digest_);
  for (const auto& n : nodes_) visit(n.fetched.digest);  // nothing is left out, even unreachable
  return out;
}

bool ImageWalk::root_rewritten() const {
  if (!node_of_.count(source_root_digest_)) return false;  // no root added (or it was refused)
  Finals done;
  std::set<std::string> active;
  return Resolve(source_root_digest_, done, active).rewritten;
}

std::string ImageWalk::root_digest() const {
  if (!node_of_.count(source_root_digest_)) return {};
  Finals done;
  std::set<std::string> active;
  return Resolve(source_root_digest_, done, active).digest;
}

std::int64_t ImageWalk::total_blob_bytes() const {
  std::int64_t total = 0;
  for (const auto& b : blobs_) {
    if (!b.foreign) total += b.descriptor.size;
  }
  return total;
}

}  // namespace irel
