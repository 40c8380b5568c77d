#pragma once
// Turns a registry's error response into an Error a person can act on: the registry's own code
// (MANIFEST_UNKNOWN, DENIED, ...) when the body has one, else one derived from the HTTP status.
#include <string_view>

#include "irel/error.hpp"

namespace irel {

struct RegistryExchange {
  Side side = Side::None;
  std::string_view method;   // "GET"
  std::string_view host;     // "registry.example.com:5000" (never a URL with credentials)
  std::string_view what;     // "manifest team/app:v1", "blob sha256:..."
};

// status: the HTTP status; body: the response body (may be empty or not JSON).
Error RegistryError(int status, std::string_view body, const RegistryExchange& exchange);

// True for statuses worth retrying with backoff: 408, 429 and 5xx except 501 and 505.
bool IsRetryableStatus(int status);

}  // namespace irel
