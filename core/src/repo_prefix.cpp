#include "irel/repo_prefix.hpp"

#include "irel/reference.hpp"

namespace irel {

Result<RepoPrefix> ParseRepoPrefix(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return Error{"PREFIX_INVALID", "invalid repository prefix \"" + std::string(text) + "\": " + why};
  };
  if (text.empty()) return invalid("it is empty");
  if (text.back() == '/') return invalid("it must not end with \"/\"");
  // Past a domain-like first component, ':' or '@' can only start a tag or digest.
  const auto slash = text.find('/');
  const auto first = text.substr(0, slash);
  const bool has_domain = first.find_first_of(".:") != std::string_view::npos || first == "localhost";
  const auto rest = !has_domain ? text : slash == std::string_view::npos ? std::string_view{} : text.substr(slash + 1);
  if (rest.find_first_of(":@") != std::string_view::npos) return invalid("it must not contain a tag or digest");
  // A probe component shows whether PREFIX can stand before a relocated path.
  const auto probe = ParseReference(std::string(text) + "/x");
  if (!probe) return invalid(probe.error().message);
  if (!probe->tag.empty() || !probe->digest.empty()) {
    return invalid("it must not contain a tag or digest");
  }
  return RepoPrefix{std::string(text)};
}

}  // namespace irel
