#pragma once
// Where a repository lives on the network and the URLs of the distribution API (OCI distribution
// spec) for it. Plain HTTP only for loopback registries and ones the user names as insecure.
#include <string>
#include <string_view>
#include <vector>

#include "irel/reference.hpp"
#include "irel/result.hpp"

namespace irel {

struct TransportPolicy {
  std::vector<std::string> insecure_registries;  // "host[:port]" allowed over plain HTTP
};

struct Endpoint {
  std::string registry;    // as named in the reference: "docker.io", "localhost:5000"
  std::string base_url;    // "https://registry-1.docker.io"; always https here
  std::string repository;  // "library/busybox"
  // Loopback and --insecure-registry hosts may fall back to plain HTTP when they do not speak
  // TLS (as docker does): the driver probes https first and switches base_url to http.
  bool plain_http_allowed = false;

  std::string PlainBaseUrl() const { return "http://" + base_url.substr(base_url.find("://") + 3); }

  std::string ManifestUrl(std::string_view tag_or_digest) const;
  std::string BlobUrl(std::string_view digest) const;
  std::string UploadUrl() const;  // POST to open an upload session
  std::string MountUrl(std::string_view digest, std::string_view from_repository) const;
  std::string TagsUrl() const;
  // OCI 1.1 referrers API; artifact_type (may be empty) filters on the registry's side.
  std::string ReferrersUrl(std::string_view subject_digest, std::string_view artifact_type = {}) const;
  std::string PingUrl() const;
};

bool IsLoopbackRegistry(std::string_view registry);

Endpoint EndpointFor(const Reference& ref, const TransportPolicy& policy);

// A Location header made absolute against the URL of the request that returned it.
// Error code: LOCATION_INVALID.
Result<std::string> ResolveLocation(std::string_view request_url, std::string_view location);

// Adds a query parameter, keeping any the URL already has (upload URLs carry session state).
std::string AppendQuery(std::string_view url, std::string_view key, std::string_view value);

// The origin ("scheme://host[:port]") of an absolute URL, empty when it is not one.
std::string UrlOrigin(std::string_view url);

}  // namespace irel
