#include "irel/path_mapping.hpp"

#include <string>
#include <vector>

#include "irel/hash.hpp"

namespace irel {
namespace {

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = s.find(sep, start);
    out.push_back(s.substr(start, at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

std::string Join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

// The first n-1 components, a "-" marker for what was left out, then the last component.
std::vector<std::string> Reduce(const std::vector<std::string>& c, std::size_t n) {
  if (c.size() < 2 || c.size() <= n) return c;
  if (n < 2) return {c.back()};
  std::vector<std::string> out(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(n - 1));
  out.emplace_back("-");
  out.push_back(c.back());
  return out;
}

// Keeps as many components as fit in `size` characters (joined with "-").
std::string FlatPath(const std::string& path, long size) {
  const auto components = Split(path, '/');
  for (std::size_t n = components.size(); n > 0; --n) {
    const auto joined = Join(Reduce(components, n), '-');
    if (static_cast<long>(joined.size()) <= size) return joined;
  }
  if (!components.empty() && static_cast<long>(components[0].size()) <= size) return components[0];
  return {};
}

}  // namespace

Result<Reference> FlattenRepoPath(const RepoPrefix& prefix, const Reference& original) {
  const std::string hash = Md5Hex(original.Name());
  const long available = static_cast<long>(kNameTotalLengthMax) -
                         static_cast<long>(prefix.text.size() + 2 + hash.size());
  const std::string flat = FlatPath(original.path, available);
  const std::string mapped = prefix.text + "/" + (flat.empty() ? hash : flat + "-" + hash);
  auto ref = ParseReference(mapped);
  if (!ref) {
    return Error{"MAPPING_TOO_LONG", "cannot map " + original.Name() + " under prefix \"" +
                                         prefix.text + "\": " + ref.error().message};
  }
  return ref;
}

Result<Reference> FlattenRepoPathPreserveTagDigest(const RepoPrefix& prefix,
                                                   const Reference& original) {
  auto mapped = FlattenRepoPath(prefix, original);
  if (!mapped) return mapped;
  Reference out = std::move(mapped).value();
  out.tag = original.tag;
  out.digest = original.digest;
  return out;
}

}  // namespace irel
