#pragma once
// The registry a credential belongs to, from the ways people write it: a URL copied from a
// browser or a Docker config key ("https://Registry.example.com:5000/v2/",
// "https://index.docker.io/v1/"), or a host[:port]. The result is the registry as image
// references name it ("registry.example.com:5000"), with Docker Hub's spellings (docker.io,
// index.docker.io, registry-1.docker.io, registry.hub.docker.com) as "docker.io", so that
// credentials typed or stored in any of these forms are found for the images they belong to.
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

// Error REGISTRY_INVALID naming what is wrong.
Result<std::string> ParseRegistryKey(std::string_view text);

}  // namespace irel
