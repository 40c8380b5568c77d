#include "irel/image_walk.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <set>

#include "manifest_fixtures.hpp"

namespace irel {
namespace {

using fixtures::H;
using fixtures::Image;
using fixtures::kForeign;
using fixtures::kGz;
using fixtures::Sha;

std::string Index(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto& [digest, platform] = entries[i];
    std::string p;
    if (!platform.empty()) {
      const auto slash = platform.find('/');
      const auto rest = platform.substr(slash + 1);
      const auto slash2 = rest.find('/');
      p = R"(,"platform":{"os":")" + platform.substr(0, slash) + R"(","architecture":")" + rest.substr(0, slash2) + "\"" +
          (slash2 == std::string::npos ? "" : R"(,"variant":")" + rest.substr(slash2 + 1) + "\"") + "}";
    }
    out += (i ? "," : "") + std::string(R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")") + digest + R"(","size":1)" + p + "}";
  }
  return out + R"(],"annotations":{"keep":"me"}})";
}


TEST(ImageWalk, SingleImageListsConfigAndLayersOnce) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}, {H('2'), kGz}, {H('1'), kGz}});
  const auto children = walk.AddRoot(Sha(img), "", img);
  ASSERT_TRUE(children.ok());
  EXPECT_TRUE(children->empty());
  const auto blobs = walk.Blobs();
  ASSERT_EQ(blobs.size(), 3u);
  EXPECT_EQ(blobs[0].descriptor.digest, H('c'));
  EXPECT_EQ(walk.total_blob_bytes(), 7 + 100 + 100);
  ASSERT_EQ(walk.PushOrder().size(), 1u);
  EXPECT_EQ(walk.PushOrder()[0].bytes, img);
  EXPECT_FALSE(walk.root_rewritten());
}

TEST(ImageWalk, IndexChildrenArePushedBeforeTheRootAndBlobsAreShared) {
  ImageWalk walk;
  const auto amd = Image({{H('1'), kGz}, {H('2'), kGz}});
  const auto arm = Image({{H('1'), kGz}, {H('3'), kGz}}, H('d'));
  const auto idx = Index({{Sha(amd), "linux/amd64"}, {Sha(arm), "linux/arm64"}});
  const auto children = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 2u);
  ASSERT_TRUE(walk.AddChild((*children)[0], amd).ok());
  ASSERT_TRUE(walk.AddChild((*children)[1], arm).ok());
  EXPECT_EQ(walk.Blobs().size(), 5u);  // c, 1, 2, d, 3
  const auto order = walk.PushOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order.back().digest, Sha(idx));
  EXPECT_EQ(order.back().bytes, idx);
  // The two platform manifests can be pushed together, the index after them.
  EXPECT_EQ(order[0].height, 0);
  EXPECT_EQ(order[1].height, 0);
  EXPECT_EQ(order[2].height, 1);
}

TEST(ImageWalk, NestedIndexesArePushedDeepestFirst) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}});
  const auto inner = Index({{Sha(img), "linux/amd64"}});
  std::string outer = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":")" +
                      Sha(inner) + R"(","size":1}]})";
  auto c1 = walk.AddRoot(Sha(outer), "", outer);
  ASSERT_TRUE(c1.ok());
  auto c2 = walk.AddChild((*c1)[0], inner);
  ASSERT_TRUE(c2.ok());
  ASSERT_TRUE(walk.AddChild((*c2)[0], img).ok());
  const auto order = walk.PushOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].digest, Sha(img));
  EXPECT_EQ(order[1].digest, Sha(inner));
  EXPECT_EQ(order[2].digest, Sha(outer));
}

// The image is listed by the root (first seen one level down) and by the nested index (two
// levels down): it must still be pushed before the nested index that lists it.
TEST(ImageWalk, AManifestListedAtTwoDepthsIsPushedBeforeEveryIndexListingIt) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}});
  const auto inner = Index({{Sha(img), "linux/amd64"}});
  std::string outer = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.index.v1+json","digest":")" +
                      Sha(inner) + R"(","size":1},{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + Sha(img) +
                      R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}}]})";
  auto c1 = walk.AddRoot(Sha(outer), "", outer);
  ASSERT_TRUE(c1.ok());
  ASSERT_EQ(c1->size(), 2u);
  for (const auto& d : *c1) ASSERT_TRUE(walk.AddChild(d, d.digest == Sha(inner) ? inner : img).ok());
  const auto order = walk.PushOrder();
  ASSERT_EQ(order.size(), 3u);
  EXPECT_EQ(order[0].digest, Sha(img));
  EXPECT_EQ(order[1].digest, Sha(inner));
  EXPECT_EQ(order[2].digest, Sha(outer));
  // Heights: the root lists the image directly too, but must wait for the inner index.
  EXPECT_EQ(order[0].height, 0);
  EXPECT_EQ(order[1].height, 1);
  EXPECT_EQ(order[2].height, 2);
}

TEST(ImageWalk, PlatformFilterRewritesTheRootIndexKeepingItsOtherFields) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("linux/arm/v7")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}, {H('b'), "linux/arm/v7"}, {H('e'), "linux/arm/v6"}});
  const auto children = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_TRUE(children.ok());
  ASSERT_EQ(children->size(), 1u);
  EXPECT_EQ((*children)[0].digest, H('b'));
  EXPECT_TRUE(walk.root_rewritten());
  EXPECT_NE(walk.root_digest(), walk.source_root_digest());
  const auto root = walk.PushOrder().back();
  EXPECT_EQ(Sha(root.bytes), root.digest);
  EXPECT_NE(root.bytes.find(R"("keep": "me")"), std::string::npos);  // other fields kept
  EXPECT_EQ(walk.selected_platforms(), std::vector<std::string>{"linux/arm/v7"});
}

TEST(ImageWalk, PlatformFilterMatchingEverythingKeepsTheBytes) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("linux/amd64")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}});
  ASSERT_TRUE(walk.AddRoot(Sha(idx), "", idx).ok());
  EXPECT_FALSE(walk.root_rewritten());
  EXPECT_EQ(walk.PushOrder().back().bytes, idx);
}

TEST(ImageWalk, PlatformFilterMatchingNothingSaysWhatThereIs) {
  ImageWalk walk(ImageWalkOptions{{*ParsePlatform("windows/amd64")}, false, 8});
  const auto idx = Index({{H('a'), "linux/amd64"}, {H('b'), "linux/arm64"}});
  const auto r = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "PLATFORM_NOT_FOUND");
  EXPECT_NE(r.error().message.find("linux/amd64, linux/arm64"), std::string::npos);
}

// --- the platform filter in nested indexes ------------------------------------------------------
// root: amd0 (linux/amd64), att (unknown/unknown), rel1 and rel2 (indexes, no platform)
// rel1: amd1 (linux/amd64), arm1 (linux/arm64)        rel2: arm2 (linux/arm64)
// Indexes carry their name in an annotation, so a rewritten one can still be told apart.
class NestedGraph {
 public:
  NestedGraph() {
    Put("amd0", kImage, Image({{H('1'), kGz}}, H('4')));
    Put("att", kImage, Image({{H('5'), kGz}}, H('6')));
    Put("amd1", kImage, Image({{H('1'), kGz}, {H('2'), kGz}}, H('7')));
    Put("arm1", kImage, Image({{H('3'), kGz}}, H('8')));
    Put("arm2", kImage, Image({{H('3'), kGz}, {H('2'), kGz}}, H('9')));
    Put("rel1", kIndex, IndexOf("rel1", {{"amd1", "linux/amd64"}, {"arm1", "linux/arm64"}}));
    Put("rel2", kIndex, IndexOf("rel2", {{"arm2", "linux/arm64"}}));
    Put("root", kIndex, IndexOf("root", {{"amd0", "linux/amd64"}, {"att", "unknown/unknown"}, {"rel1", ""}, {"rel2", ""}}));
  }

  // Feeds the whole graph to `walk` the way the copy does: the root, then each round of children.
  Result<bool> Walk(ImageWalk& walk) const {
    auto added = walk.AddRoot(digest_.at("root"), kIndex, bytes_.at("root"));
    if (!added) return added.error();
    std::vector<Descriptor> pending = *added;
    while (!pending.empty()) {
      std::vector<Descriptor> next;
      for (const auto& d : pending) {
        added = walk.AddChild(d, bytes_.at(name_.at(d.digest)));
        if (!added) return added.error();
        next.insert(next.end(), added->begin(), added->end());
      }
      pending = std::move(next);
    }
    return true;
  }

  // The fixture name of a manifest: its annotation for an index, its source digest otherwise.
  std::string NameOf(const WalkNode& n) const {
    const auto m = ParseManifest(n.bytes, n.media_type);
    if (m && m->kind == ManifestKind::Index) return m->annotations.at("name");
    const auto it = name_.find(n.digest);
    return it == name_.end() ? "?" + n.digest : it->second;
  }
  const std::string& Bytes(const std::string& name) const { return bytes_.at(name); }
  const std::string& Digest(const std::string& name) const { return digest_.at(name); }

 private:
  static constexpr const char* kImage = "application/vnd.oci.image.manifest.v1+json";
  static constexpr const char* kIndex = "application/vnd.oci.image.index.v1+json";

  void Put(const std::string& name, const std::string& type, std::string bytes) {
    digest_[name] = Sha(bytes);
    name_[Sha(bytes)] = name;
    type_[name] = type;
    bytes_[name] = std::move(bytes);
  }
  std::string IndexOf(const std::string& name, const std::vector<std::pair<std::string, std::string>>& entries) const {
    std::string out = std::string(R"({"schemaVersion":2,"mediaType":")") + kIndex + R"(","manifests":[)";
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const auto& [child, platform] = entries[i];
      out += (i ? "," : "") + std::string(R"({"mediaType":")") + type_.at(child) + R"(","digest":")" + digest_.at(child) +
             R"(","size":)" + std::to_string(bytes_.at(child).size());
      if (!platform.empty()) {
        const auto slash = platform.find('/');
        out += R"(,"platform":{"os":")" + platform.substr(0, slash) + R"(","architecture":")" + platform.substr(slash + 1) + "\"}";
      }
      if (child.rfind("rel", 0) == 0) out += R"(,"annotations":{"release":")" + child + "\"}";
      out += "}";
    }
    return out + R"(],"annotations":{"name":")" + name + "\"}}";
  }

  std::map<std::string, std::string> bytes_, digest_, type_, name_;  // name_: digest -> name
};

struct NestedCase {
  const char* label;
  std::vector<std::string> platforms;
  std::map<std::string, std::vector<std::string>> entries;  // index -> the entries it keeps
  std::set<std::string> rewritten;                          // manifests whose bytes change
  std::vector<std::string> selected;
};

class NestedPlatformFilter : public ::testing::TestWithParam<NestedCase> {
 protected:
  void SetUp() override {
    ImageWalkOptions options;
    for (const auto& p : GetParam().platforms) options.platforms.push_back(*ParsePlatform(p));
    walk_ = ImageWalk(options);
    walked_ = g_.Walk(walk_);
    ASSERT_TRUE(walked_.ok()) << walked_.error().message;
    order_ = walk_.PushOrder();
    for (const auto& n : order_) by_digest_[n.digest] = &n;
  }
  // The pushed manifest an entry points at, by its digest; null when nothing pushed has it.
  const WalkNode* Pushed(const Descriptor& d) const {
    const auto it = by_digest_.find(d.digest);
    return it == by_digest_.end() ? nullptr : it->second;
  }

  NestedGraph g_;
  ImageWalk walk_;
  Result<bool> walked_ = false;
  std::vector<WalkNode> order_;
  std::map<std::string, const WalkNode*> by_digest_;
};

TEST_P(NestedPlatformFilter, PushesExactlyTheManifestsTheKeptEntriesReach) {
  std::set<std::string> pushed, reachable;
  for (const auto& n : order_) pushed.insert(g_.NameOf(n));
  for (const auto& [index, kept] : GetParam().entries) {
    reachable.insert(index);
    reachable.insert(kept.begin(), kept.end());
  }
  EXPECT_EQ(pushed, reachable);
  EXPECT_EQ(g_.NameOf(order_.back()), "root");
}

TEST_P(NestedPlatformFilter, RewrittenIndexesParseAndListOnlyTheKeptEntries) {
  for (const auto& n : order_) {
    EXPECT_EQ(Sha(n.bytes), n.digest) << g_.NameOf(n);
    const auto m = ParseManifest(n.bytes, n.media_type);
    ASSERT_TRUE(m.ok()) << g_.NameOf(n);
    if (m->kind != ManifestKind::Index) continue;
    std::vector<std::string> names;
    for (const auto& d : m->manifests) {
      const WalkNode* child = Pushed(d);
      names.push_back(child ? g_.NameOf(*child) : "?" + d.digest);
    }
    EXPECT_EQ(names, GetParam().entries.at(g_.NameOf(n)));
    EXPECT_EQ(m->annotations.at("name"), g_.NameOf(n));  // other fields kept
  }
}

TEST_P(NestedPlatformFilter, EveryIndexReferencesTheFinalDigestAndSizeOfItsEntries) {
  for (const auto& n : order_) {
    const auto m = ParseManifest(n.bytes, n.media_type);
    ASSERT_TRUE(m.ok());
    for (const auto& d : m->manifests) {
      const WalkNode* child = Pushed(d);
      ASSERT_NE(child, nullptr) << g_.NameOf(n) << " lists " << d.digest << ", which is not pushed";
      EXPECT_EQ(d.size, static_cast<std::int64_t>(child->bytes.size())) << g_.NameOf(n) << " -> " << g_.NameOf(*child);
    }
  }
}

TEST_P(NestedPlatformFilter, ManifestsNothingChangedUnderKeepTheirBytesAndDigest) {
  for (const auto& n : order_) {
    const std::string name = g_.NameOf(n);
    if (GetParam().rewritten.count(name)) {
      EXPECT_NE(n.digest, g_.Digest(name)) << name;
    } else {
      EXPECT_EQ(n.bytes, g_.Bytes(name)) << name;
      EXPECT_EQ(n.digest, g_.Digest(name)) << name;
    }
  }
}

TEST_P(NestedPlatformFilter, SummaryTellsTheRootDigestWhetherRewrittenAndThePlatforms) {
  const auto& c = GetParam();
  EXPECT_EQ(walk_.root_digest(), order_.back().digest);
  EXPECT_EQ(walk_.source_root_digest(), g_.Digest("root"));
  EXPECT_EQ(walk_.root_rewritten(), c.rewritten.count("root") == 1);
  EXPECT_EQ(walk_.selected_platforms(), c.selected);
}

const std::vector<std::string> kAll = {"amd0", "att", "rel1", "rel2"};

INSTANTIATE_TEST_SUITE_P(
    ImageWalk, NestedPlatformFilter,
    ::testing::Values(
        NestedCase{"no_filter_rewrites_nothing", {},
                   {{"root", kAll}, {"rel1", {"amd1", "arm1"}}, {"rel2", {"arm2"}}}, {},
                   {"linux/amd64", "unknown/unknown", "linux/arm64"}},
        // rel1 loses amd1, so root lists rel1's new digest and size; rel2 is untouched.
        NestedCase{"nested_filter_keeps_matching_entries_and_rewrites_the_indexes_above", {"linux/arm64"},
                   {{"root", {"rel1", "rel2"}}, {"rel1", {"arm1"}}, {"rel2", {"arm2"}}}, {"root", "rel1"},
                   {"linux/arm64"}},
        // Only the root drops an entry (the attestation): the nested indexes keep their bytes.
        NestedCase{"root_only_filter_keeps_the_nested_bytes", {"linux/amd64", "linux/arm64"},
                   {{"root", {"amd0", "rel1", "rel2"}}, {"rel1", {"amd1", "arm1"}}, {"rel2", {"arm2"}}}, {"root"},
                   {"linux/amd64", "linux/arm64"}}),
    [](const auto& info) { return std::string(info.param.label); });

struct RefusedCase {
  const char* label;
  std::vector<std::string> platforms;
  std::string index;  // the nested index left empty
  std::string has;    // the platforms the message says it has
};

class NestedPlatformFilterRefusal : public ::testing::TestWithParam<RefusedCase> {};

// Like the root index: an index the filter leaves with no entries is an error, not an empty index.
TEST_P(NestedPlatformFilterRefusal, NamesTheNestedIndexTheFilterLeavesEmptyAndWhatItHas) {
  const auto& c = GetParam();
  const NestedGraph g;
  ImageWalkOptions options;
  for (const auto& p : c.platforms) options.platforms.push_back(*ParsePlatform(p));
  ImageWalk walk(options);
  const auto walked = g.Walk(walk);
  ASSERT_FALSE(walked.ok());
  EXPECT_EQ(walked.error().code, "PLATFORM_NOT_FOUND");
  const auto& message = walked.error().message;
  EXPECT_NE(message.find("no manifest for " + c.platforms[0]), std::string::npos) << message;
  EXPECT_NE(message.find("in the nested index " + g.Digest(c.index)), std::string::npos) << message;
  EXPECT_NE(message.find("(it has: " + c.has + ")"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(
    ImageWalk, NestedPlatformFilterRefusal,
    ::testing::Values(RefusedCase{"one_nested_index_matching_nothing", {"linux/amd64"}, "rel2", "linux/arm64"},
                      RefusedCase{"every_nested_index_matching_nothing", {"linux/arm/v7"}, "rel1",
                                  "linux/amd64, linux/arm64"}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ImageWalk, ForeignLayersAreSkippedUnlessAsked) {
  const auto img = Image({{H('1'), kForeign}, {H('2'), kGz}});
  ImageWalk skip;
  ASSERT_TRUE(skip.AddRoot(Sha(img), "", img).ok());
  EXPECT_TRUE(skip.Blobs()[1].foreign);
  EXPECT_EQ(skip.total_blob_bytes(), 107);
  ImageWalk include(ImageWalkOptions{{}, true, 8});
  ASSERT_TRUE(include.AddRoot(Sha(img), "", img).ok());
  EXPECT_FALSE(include.Blobs()[1].foreign);
}

TEST(ImageWalk, InvalidManifestsAreErrors) {
  ImageWalk walk;
  const auto r = walk.AddRoot(H('x'), "", R"({"schemaVersion":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, "MANIFEST_SCHEMA1_UNSUPPORTED");
}

// --- cycles: only digests that do not match their bytes can make them ------------------------------

// An index named H(name) listing the indexes named by `children` (and, for a leaf, one image).
std::string NamedIndex(const std::string& children) {
  std::string out = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[)";
  for (std::size_t i = 0; i < children.size(); ++i) {
    out += (i ? "," : "") + std::string(R"({"mediaType":"application/vnd.oci.image.index.v1+json","digest":")") +
           H(children[i]) + R"(","size":1})";
  }
  if (children.empty()) {
    out += R"({"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":")" + Sha(Image({{H('1'), kGz}})) +
           R"(","size":1,"platform":{"os":"linux","architecture":"amd64"}})";
  }
  return out + "]}";
}

struct GraphCase {
  const char* label;
  std::map<char, std::string> graph;  // index name -> names of the indexes it lists; 'a' is the root
  std::string error;                  // what the MANIFEST_INVALID message says, "" when the walk succeeds
};

class WalksMadeUpGraphs : public ::testing::TestWithParam<GraphCase> {};

// Drives the walk as the registry and bundle drivers do: every child returned is fetched and added,
// until none is left or an add fails. The walk must end either way, and end soon.
TEST_P(WalksMadeUpGraphs, EndsWithAClearErrorOrVisitsEachManifestOnce) {
  const auto& c = GetParam();
  std::map<std::string, std::string> bytes;  // digest -> bytes the "registry" serves
  for (const auto& [name, children] : c.graph) bytes[H(name)] = NamedIndex(children);
  const std::string img = Image({{H('1'), kGz}});
  bytes[Sha(img)] = img;

  ImageWalk walk;
  auto added = walk.AddRoot(H('a'), "", bytes.at(H('a')));
  std::vector<Descriptor> pending;
  std::map<std::string, int> adds;
  std::optional<Error> error;
  if (added) pending = *added; else error = added.error();
  for (int steps = 0; !error && !pending.empty(); ++steps) {
    ASSERT_LT(steps, 100) << "the walk does not end";
    const Descriptor d = pending.front();
    pending.erase(pending.begin());
    ++adds[d.digest];
    auto more = walk.AddChild(d, bytes.at(d.digest));
    if (!more) {
      error = more.error();
      break;
    }
    pending.insert(pending.end(), more->begin(), more->end());
  }
  if (c.error.empty()) {
    ASSERT_FALSE(error) << error->message;
    for (const auto& [digest, n] : adds) EXPECT_EQ(n, 1) << digest << " fetched more than once";
    const auto order = walk.PushOrder();
    ASSERT_EQ(order.size(), c.graph.size() + 1);  // every index and the image, once each
    EXPECT_EQ(order.front().digest, Sha(img));
    EXPECT_EQ(order.back().digest, H('a'));
    return;
  }
  ASSERT_TRUE(error.has_value()) << "no error";
  EXPECT_EQ(error->code, "MANIFEST_INVALID");
  EXPECT_NE(error->message.find(c.error), std::string::npos) << error->message;
  // What was added before the error still resolves (no endless recursion over the cycle).
  EXPECT_LE(walk.PushOrder().size(), c.graph.size() + 1);
  EXPECT_FALSE(walk.root_rewritten());
}

INSTANTIATE_TEST_SUITE_P(
    ImageWalk, WalksMadeUpGraphs,
    ::testing::Values(
        GraphCase{"root_lists_itself", {{'a', "ab"}, {'b', ""}}, "the index " + H('a') + " lists itself"},
        GraphCase{"child_lists_itself", {{'a', "b"}, {'b', "b"}}, "the index " + H('b') + " lists itself"},
        GraphCase{"child_lists_the_root", {{'a', "b"}, {'b', "a"}},
                  "the index " + H('b') + " lists " + H('a') + ", an index above it: the indexes form a cycle"},
        GraphCase{"three_indexes_in_a_ring", {{'a', "b"}, {'b', "c"}, {'c', "a"}},
                  "the index " + H('c') + " lists " + H('a') + ", an index above it"},
        GraphCase{"ring_below_the_root", {{'a', "b"}, {'b', "c"}, {'c', "b"}},
                  "the index " + H('c') + " lists " + H('b') + ", an index above it"},
        GraphCase{"ring_reached_by_a_second_path", {{'a', "bc"}, {'b', ""}, {'c', "db"}, {'d', "c"}},
                  "the index " + H('d') + " lists " + H('c') + ", an index above it"},
        // Not cycles: an index listed twice, added before or after the other index listing it.
        GraphCase{"shared_index_added_first", {{'a', "cb"}, {'b', "c"}, {'c', ""}}, ""},
        GraphCase{"shared_index_added_last", {{'a', "bc"}, {'b', "c"}, {'c', ""}}, ""},
        GraphCase{"diamond", {{'a', "bc"}, {'b', "d"}, {'c', "d"}, {'d', ""}}, ""}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(ImageWalk, AChildAddedTwiceIsWalkedOnce) {
  ImageWalk walk;
  const auto img = Image({{H('1'), kGz}});
  const auto idx = Index({{Sha(img), "linux/amd64"}});
  const auto children = walk.AddRoot(Sha(idx), "", idx);
  ASSERT_TRUE(children.ok());
  ASSERT_TRUE(walk.AddChild((*children)[0], img).ok());
  const auto again = walk.AddChild((*children)[0], img);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
  EXPECT_EQ(walk.PushOrder().size(), 2u);
  EXPECT_EQ(walk.Blobs().size(), 2u);
}

struct PlatformCase {
  const char* label;
  std::string want, have;
  bool matches;
};

class MatchesPlatforms : public ::testing::TestWithParam<PlatformCase> {};

TEST_P(MatchesPlatforms, OsArchAndVariant) {
  const auto& c = GetParam();
  EXPECT_EQ(ParsePlatform(c.want)->Matches(*ParsePlatform(c.have)), c.matches);
}

INSTANTIATE_TEST_SUITE_P(
    Platform, MatchesPlatforms,
    ::testing::Values(PlatformCase{"same", "linux/amd64", "linux/amd64", true},
                      PlatformCase{"no_variant_requested", "linux/arm", "linux/arm/v7", true},
                      PlatformCase{"variant_differs", "linux/arm/v7", "linux/arm/v6", false},
                      PlatformCase{"arm64_v8_implied", "linux/arm64/v8", "linux/arm64", true},
                      PlatformCase{"os_differs", "windows/amd64", "linux/amd64", false}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Platform, RejectsMalformedPlatforms) {
  for (const char* p : {"", "linux", "linux/", "/amd64", "Linux/amd64", "a/b/c/d"}) {
    const auto r = ParsePlatform(p);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.error().code, "PLATFORM_INVALID");
  }
}

}  // namespace
}  // namespace irel
