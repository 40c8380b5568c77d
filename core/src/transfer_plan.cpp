#include "irel/transfer_plan.hpp"

#include <nlohmann/json.hpp>
#include <set>

namespace irel {

const char* BlobActionName(BlobAction action) {
  switch (action) {
    case BlobAction::Upload: return "upload";
    case BlobAction::Mount: return "mount";
    case BlobAction::Present: return "present";
    case BlobAction::Foreign: return "foreign";
  }
  return "upload";
}

int TransferPlanner::AddImage(const PlanImageSpec& spec, const ImageWalk& walk) {
  Entry e;
  e.spec = spec;
  e.image.source = spec.source;
  e.image.target = spec.target;
  e.image.tag = spec.tag;
  e.image.digest = walk.root_digest();
  e.image.source_digest = walk.source_root_digest();
  e.image.rewritten = walk.root_rewritten();
  e.image.platforms = walk.selected_platforms();
  const auto order = walk.PushOrder();
  for (std::size_t i = 0; i < order.size(); ++i) {
    e.image.manifests.push_back(PlannedManifest{order[i].digest, order[i].media_type,
                                                static_cast<std::int64_t>(order[i].bytes.size()), i + 1 == order.size(),
                                                order[i].height});
  }
  e.blobs = walk.Blobs();
  entries_.push_back(std::move(e));
  return static_cast<int>(entries_.size() - 1);
}

void TransferPlanner::AnswerRoot(int image, bool present, bool tagged) {
  if (image < 0 || static_cast<std::size_t>(image) >= entries_.size()) return;
  entries_[image].image.exists = present;
  entries_[image].image.tagged = present && tagged;
  entries_[image].root_answered = true;
}

// A blob needs asking about only at its first occurrence in a target repository, and not at all
// in an image whose root the target already has, or when it is foreign.
bool TransferPlanner::NeedsCheck(std::size_t image, const std::string& digest) const {
  const Entry& e = entries_[image];
  if (e.image.exists) return false;
  const std::string key = RepoKey(e.spec);
  for (std::size_t i = 0; i < image; ++i) {
    if (RepoKey(entries_[i].spec) != key || entries_[i].image.exists) continue;
    for (const auto& b : entries_[i].blobs) {
      if (b.descriptor.digest == digest && !b.foreign) return false;
    }
  }
  return true;
}

std::vector<PlanCheck> TransferPlanner::PendingChecks() const {
  std::vector<PlanCheck> out;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    std::set<std::string> asked;
    for (const auto& b : entries_[i].blobs) {
      if (b.foreign || !asked.insert(b.descriptor.digest).second) continue;
      if (!NeedsCheck(i, b.descriptor.digest)) continue;
      if (answers_.count({RepoKey(entries_[i].spec), b.descriptor.digest})) continue;
      out.push_back(PlanCheck{static_cast<int>(i), b.descriptor});
    }
  }
  return out;
}

void TransferPlanner::AnswerBlob(int image, std::string_view digest, bool present) {
  if (image < 0 || static_cast<std::size_t>(image) >= entries_.size()) return;
  answers_[{RepoKey(entries_[image].spec), std::string(digest)}] = present;
}

Result<Plan> TransferPlanner::Build() const {
  if (!PendingChecks().empty()) {
    return Error{"PLAN_INCOMPLETE", "the target has not been asked about every blob yet"};
  }
  Plan plan;
  // Where each blob will be in each registry once earlier images ran: registry -> digest -> repository.
  std::map<std::string, std::map<std::string, std::string>> placed;
  std::set<std::pair<std::string, std::string>> in_repo;  // (repo key, digest) written or present
  for (const auto& e : entries_) {
    PlannedImage img = e.image;
    const std::string key = RepoKey(e.spec);
    for (const auto& b : e.blobs) {
      PlannedBlob p{b.descriptor, BlobAction::Upload, ""};
      const std::string& digest = b.descriptor.digest;
      if (b.foreign) {
        p.action = BlobAction::Foreign;
      } else if (img.exists || in_repo.count({key, digest})) {
        p.action = BlobAction::Present;
      } else {
        const auto answer = answers_.find({key, digest});
        if (answer != answers_.end() && answer->second) {
          p.action = BlobAction::Present;
        } else if (auto reg = placed.find(e.spec.target_registry);
                   reg != placed.end() && reg->second.count(digest)) {
          p.action = BlobAction::Mount;
          p.mount_from = reg->second.at(digest);
        } else if (!e.spec.mount_from.empty()) {
          p.action = BlobAction::Mount;
          p.mount_from = e.spec.mount_from;
        }
      }
      if (p.action != BlobAction::Foreign) {
        in_repo.insert({key, digest});
        placed[e.spec.target_registry].emplace(digest, e.spec.target_repository);
      }
      const auto size = b.descriptor.size;
      switch (p.action) {
        case BlobAction::Upload: plan.blob_count.upload++; plan.blob_bytes.upload += size; break;
        case BlobAction::Mount: plan.blob_count.mount++; plan.blob_bytes.mount += size; break;
        case BlobAction::Present: plan.blob_count.present++; plan.blob_bytes.present += size; break;
        case BlobAction::Foreign: plan.blob_count.foreign++; plan.blob_bytes.foreign += size; break;
      }
      plan.total_bytes += size;
      img.blobs.push_back(std::move(p));
    }
    plan.images.push_back(std::move(img));
  }
  return plan;
}

namespace {
nlohmann::ordered_json Totals(const ActionTotals& t) {
  return {{"upload", t.upload}, {"mount", t.mount}, {"present", t.present}, {"foreign", t.foreign}};
}
}  // namespace

std::string PlanJson(const Plan& plan) {
  using json = nlohmann::ordered_json;
  json images = json::array();
  for (const auto& img : plan.images) {
    json manifests = json::array();
    for (const auto& m : img.manifests) {
      manifests.push_back({{"digest", m.digest}, {"mediaType", m.media_type}, {"size", m.size}, {"root", m.root}, {"height", m.height}});
    }
    json blobs = json::array();
    for (const auto& b : img.blobs) {
      json o = {{"digest", b.descriptor.digest}, {"size", b.descriptor.size}, {"mediaType", b.descriptor.media_type},
                {"action", BlobActionName(b.action)}};
      if (b.action == BlobAction::Mount) o["from"] = b.mount_from;
      blobs.push_back(std::move(o));
    }
    images.push_back({{"source", img.source}, {"target", img.target}, {"tag", img.tag}, {"digest", img.digest},
                      {"sourceDigest", img.source_digest}, {"rewritten", img.rewritten}, {"exists", img.exists}, {"tagged", img.tagged},
                      {"platforms", img.platforms}, {"manifests", std::move(manifests)}, {"blobs", std::move(blobs)}});
  }
  json bytes = Totals(plan.blob_bytes);
  bytes["total"] = plan.total_bytes;
  json doc = {{"images", std::move(images)}, {"totals", {{"blobs", Totals(plan.blob_count)}, {"bytes", std::move(bytes)}}}};
  return doc.dump();
}

}  // namespace irel
