#include "irel/place.hpp"

#include <array>
#include <limits>

#include "irel/reference.hpp"

namespace irel {
namespace {

constexpr auto npos = std::string_view::npos;
constexpr std::string_view kSupported = "docker://, oci:, oci-archive:, docker-archive:";

// Transports containers/image registers that irel does not copy with: named, so that "dir:x" is
// refused as a place rather than read as the Docker Hub image "dir" with tag "x".
constexpr std::array<std::string_view, 6> kUnsupported = {
    "containers-storage", "dir", "docker-daemon", "ostree", "sif", "tarball"};

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Error Invalid(const std::string& message) { return Error{"PLACE_INVALID", message}; }

bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

// The grammar containers/image checks a layout NAME with (the image-spec's ref.name annotation):
// components of [A-Za-z0-9]+ joined by one of "-._:@+" or by "--", the components joined by "/".
bool ValidRefName(std::string_view s) {
  std::size_t i = 0;
  for (;;) {
    if (i >= s.size() || !IsAlnum(s[i])) return false;
    while (i < s.size() && IsAlnum(s[i])) ++i;
    if (i == s.size()) return true;
    if (s[i] == '/') {
      ++i;
    } else if (s.substr(i, 2) == "--") {
      i += 2;
    } else if (std::string_view("-._:@+").find(s[i]) != npos) {
      ++i;
    } else {
      return false;
    }
  }
}

// ":@N": digits only (containers/image's strconv.Atoi would also take "+1"), at most INT_MAX.
Result<int> ParseIndex(std::string_view transport, std::string_view digits) {
  const auto bad = [&](const std::string& why) {
    return Invalid(std::string(transport) + ": image index " + Quote("@" + std::string(digits)) + " " + why +
                   " (:@N picks the N-th image, counting from 0)");
  };
  if (digits.empty()) return bad("has no number");
  long long n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return bad("is not a non-negative integer");
    n = n * 10 + (c - '0');
    if (n > std::numeric_limits<int>::max()) return bad("is too large");
  }
  return static_cast<int>(n);
}

Result<std::string_view> CheckPath(std::string_view transport, std::string_view path, std::string_view form) {
  if (path.empty()) return Invalid(std::string(transport) + ": the path is empty (write " + std::string(form) + ")");
  // Node's file functions refuse such a path; say so here, naming the place.
  if (path.find('\0') != npos) return Invalid(std::string(transport) + ": the path contains a NUL byte");
  return path;
}

Result<Place> Registry(std::string_view text) {
  auto ref = ParseReference(text);
  if (!ref) return ref.error();
  Place p;
  p.reference = ref->String();
  return p;
}

// oci:PATH[:NAME | :@N] and oci-archive:PATH[:NAME | :@N]. An empty NAME ("oci:dir:") is no name:
// containers/image writes a nameless layout place that way.
Result<Place> Layout(PlaceTransport transport, std::string_view rest) {
  const auto t = PlaceTransportName(transport);
  const auto colon = rest.find(':');
  const auto path = CheckPath(t, rest.substr(0, colon), std::string(t) + ":PATH[:NAME]");
  if (!path) return path.error();
  Place p;
  p.transport = transport;
  p.path = std::string(*path);
  if (colon == npos) return p;
  const auto name = rest.substr(colon + 1);
  if (!name.empty() && name[0] == '@') {
    const auto index = ParseIndex(t, name.substr(1));
    if (!index) return index.error();
    p.index = *index;
  } else if (!name.empty()) {
    if (!ValidRefName(name)) {
      return Invalid(std::string(t) + ": image name " + Quote(name) +
                     " must be letters and digits separated by one of \"-._:@+\", \"--\" or \"/\"");
    }
    p.name = std::string(name);
  }
  return p;
}

// docker-archive:PATH[:REF | :@N]: REF is a RepoTags entry, so it is tagged and has no digest.
Result<Place> DockerArchive(std::string_view rest) {
  constexpr std::string_view t = "docker-archive";
  const auto colon = rest.find(':');
  const auto path = CheckPath(t, rest.substr(0, colon), "docker-archive:PATH[:REF]");
  if (!path) return path.error();
  Place p;
  p.transport = PlaceTransport::DockerArchive;
  p.path = std::string(*path);
  if (colon == npos) return p;
  const auto suffix = rest.substr(colon + 1);
  if (!suffix.empty() && suffix[0] == '@') {
    const auto index = ParseIndex(t, suffix.substr(1));
    if (!index) return index.error();
    p.index = *index;
    return p;
  }
  auto ref = ParseReference(suffix);
  if (!ref) {
    return Error{ref.error().code, "docker-archive: reference " + Quote(suffix) + ": " + ref.error().message};
  }
  if (!ref->digest.empty()) {
    return Invalid("docker-archive: reference " + Quote(suffix) +
                   " has a digest; an archive names its images by tag only");
  }
  if (ref->tag.empty()) ref.value().tag = "latest";
  p.reference = ref->String();
  return p;
}

}  // namespace

std::string_view PlaceTransportName(PlaceTransport transport) {
  switch (transport) {
    case PlaceTransport::Oci: return "oci";
    case PlaceTransport::OciArchive: return "oci-archive";
    case PlaceTransport::DockerArchive: return "docker-archive";
    case PlaceTransport::Docker: break;
  }
  return "docker";
}

std::string Place::String() const {
  if (transport == PlaceTransport::Docker) return "docker://" + reference;
  std::string out = std::string(PlaceTransportName(transport)) + ":" + path;
  if (index >= 0) return out + ":@" + std::to_string(index);
  if (!name.empty()) return out + ":" + name;
  if (!reference.empty()) return out + ":" + reference;
  return out;
}

Result<Place> ParsePlace(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == npos) return Registry(text);
  const auto prefix = text.substr(0, colon);
  const auto rest = text.substr(colon + 1);
  const bool slashes = rest.substr(0, 2) == "//";

  if (prefix == "docker") return Registry(slashes ? rest.substr(2) : text);
  if (prefix == "oci") return Layout(PlaceTransport::Oci, rest);
  if (prefix == "oci-archive") return Layout(PlaceTransport::OciArchive, rest);
  if (prefix == "docker-archive") return DockerArchive(rest);
  for (const auto unsupported : kUnsupported) {
    if (prefix == unsupported) {
      return Error{"PLACE_UNSUPPORTED", "transport " + Quote(prefix) + " is not supported; irel copies between " +
                                            std::string(kSupported) + " places (an image named " +
                                            Quote(prefix) + " in a registry is docker://" +
                                            std::string(prefix) + ":TAG)"};
    }
  }
  // No registry reference has "//" after its first ':' (a port is digits, a tag has no '/').
  if (slashes) {
    return Invalid("unknown transport " + Quote(prefix) + "; irel copies between " + std::string(kSupported) +
                   " places");
  }
  return Registry(text);
}

}  // namespace irel
