#include "irel/legacy_image.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <utility>

#include "irel/archive_path.hpp"
#include "irel/digest.hpp"
#include "irel/hash.hpp"
#include "irel/json_depth.hpp"
#include "irel/media_type.hpp"

namespace irel {
namespace {

using json = nlohmann::json;

std::string Quote(std::string_view path) { return QuoteArchivePath(path); }

Error ManifestInvalid(const std::string& message) {
  return Error{"LEGACY_MANIFEST_INVALID", "manifest.json " + message};
}

Result<std::string> ReadPath(const json& v, const std::string& where) {
  if (!v.is_string()) return ManifestInvalid(where + " is not a string");
  const auto& text = v.get_ref<const std::string&>();
  const std::string why = ArchivePathProblem(text);
  if (!why.empty()) return ManifestInvalid(where + " " + Quote(text) + ": " + why);
  std::string path = NormalizeArchivePath(text);
  if (path.empty()) return ManifestInvalid(where + " " + Quote(text) + " names no file");
  return path;
}

// How messages name an image: its first tag, else its config file.
std::string ImageName(const LegacyImage& image) {
  if (!image.repo_tags.empty()) return "image " + Quote(image.repo_tags.front());
  return "the image of config " + Quote(image.config);
}

bool IsHex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// The image ID a config file's name claims: "<hex>.json" (Docker) or "blobs/sha256/<hex>"
// (the manifest.json of Docker 25 and later); empty when the name claims none.
std::string ClaimedId(std::string_view path) {
  const std::size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  if (name.size() > 5 && name.substr(name.size() - 5) == ".json") name.remove_suffix(5);
  if (name.size() != 64 || !IsHex(name)) return {};
  return "sha256:" + std::string(name);
}

Descriptor Describe(std::string_view media_type, std::string digest, std::int64_t size) {
  Descriptor d;
  d.media_type = std::string(media_type);
  d.digest = std::move(digest);
  d.size = size;
  return d;
}

std::string DescriptorJson(std::string_view media_type, std::int64_t size, std::string_view digest,
                           const std::string& indent) {
  return indent + "{\n" + indent + "   \"mediaType\": \"" + std::string(media_type) + "\",\n" + indent +
         "   \"size\": " + std::to_string(size) + ",\n" + indent + "   \"digest\": \"" + std::string(digest) + "\"\n" +
         indent + "}";
}

}  // namespace

Result<std::vector<LegacyImage>> ParseLegacyManifest(std::string_view bytes) {
  if (JsonNestedTooDeep(bytes)) return ManifestInvalid("is " + JsonTooDeepDetail());
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return ManifestInvalid("is not JSON");
  if (!doc.is_array()) return ManifestInvalid("is not a list of images");
  if (doc.empty()) return ManifestInvalid("lists no image");
  std::vector<LegacyImage> out;
  for (std::size_t i = 0; i < doc.size(); ++i) {
    const json& e = doc[i];
    const std::string at = "image " + std::to_string(i);
    if (!e.is_object()) return ManifestInvalid(at + " is not an object");
    LegacyImage image;
    const auto config = e.find("Config");
    if (config == e.end() || config->is_null()) return ManifestInvalid(at + " has no Config");
    auto path = ReadPath(*config, at + " Config");
    if (!path) return path.error();
    image.config = std::move(path).value();
    const auto tags = e.find("RepoTags");
    if (tags != e.end() && !tags->is_null()) {
      if (!tags->is_array()) return ManifestInvalid(at + " RepoTags is not a list");
      for (std::size_t t = 0; t < tags->size(); ++t) {
        const json& tag = (*tags)[t];
        if (!tag.is_string() || tag.get_ref<const std::string&>().empty()) {
          return ManifestInvalid(at + " RepoTags[" + std::to_string(t) + "] is not a name");
        }
        image.repo_tags.push_back(tag.get<std::string>());
      }
    }
    const auto layers = e.find("Layers");
    if (layers == e.end() || layers->is_null()) return ManifestInvalid(at + " has no Layers");
    if (!layers->is_array()) return ManifestInvalid(at + " Layers is not a list");
    for (std::size_t l = 0; l < layers->size(); ++l) {
      auto layer = ReadPath((*layers)[l], at + " Layers[" + std::to_string(l) + "]");
      if (!layer) return layer.error();
      image.layers.push_back(std::move(layer).value());
    }
    // Foreign layers (Windows base layers) are described, not saved: nothing to compress.
    const auto sources = e.find("LayerSources");
    if (sources != e.end() && !sources->is_null() && !(sources->is_object() && sources->empty())) {
      return ManifestInvalid(at + " has foreign layers (LayerSources), which irel cannot convert");
    }
    out.push_back(std::move(image));
  }
  return out;
}

Result<ConvertedImage> BuildLegacyManifest(const LegacyImage& image, std::string_view config,
                                           const std::vector<LegacyLayer>& layers) {
  const std::string name = ImageName(image);
  const auto bad_config = [&](const std::string& why) {
    return Error{"LEGACY_CONFIG_INVALID", name + ": its config " + Quote(image.config) + " " + why};
  };
  ConvertedImage out;
  auto config_digest = HashDigest("sha256", config);
  if (!config_digest) return config_digest.error();
  const std::string claimed = ClaimedId(image.config);
  if (!claimed.empty() && claimed != config_digest.value()) {
    return bad_config("has sha256 " + config_digest.value() + ", not the image ID its name gives (" + claimed +
                      "): the archive is corrupt or was tampered with");
  }
  if (JsonNestedTooDeep(config)) return bad_config("is " + JsonTooDeepDetail());
  const json doc = json::parse(config.begin(), config.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return bad_config("is not JSON");
  if (!doc.is_object()) return bad_config("is not a JSON object");
  const auto rootfs = doc.find("rootfs");
  if (rootfs == doc.end() || !rootfs->is_object()) return bad_config("has no rootfs");
  const auto diff_ids = rootfs->find("diff_ids");
  if (diff_ids == rootfs->end() || !diff_ids->is_array()) return bad_config("has no rootfs.diff_ids list");
  for (std::size_t i = 0; i < diff_ids->size(); ++i) {
    const json& d = (*diff_ids)[i];
    if (!d.is_string() || !ParseDigest(d.get_ref<const std::string&>()).ok()) {
      return bad_config("has rootfs.diff_ids[" + std::to_string(i) + "] that is not a digest");
    }
  }
  if (diff_ids->size() != layers.size()) {
    return Error{"LEGACY_LAYER_COUNT", name + ": manifest.json lists " + std::to_string(layers.size()) +
                                          " layers, its config " + Quote(image.config) + " " +
                                          std::to_string(diff_ids->size()) + " (rootfs.diff_ids)"};
  }
  out.config = Describe(kDockerConfigMediaType, config_digest.value(), static_cast<std::int64_t>(config.size()));
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const LegacyLayer& l = layers[i];
    const std::string& expected = (*diff_ids)[i].get_ref<const std::string&>();
    if (l.diff_id != expected) {
      return Error{"LAYER_DIFF_ID_MISMATCH",
                   name + ": layer " + std::to_string(i + 1) + " of " + std::to_string(layers.size()) + " (" +
                       Quote(l.path) + ") has sha256 " + l.diff_id + ", not its diff ID in the config (" + expected +
                       "): the archive is corrupt or was tampered with"};
    }
    const auto d = ParseDigest(l.digest);
    if (!d) return Error{d.error().code, name + ": the compressed layer " + Quote(l.path) + ": " + d.error().message};
    if (l.size < 0) return Error{"DIGEST_INVALID", name + ": the compressed layer " + Quote(l.path) + " has a negative size"};
    out.layers.push_back(Describe(kDockerGzipLayerMediaType, l.digest, l.size));
  }
  std::string m = "{\n   \"schemaVersion\": 2,\n   \"mediaType\": \"" + std::string(media_type::kDockerManifest) +
                  "\",\n   \"config\": " +
                  DescriptorJson(kDockerConfigMediaType, out.config.size, out.config.digest, "   ").substr(3) +
                  ",\n   \"layers\": [";
  for (std::size_t i = 0; i < out.layers.size(); ++i) {
    m += (i == 0 ? "\n" : ",\n") + DescriptorJson(kDockerGzipLayerMediaType, out.layers[i].size, out.layers[i].digest, "      ");
  }
  m += out.layers.empty() ? "]\n}" : "\n   ]\n}";
  auto digest = HashDigest("sha256", m);
  if (!digest) return digest.error();
  out.descriptor = Describe(media_type::kDockerManifest, digest.value(), static_cast<std::int64_t>(m.size()));
  out.manifest = std::move(m);
  return out;
}

}  // namespace irel
