#include "irel/platform.hpp"

#include <vector>

namespace irel {

std::string Platform::String() const {
  std::string out = os + "/" + architecture;
  if (!variant.empty()) out += "/" + variant;
  return out;
}

bool Platform::Matches(const Platform& c) const {
  if (os != c.os || architecture != c.architecture) return false;
  if (variant.empty()) return true;
  if (variant == c.variant) return true;
  return architecture == "arm64" && variant == "v8" && c.variant.empty();
}

Result<Platform> ParsePlatform(std::string_view text) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (;;) {
    const auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  const auto valid = [](const std::string& s) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) return false;
    }
    return true;
  };
  bool ok = parts.size() == 2 || parts.size() == 3;
  for (const auto& p : parts) ok = ok && valid(p);
  if (!ok) {
    return Error{"PLATFORM_INVALID", "invalid platform \"" + std::string(text) +
                                         "\": expected OS/ARCH[/VARIANT] in lowercase, e.g. linux/arm64 or linux/arm/v7"};
  }
  return Platform{parts[0], parts[1], parts.size() == 3 ? parts[2] : "", ""};
}

}  // namespace irel
