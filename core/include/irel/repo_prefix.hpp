#pragma once
// A repository prefix such as "registry.internal.acme.com/smith": where relocated images go.
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

struct RepoPrefix {
  std::string text;  // as given: the path mapping measures its length as the user wrote it
};

// Valid when PREFIX + "/x" is a repository name without tag or digest.
// Error code: PREFIX_INVALID, with the reason.
Result<RepoPrefix> ParseRepoPrefix(std::string_view text);

}  // namespace irel
