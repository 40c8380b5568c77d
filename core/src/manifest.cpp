#include "irel/manifest.hpp"

#include <nlohmann/json.hpp>

#include "irel/digest.hpp"
#include "irel/json_depth.hpp"
#include "irel/media_type.hpp"

namespace irel {
namespace {

using json = nlohmann::json;

// Safe integer range for sizes: JSON numbers past 2^53 lose precision in JavaScript.
constexpr std::int64_t kMaxSize = (std::int64_t{1} << 53) - 1;

Error Invalid(const std::string& detail) {
  return Error{"MANIFEST_INVALID", "invalid manifest: " + detail};
}

const json* Field(const json& obj, const char* name) {
  const auto it = obj.find(name);
  return it == obj.end() ? nullptr : &*it;
}

std::optional<Error> ReadString(const json& obj, const char* name, const std::string& where,
                                std::string& out, bool required) {
  const json* v = Field(obj, name);
  if (!v) {
    if (required) return Invalid(where + " has no \"" + name + "\"");
    return std::nullopt;
  }
  if (!v->is_string()) return Invalid(where + "." + name + " must be a string");
  out = v->get<std::string>();
  return std::nullopt;
}

std::optional<Error> ReadAnnotations(const json& obj, const std::string& where,
                                     std::map<std::string, std::string>& out) {
  const json* a = Field(obj, "annotations");
  if (!a || a->is_null()) return std::nullopt;
  if (!a->is_object()) return Invalid(where + ".annotations must be an object");
  for (const auto& [k, v] : a->items()) {
    if (!v.is_string()) return Invalid(where + ".annotations[\"" + k + "\"] must be a string");
    out.emplace(k, v.get<std::string>());
  }
  return std::nullopt;
}

Result<Descriptor> ReadDescriptor(const json& obj, const std::string& where) {
  if (!obj.is_object()) return Invalid(where + " must be an object");
  Descriptor d;
  if (auto e = ReadString(obj, "mediaType", where, d.media_type, true)) return *e;
  std::string digest;
  if (auto e = ReadString(obj, "digest", where, digest, true)) return *e;
  const auto parsed = ParseDigest(digest);
  if (!parsed) return Invalid(where + ".digest: " + parsed.error().message);
  d.digest = parsed->String();
  const json* size = Field(obj, "size");
  if (!size) return Invalid(where + " has no \"size\"");
  if (!size->is_number_integer()) return Invalid(where + ".size must be an integer");
  const auto n = size->get<std::int64_t>();
  if (n < 0 || n > kMaxSize || (size->is_number_unsigned() && size->get<std::uint64_t>() > static_cast<std::uint64_t>(kMaxSize))) {
    return Invalid(where + ".size " + size->dump() + " is out of range");
  }
  d.size = n;
  if (const json* urls = Field(obj, "urls"); urls && !urls->is_null()) {
    if (!urls->is_array()) return Invalid(where + ".urls must be an array");
    for (const auto& u : *urls) {
      if (!u.is_string()) return Invalid(where + ".urls must hold strings");
      d.urls.push_back(u.get<std::string>());
    }
  }
  if (const json* p = Field(obj, "platform"); p && !p->is_null()) {
    if (!p->is_object()) return Invalid(where + ".platform must be an object");
    Platform platform;
    if (auto e = ReadString(*p, "os", where + ".platform", platform.os, true)) return *e;
    if (auto e = ReadString(*p, "architecture", where + ".platform", platform.architecture, true)) return *e;
    if (auto e = ReadString(*p, "variant", where + ".platform", platform.variant, false)) return *e;
    if (auto e = ReadString(*p, "os.version", where + ".platform", platform.os_version, false)) return *e;
    d.platform = std::move(platform);
  }
  if (auto e = ReadString(obj, "artifactType", where, d.artifact_type, false)) return *e;
  if (auto e = ReadAnnotations(obj, where, d.annotations)) return *e;
  return d;
}

// The descriptor array `name` (required), each element validated and named by its index.
std::optional<Error> ReadDescriptors(const json& doc, const char* name, const char* kind, std::vector<Descriptor>& out) {
  const json* list = Field(doc, name);
  if (!list || !list->is_array()) return Invalid(std::string(kind) + " needs a \"" + name + "\" array");
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto d = ReadDescriptor((*list)[i], std::string(name) + "[" + std::to_string(i) + "]");
    if (!d) return d.error();
    out.push_back(std::move(d).value());
  }
  return std::nullopt;
}

}  // namespace

std::string ContentTypeMediaType(std::string_view content_type) {
  auto end = content_type.find(';');
  auto t = content_type.substr(0, end);
  while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
  while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
  return std::string(t);
}

Result<Manifest> ParseManifest(std::string_view bytes, std::string_view content_type) {
  const std::string header_type = ContentTypeMediaType(content_type);
  if (media_type::IsSchema1(header_type)) {
    return Error{"MANIFEST_SCHEMA1_UNSUPPORTED",
                 "Docker schema 1 manifests are not supported (deprecated since 2017): re-push the "
                 "image with a current docker, skopeo or crane to convert it to schema 2"};
  }
  if (JsonNestedTooDeep(bytes)) return Invalid("JSON " + JsonTooDeepDetail());
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("not valid JSON");
  if (!doc.is_object()) return Invalid("the top level must be a JSON object");

  const json* version = Field(doc, "schemaVersion");
  if (version && version->is_number_integer() && version->get<std::int64_t>() == 1) {
    return Error{"MANIFEST_SCHEMA1_UNSUPPORTED",
                 "Docker schema 1 manifests are not supported (deprecated since 2017): re-push the "
                 "image with a current docker, skopeo or crane to convert it to schema 2"};
  }
  if (!version || !version->is_number_integer() || version->get<std::int64_t>() != 2) {
    return Invalid("\"schemaVersion\" must be 2");
  }

  Manifest m;
  if (auto e = ReadString(doc, "mediaType", "manifest", m.media_type, false)) return *e;
  if (m.media_type.empty()) m.media_type = header_type;
  if (m.media_type.empty() || m.media_type == "application/json" ||
      m.media_type == "application/octet-stream") {
    // OCI allows an absent mediaType; tell the two kinds apart by their fields.
    m.media_type = std::string(Field(doc, "manifests") ? media_type::kOciIndex : media_type::kOciManifest);
  }
  if (media_type::IsIndex(m.media_type)) {
    m.kind = ManifestKind::Index;
  } else if (media_type::IsImageManifest(m.media_type)) {
    m.kind = ManifestKind::Image;
  } else {
    return Error{"MANIFEST_UNSUPPORTED", "unsupported manifest media type \"" + m.media_type + "\""};
  }
  if (auto e = ReadString(doc, "artifactType", "manifest", m.artifact_type, false)) return *e;
  if (auto e = ReadAnnotations(doc, "manifest", m.annotations)) return *e;
  if (const json* s = Field(doc, "subject"); s && !s->is_null()) {
    auto d = ReadDescriptor(*s, "subject");
    if (!d) return d.error();
    m.subject = std::move(d).value();
  }

  if (m.kind == ManifestKind::Index) {
    if (auto e = ReadDescriptors(doc, "manifests", "an index", m.manifests)) return *e;
    return m;
  }

  const json* config = Field(doc, "config");
  if (!config) return Invalid("an image manifest needs a \"config\"");
  auto c = ReadDescriptor(*config, "config");
  if (!c) return c.error();
  m.config = std::move(c).value();
  if (auto e = ReadDescriptors(doc, "layers", "an image manifest", m.layers)) return *e;
  return m;
}

}  // namespace irel
