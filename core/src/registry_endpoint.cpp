#include "irel/registry_endpoint.hpp"

#include <algorithm>

#include "irel/percent_encode.hpp"

namespace irel {
namespace {

std::string HostWithoutPort(std::string_view registry) {
  if (!registry.empty() && registry[0] == '[') {
    const auto close = registry.find(']');
    return std::string(registry.substr(0, close == std::string_view::npos ? registry.size() : close + 1));
  }
  return std::string(registry.substr(0, registry.find(':')));
}

std::string Encode(std::string_view s) { return PercentEncode(s, ":/"); }

}  // namespace

bool IsLoopbackRegistry(std::string_view registry) {
  const std::string host = HostWithoutPort(registry);
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

Endpoint EndpointFor(const Reference& ref, const TransportPolicy& policy) {
  const auto& insecure = policy.insecure_registries;
  const bool plain = IsLoopbackRegistry(ref.domain) ||
                     std::find(insecure.begin(), insecure.end(), ref.domain) != insecure.end() ||
                     std::find(insecure.begin(), insecure.end(), HostWithoutPort(ref.domain)) != insecure.end();
  // Docker Hub's API host differs from its name.
  const std::string host = ref.domain == kDockerHubDomain ? "registry-1.docker.io" : ref.domain;
  return Endpoint{ref.domain, "https://" + host, ref.path, plain};
}

std::string Endpoint::ManifestUrl(std::string_view ref) const {
  return base_url + "/v2/" + repository + "/manifests/" + Encode(ref);
}
std::string Endpoint::BlobUrl(std::string_view digest) const {
  return base_url + "/v2/" + repository + "/blobs/" + Encode(digest);
}
std::string Endpoint::UploadUrl() const { return base_url + "/v2/" + repository + "/blobs/uploads/"; }
std::string Endpoint::MountUrl(std::string_view digest, std::string_view from) const {
  return UploadUrl() + "?mount=" + Encode(digest) + "&from=" + Encode(from);
}
std::string Endpoint::TagsUrl() const { return base_url + "/v2/" + repository + "/tags/list"; }
std::string Endpoint::ReferrersUrl(std::string_view subject, std::string_view artifact_type) const {
  std::string url = base_url + "/v2/" + repository + "/referrers/" + Encode(subject);
  if (!artifact_type.empty()) url += "?artifactType=" + Encode(artifact_type);
  return url;
}
std::string Endpoint::PingUrl() const { return base_url + "/v2/"; }

std::string UrlOrigin(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  const auto path = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, path));
}

Result<std::string> ResolveLocation(std::string_view request_url, std::string_view location) {
  if (location.empty()) return Error{"LOCATION_INVALID", "the registry sent an empty Location header"};
  if (location.rfind("http://", 0) == 0 || location.rfind("https://", 0) == 0) {
    return std::string(location);
  }
  const std::string origin = UrlOrigin(request_url);
  if (origin.empty()) return Error{"LOCATION_INVALID", "cannot resolve Location against a relative URL"};
  if (location.rfind("//", 0) == 0) {
    return origin.substr(0, origin.find("://") + 1) + std::string(location);
  }
  if (location[0] == '/') return origin + std::string(location);
  // Relative to the request path's directory.
  std::string_view path = request_url.substr(origin.size());
  path = path.substr(0, path.find_first_of("?#"));
  const auto dir = path.rfind('/');
  return origin + std::string(path.substr(0, dir == std::string_view::npos ? 0 : dir + 1)) +
         std::string(location);
}

std::string AppendQuery(std::string_view url, std::string_view key, std::string_view value) {
  const auto hash = url.find('#');
  const std::string_view base = url.substr(0, hash);
  const char sep = base.find('?') == std::string_view::npos ? '?' : '&';
  return std::string(base) + sep + std::string(key) + "=" + Encode(value);
}

}  // namespace irel
