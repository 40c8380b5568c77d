#pragma once
// The plan of a transfer, decided before anything is written: for each image (its graph walked
// by ImageWalk), the manifests to push children first and the root's tag last, and for each blob
// one action: upload it, mount it from another repository of the same registry, skip it as
// already present, or skip it as foreign. Each blob is moved once per target repository; a blob a
// later image needs in another repository of the same registry is mounted from the first.
//
// Sans-IO: the driver adds the walked images, asks the target the existence questions the planner
// lists (PendingChecks), answers them, and builds the plan. The plan is data: what a dry run
// prints, what the executor runs and what progress is reported against.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "irel/image_walk.hpp"
#include "irel/manifest.hpp"
#include "irel/result.hpp"

namespace irel {

enum class BlobAction { Upload, Mount, Present, Foreign };
const char* BlobActionName(BlobAction action);

struct PlannedBlob {
  Descriptor descriptor;
  BlobAction action = BlobAction::Upload;
  std::string mount_from;  // repository on the target's registry, for Mount
};

struct PlannedManifest {
  std::string digest;
  std::string media_type;
  std::int64_t size = 0;
  bool root = false;
  int height = 0;  // see WalkNode::height: one height's manifests are pushed together
};

struct PlannedImage {
  std::string source;            // as named by the user
  std::string target;            // the full target reference written last
  std::string tag;               // the tag (or digest) the root is pushed under
  std::string digest;            // the root's digest at the target
  std::string source_digest;     // the root's digest at the source (differs when rewritten)
  bool rewritten = false;        // a platform filter produced new index bytes
  bool exists = false;           // the target already holds the root: only the tag is written
  bool tagged = false;           // ... and its tag already names it: nothing is written at all
  std::vector<std::string> platforms;
  std::vector<PlannedManifest> manifests;  // push order: children first, the root last
  std::vector<PlannedBlob> blobs;
};

struct ActionTotals {
  std::int64_t upload = 0, mount = 0, present = 0, foreign = 0;
};

struct Plan {
  std::vector<PlannedImage> images;
  ActionTotals blob_count;
  ActionTotals blob_bytes;
  std::int64_t total_bytes = 0;
};

struct PlanImageSpec {
  std::string source;
  std::string target;
  std::string tag;
  std::string target_registry;    // "registry.example:5000": blobs mount only within one registry
  std::string target_repository;  // "team/app"
  std::string mount_from;         // a repository of the target's registry that holds the source's blobs, or ""
};

struct PlanCheck {
  int image = 0;
  Descriptor descriptor;
};

class TransferPlanner {
 public:
  // Adds an image whose graph `walk` holds in full (or only its root, when the target has it).
  int AddImage(const PlanImageSpec& spec, const ImageWalk& walk);
  // The target already holds the image's root manifest (so every manifest and blob under it);
  // tagged: the target's tag already names that root (then not even the tag is written).
  void AnswerRoot(int image, bool present, bool tagged = false);
  // The existence questions still open: one per blob and target repository, first occurrences only.
  std::vector<PlanCheck> PendingChecks() const;
  void AnswerBlob(int image, std::string_view digest, bool present);
  // Error PLAN_INCOMPLETE while a check is unanswered.
  Result<Plan> Build() const;

 private:
  struct Entry {
    PlanImageSpec spec;
    PlannedImage image;
    std::vector<WalkBlob> blobs;
    bool root_answered = false;
  };
  static std::string RepoKey(const PlanImageSpec& s) { return s.target_registry + "/" + s.target_repository; }
  bool NeedsCheck(std::size_t image, const std::string& digest) const;

  std::vector<Entry> entries_;
  std::map<std::pair<std::string, std::string>, bool> answers_;  // (repo key, digest) -> present
};

// The plan as JSON: {"images":[{source,target,tag,digest,sourceDigest,rewritten,exists,tagged,platforms,
// manifests:[{digest,mediaType,size,root,height}],blobs:[{digest,size,mediaType,action,from?}]}],
// "totals":{"blobs":{upload,mount,present,foreign},"bytes":{upload,mount,present,foreign,total}}}.
std::string PlanJson(const Plan& plan);

}  // namespace irel
