#pragma once
// A platform "os/architecture[/variant]" as in --platform linux/arm/v7, and matching index entries.
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // empty when absent
  std::string os_version;

  std::string String() const;
  // A requested platform matches a descriptor's when os and architecture are equal and, if the
  // request names a variant, the variant too (arm64 with no variant means v8).
  bool Matches(const Platform& candidate) const;
};

// Error code: PLATFORM_INVALID.
Result<Platform> ParsePlatform(std::string_view text);

}  // namespace irel
