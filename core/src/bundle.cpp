#include "irel/bundle.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "irel/digest.hpp"
#include "irel/json_depth.hpp"
#include "irel/path_mapping.hpp"
#include "irel/reference.hpp"

namespace irel {
namespace {

using json = nlohmann::json;

Error Invalid(const std::string& detail) { return Error{"BUNDLE_INVALID", "invalid bundle.json: " + detail}; }

std::optional<Error> ReadImage(const json& obj, const std::string& where, std::vector<BundleImage>& out) {
  if (!obj.is_object()) return Invalid(where + " must be an object");
  BundleImage img;
  img.where = where;
  const auto field = [&](const char* name, std::string& dst) -> std::optional<Error> {
    const auto it = obj.find(name);
    if (it == obj.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) return Invalid(where + "." + name + " must be a string");
    dst = it->get<std::string>();
    return std::nullopt;
  };
  if (auto e = field("image", img.image)) return e;
  if (auto e = field("imageType", img.image_type)) return e;
  if (auto e = field("contentDigest", img.content_digest)) return e;
  if (img.image.empty()) return Invalid(where + " has no \"image\"");
  img.relocatable = img.image_type.empty() || img.image_type == "docker" || img.image_type == "oci";
  if (img.relocatable) {
    const auto ref = ParseReference(img.image);
    if (!ref) return Invalid(where + ".image \"" + img.image + "\": " + ref.error().message);
    if (!img.content_digest.empty()) {
      const auto d = ParseDigest(img.content_digest);
      if (!d) {
        return Error{"BUNDLE_DIGEST_INVALID", "invalid bundle.json: " + where + ".contentDigest: " + d.error().message};
      }
      if (!ref->digest.empty() && ref->digest != img.content_digest) {
        return Error{"BUNDLE_DIGEST_INVALID", "invalid bundle.json: " + where + ".contentDigest " + img.content_digest +
                                                  " differs from the digest in its image reference " + ref->digest};
      }
    }
  }
  out.push_back(std::move(img));
  return std::nullopt;
}

// The digest the bundle pins for an image: contentDigest, else one in the reference.
std::string PinnedDigest(const BundleImage& img) {
  if (!img.content_digest.empty()) return img.content_digest;
  const auto ref = ParseReference(img.image);
  return ref ? ref->digest : std::string();
}

}  // namespace

std::vector<std::string> Bundle::RelocatableImages() const {
  std::vector<std::string> out;
  for (const auto& i : images) {
    if (i.relocatable && std::find(out.begin(), out.end(), i.image) == out.end()) out.push_back(i.image);
  }
  return out;
}

Result<Bundle> ParseBundle(std::string_view bytes) {
  if (JsonNestedTooDeep(bytes)) return Invalid("JSON " + JsonTooDeepDetail());
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded()) return Invalid("not valid JSON");
  if (!doc.is_object()) return Invalid("the top level must be a JSON object");
  Bundle b;
  for (const auto& [key, dst] : {std::pair{"name", &b.name}, std::pair{"version", &b.version}}) {
    const auto it = doc.find(key);
    if (it != doc.end() && !it->is_null()) {
      if (!it->is_string()) return Invalid(std::string("\"") + key + "\" must be a string");
      *dst = it->get<std::string>();
    }
  }
  if (const auto inv = doc.find("invocationImages"); inv != doc.end() && !inv->is_null()) {
    if (!inv->is_array()) return Invalid("\"invocationImages\" must be an array");
    for (std::size_t i = 0; i < inv->size(); ++i) {
      if (auto e = ReadImage((*inv)[i], "invocationImages[" + std::to_string(i) + "]", b.images)) return *e;
    }
  }
  if (const auto imgs = doc.find("images"); imgs != doc.end() && !imgs->is_null()) {
    if (!imgs->is_object()) return Invalid("\"images\" must be an object");
    for (const auto& [key, value] : imgs->items()) {
      if (auto e = ReadImage(value, "images." + key, b.images)) return *e;
    }
  }
  return b;
}

Result<std::map<std::string, std::string>> MapBundle(const Bundle& bundle, const RepoPrefix& prefix) {
  std::map<std::string, std::string> out;
  for (const auto& image : bundle.RelocatableImages()) {
    const auto mapped = FlattenRepoPathPreserveTagDigest(prefix, *ParseReference(image));
    if (!mapped) return mapped.error();
    out.emplace(image, mapped->String());
  }
  return out;
}

std::string RelocationMappingJson(const std::map<std::string, std::string>& mapping) {
  json doc = json::object();
  for (const auto& [k, v] : mapping) doc[k] = v;
  return doc.dump(2) + "\n";
}

Result<std::vector<MappingVerdict>> CheckMapping(const Bundle& bundle, std::string_view mapping_json) {
  if (JsonNestedTooDeep(mapping_json)) {
    return Error{"MAPPING_INVALID", "the relocation mapping's JSON is " + JsonTooDeepDetail()};
  }
  const json doc = json::parse(mapping_json.begin(), mapping_json.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Error{"MAPPING_INVALID", "the relocation mapping is not a JSON object"};
  }
  std::map<std::string, std::string> mapping;
  for (const auto& [k, v] : doc.items()) {
    if (!v.is_string()) return Error{"MAPPING_INVALID", "the relocation mapping's value for \"" + k + "\" is not a string"};
    mapping.emplace(k, v.get<std::string>());
  }
  std::vector<MappingVerdict> out;
  std::set<std::string> expected;
  for (const auto& img : bundle.images) {
    if (!img.relocatable || !expected.insert(img.image).second) continue;
    MappingVerdict v{img.image, "", false, ""};
    const auto it = mapping.find(img.image);
    if (it == mapping.end()) {
      v.problem = "missing from the mapping";
    } else {
      v.relocated = it->second;
      const auto ref = ParseReference(it->second);
      const std::string pinned = PinnedDigest(img);
      if (!ref) {
        v.problem = "relocated reference is invalid: " + ref.error().message;
      } else if (!ref->digest.empty() && !pinned.empty() && ref->digest != pinned) {
        v.problem = "relocated digest " + ref->digest + " differs from the bundle's " + pinned;
      } else {
        v.ok = true;
      }
    }
    out.push_back(std::move(v));
  }
  for (const auto& [k, v] : mapping) {
    if (expected.count(k)) continue;
    out.push_back(MappingVerdict{k, v, false, "not a relocatable image of the bundle"});
  }
  return out;
}

}  // namespace irel
