#include "irel/archive_path.hpp"

#include <algorithm>

namespace irel {
namespace {

constexpr std::size_t kMaxPathBytes = 4096;

}  // namespace

std::string ArchivePathProblem(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.find('\0') != std::string_view::npos) return "path contains NUL";
  if (path.size() > kMaxPathBytes) return "path longer than 4096 bytes";
  if (path.front() == '/') return "absolute path";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    if (path.substr(start, end - start) == "..") return "path has a \"..\" component";
    start = end + 1;
  }
  return {};
}

std::string NormalizeArchivePath(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view part = path.substr(start, end - start);
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    start = end + 1;
  }
  return out;
}

std::string QuoteArchivePath(std::string_view path) {
  std::string out = "\"";
  for (const char c : path.substr(0, 256)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  if (path.size() > 256) out += "...";
  return out + "\"";
}

}  // namespace irel
