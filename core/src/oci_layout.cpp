#include "irel/oci_layout.hpp"

#include <nlohmann/json.hpp>
#include <vector>

#include "irel/digest.hpp"
#include "irel/json_depth.hpp"
#include "irel/media_type.hpp"
#include "irel/reference.hpp"

namespace irel {
namespace {

using ordered_json = nlohmann::ordered_json;

bool IsPlainTag(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  const auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(s[0])) return false;
  for (char c : s) {
    if (!word(c) && c != '.' && c != '-') return false;
  }
  return true;
}

std::string NameOf(const Descriptor& d) {
  const auto it = d.annotations.find(std::string(kRefNameAnnotation));
  return it == d.annotations.end() ? std::string() : it->second;
}

}  // namespace

Result<bool> CheckOciLayoutFile(std::string_view bytes) {
  if (JsonNestedTooDeep(bytes)) return Error{"LAYOUT_INVALID", "oci-layout is JSON " + JsonTooDeepDetail()};
  const auto doc = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"LAYOUT_INVALID", "oci-layout is not a JSON object"};
  const auto v = doc.find("imageLayoutVersion");
  if (v == doc.end() || !v->is_string()) return Error{"LAYOUT_INVALID", "oci-layout has no imageLayoutVersion"};
  const auto version = v->get<std::string>();
  if (version.rfind("1.", 0) != 0) {
    return Error{"LAYOUT_INVALID", "unsupported OCI layout version \"" + version + "\" (expected 1.x)"};
  }
  return true;
}

Result<std::string> LayoutBlobPath(std::string_view digest) {
  const auto d = ParseDigest(digest);
  if (!d) return d.error();
  return "blobs/" + d->algorithm + "/" + d->hex;
}

Result<Descriptor> FindInLayoutIndex(const Manifest& index, std::string_view ref) {
  std::vector<const Descriptor*> found;
  const auto parsed = ParseReference(ref);
  const bool is_digest = ParseDigest(ref).ok();
  for (const auto& d : index.manifests) {
    const std::string name = NameOf(d);
    bool match = is_digest ? d.digest == ref : name == ref;
    if (!match && !is_digest && parsed && !name.empty()) {
      const auto other = ParseReference(name);
      if (other && other->String() == parsed->String()) match = true;
      else if (IsPlainTag(name) && !parsed->tag.empty() && parsed->tag == name) match = true;
    }
    if (match) found.push_back(&d);
  }
  if (found.size() == 1) return *found[0];
  if (found.size() > 1) {
    // The same image listed twice (e.g. by name and by tag) is not ambiguous.
    bool same = true;
    for (const auto* d : found) same = same && d->digest == found[0]->digest;
    if (same) return *found[0];
    return Error{"LAYOUT_AMBIGUOUS", "\"" + std::string(ref) + "\" matches " + std::to_string(found.size()) +
                                         " different images in the layout's index.json"};
  }
  std::string names;
  for (const auto& d : index.manifests) {
    const auto n = NameOf(d);
    names += (names.empty() ? "" : ", ") + (n.empty() ? d.digest : n);
  }
  return Error{"LAYOUT_IMAGE_NOT_FOUND", "no image \"" + std::string(ref) + "\" in the layout (it has: " +
                                             (names.empty() ? std::string("nothing") : names) + ")"};
}

std::string EmptyLayoutIndex() {
  return R"({"schemaVersion":2,"mediaType":")" + std::string(media_type::kOciIndex) + R"(","manifests":[]})";
}

Result<std::string> AddToLayoutIndex(std::string_view index_bytes, const Descriptor& d, std::string_view name) {
  if (JsonNestedTooDeep(index_bytes)) return Error{"LAYOUT_INVALID", "index.json is JSON " + JsonTooDeepDetail()};
  auto doc = ordered_json::parse(index_bytes.begin(), index_bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Error{"LAYOUT_INVALID", "index.json is not a JSON object"};
  auto& list = doc["manifests"];
  if (list.is_null()) list = ordered_json::array();
  if (!list.is_array()) return Error{"LAYOUT_INVALID", "index.json \"manifests\" is not an array"};
  ordered_json entry = {{"mediaType", d.media_type}, {"digest", d.digest}, {"size", d.size}};
  if (!name.empty()) entry["annotations"] = {{std::string(kRefNameAnnotation), std::string(name)}};
  ordered_json kept = ordered_json::array();
  for (const auto& e : list) {
    const bool same_name = !name.empty() && e.is_object() && e.contains("annotations") && e["annotations"].is_object() &&
                           e["annotations"].contains(kRefNameAnnotation) &&
                           e["annotations"][std::string(kRefNameAnnotation)] == std::string(name);
    const bool same_unnamed = name.empty() && e.is_object() && e.value("digest", "") == d.digest &&
                              !e.contains("annotations");
    if (!same_name && !same_unnamed) kept.push_back(e);
  }
  kept.push_back(std::move(entry));
  list = std::move(kept);
  return doc.dump(2) + "\n";
}

}  // namespace irel
