#pragma once
// Paths inside an archive, as tar entries and the files that name them (a docker save's
// manifest.json) spell them: what makes one unsafe to follow, and one spelling of each.
#include <string>
#include <string_view>

namespace irel {

// Why `path` cannot name an entry inside the archive ("empty path", "path contains NUL", "path
// longer than 4096 bytes", "absolute path", "path has a \"..\" component"), or empty when it can.
std::string ArchivePathProblem(std::string_view path);

// Empty and "." components dropped: "./a//b/" is "a/b"; the archive's root is "".
std::string NormalizeArchivePath(std::string_view path);

// `path` quoted for a message: control bytes escaped (\xNN), cut at 256 bytes ("...").
std::string QuoteArchivePath(std::string_view path);

}  // namespace irel
