#include "irel/registry_key.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "irel/reference.hpp"

namespace irel {
namespace {

constexpr std::array<std::string_view, 4> kHubHosts = {"docker.io", "index.docker.io", "registry-1.docker.io",
                                                       "registry.hub.docker.com"};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<std::string> ParseRegistryKey(std::string_view text) {
  std::string_view s = Trim(text);
  // Checked first, so that no message below repeats a password someone pasted with the URL.
  if (s.find('@') != std::string_view::npos) {
    return Error{"REGISTRY_INVALID", "a registry is host[:port]; user names go in the credentials, not the registry"};
  }
  if (const auto scheme = s.find("://"); scheme != std::string_view::npos) {
    const auto name = s.substr(0, scheme);
    if (name != "https" && name != "http") {
      return Error{"REGISTRY_INVALID", "\"" + std::string(text) + "\" is not a registry: only http(s) URLs name one"};
    }
    s.remove_prefix(scheme + 3);
  }
  s = s.substr(0, s.find_first_of("/?#"));
  std::string host(s);
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  if (host.empty()) return Error{"REGISTRY_INVALID", "the registry is empty: give host[:port]"};
  if (std::find(kHubHosts.begin(), kHubHosts.end(), host) != kHubHosts.end()) return std::string(kDockerHubDomain);
  if (!IsValidRegistryHost(host)) {
    return Error{"REGISTRY_INVALID", "\"" + std::string(Trim(text)) + "\" is not a registry host[:port]"};
  }
  return host;
}

}  // namespace irel
