#include "irel/reference.hpp"

#include <algorithm>

#include "irel/digest.hpp"

namespace irel {
namespace {

constexpr auto npos = std::string_view::npos;
constexpr std::size_t kTagMax = 128;

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsWord(char c) { return IsAlnum(c) || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Error Format(const std::string& detail) {
  return Error{"NAME_INVALID_FORMAT", "invalid reference format: " + detail};
}

// Scans path-component := [a-z0-9]+ (separator [a-z0-9]+)* from `pos`; returns its end, or pos
// when no component starts there. A separator not followed by an alphanumeric ends the component.
std::size_t ScanPathComponent(std::string_view s, std::size_t pos) {
  std::size_t i = pos;
  while (i < s.size() && IsLowerAlnum(s[i])) ++i;
  if (i == pos) return pos;
  for (;;) {
    std::size_t j = i;
    if (j < s.size() && s[j] == '.') {
      j += 1;
    } else if (j + 1 < s.size() && s[j] == '_' && s[j + 1] == '_') {
      j += 2;
    } else if (j < s.size() && s[j] == '_') {
      j += 1;
    } else if (j < s.size() && s[j] == '-') {
      while (j < s.size() && s[j] == '-') ++j;
    } else {
      return i;
    }
    if (j >= s.size() || !IsLowerAlnum(s[j])) return i;
    while (j < s.size() && IsLowerAlnum(s[j])) ++j;
    i = j;
  }
}

// domain := host [":" port]; host := domain-name | "[" ipv6-hex-and-colons "]";
// domain-name := component ("." component)*; component := [A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?
bool ValidDomain(std::string_view d) {
  std::size_t i = 0;
  if (!d.empty() && d[0] == '[') {
    const auto close = d.find(']');
    if (close == npos || close == 1) return false;
    for (std::size_t k = 1; k < close; ++k) {
      if (!IsHex(d[k]) && d[k] != ':') return false;
    }
    i = close + 1;
  } else {
    for (;;) {
      const std::size_t start = i;
      while (i < d.size() && (IsAlnum(d[i]) || d[i] == '-')) ++i;
      if (i == start || !IsAlnum(d[start]) || !IsAlnum(d[i - 1])) return false;
      if (i < d.size() && d[i] == '.') {
        ++i;
        continue;
      }
      break;
    }
  }
  if (i == d.size()) return true;
  if (d[i] != ':' || i + 1 == d.size()) return false;
  for (std::size_t k = i + 1; k < d.size(); ++k) {
    if (!IsDigit(d[k])) return false;
  }
  return true;
}

bool LooksLikeDomain(std::string_view first) {
  return first.find_first_of(".:") != npos || first == "localhost" || HasUpper(first);
}

// "library/x" -> "x" for Docker Hub's official images; empty otherwise.
std::string_view OfficialShortName(std::string_view path) {
  constexpr std::string_view kLibrary = "library/";
  if (path.substr(0, kLibrary.size()) != kLibrary || path.find('/', kLibrary.size()) != npos) return {};
  return path.substr(kLibrary.size());
}

// Docker Hub paths whose first component would be read as a domain ("foo.bar/x") must keep
// their "docker.io/" to mean the same repository.
bool PathNeedsDomain(std::string_view path) {
  const auto slash = path.find('/');
  return slash != npos && LooksLikeDomain(path.substr(0, slash));
}

bool IsHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return IsDigit(c) || (c >= 'a' && c <= 'f');
         });
}

// The reference grammar's digest: algorithm ":" [0-9a-fA-F]{32,}. Whether the algorithm is
// supported and the length right is ParseDigest's business (a different error).
bool DigestSyntax(std::string_view d) {
  const auto colon = d.find(':');
  if (colon == npos || colon == 0) return false;
  const auto alg = d.substr(0, colon);
  const auto hex = d.substr(colon + 1);
  bool expect_start = true;
  for (char c : alg) {
    if (expect_start) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
      expect_start = false;
    } else if (c == '+' || c == '.' || c == '_' || c == '-') {
      expect_start = true;
    } else if (!IsAlnum(c)) {
      return false;
    }
  }
  if (expect_start || hex.size() < 32) return false;
  return std::all_of(hex.begin(), hex.end(), IsHex);
}

}  // namespace

bool IsValidRegistryHost(std::string_view host) { return ValidDomain(host); }

Result<Reference> ParseReference(std::string_view text) {
  if (text.empty()) {
    return Error{"NAME_EMPTY", "invalid reference: repository name must have at least one component"};
  }
  if (IsHex64(text)) {
    return Format("cannot specify 64-byte hexadecimal strings as a repository name (" +
                  Quote(text) + " looks like an image ID)");
  }

  Reference ref;
  std::string rest;
  const auto slash = text.find('/');
  if (slash != npos && LooksLikeDomain(text.substr(0, slash))) {
    ref.domain = std::string(text.substr(0, slash));
    rest = std::string(text.substr(slash + 1));
  } else {
    ref.domain = std::string(kDockerHubDomain);
    rest = std::string(text);
  }
  if (ref.domain == "index.docker.io") ref.domain = std::string(kDockerHubDomain);
  if (ref.domain == kDockerHubDomain && rest.find('/') == std::string::npos) {
    rest = "library/" + rest;
  }

  const std::string_view remote = std::string_view(rest).substr(0, rest.find(':'));
  if (HasUpper(remote)) {
    return Error{"NAME_UPPERCASE", "invalid reference format: repository name " + Quote(remote) +
                                       " must be lowercase"};
  }
  if (!ValidDomain(ref.domain)) {
    return Format(Quote(ref.domain) + " is not a valid registry host[:port]");
  }

  const std::string_view r = rest;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t end = ScanPathComponent(r, pos);
    const bool at_boundary = end == r.size() || r[end] == '/' || r[end] == ':' || r[end] == '@';
    if (end == pos && at_boundary) return Format("empty path component in " + Quote(text));
    if (!at_boundary) {
      const auto component = r.substr(pos, r.find_first_of("/:@", pos) - pos);
      return Format("path component " + Quote(component) +
                    " must be lowercase letters and digits separated by \".\", \"_\", \"__\" or \"-\"");
    }
    pos = end;
    if (pos < r.size() && r[pos] == '/') {
      ++pos;
      continue;
    }
    break;
  }
  ref.path = std::string(r.substr(0, pos));

  if (pos < r.size() && r[pos] == ':') {
    const std::size_t start = ++pos;
    while (pos < r.size() && (IsWord(r[pos]) || r[pos] == '.' || r[pos] == '-')) ++pos;
    const auto tag = r.substr(start, pos - start);
    if (tag.empty() || !IsWord(tag[0]) || tag.size() > kTagMax ||
        (pos < r.size() && r[pos] != '@')) {
      const auto shown = r.substr(start, r.find('@', start) - start);
      return Format("tag " + Quote(shown) +
                    " must be 1 to 128 of [A-Za-z0-9_.-], not starting with \".\" or \"-\"");
    }
    ref.tag = std::string(tag);
  }

  std::string_view digest_text;
  if (pos < r.size() && r[pos] == '@') {
    digest_text = r.substr(pos + 1);
    if (!DigestSyntax(digest_text)) {
      return Format("digest " + Quote(digest_text) + " must be ALGORITHM:HEX (at least 32 hex digits)");
    }
    pos = r.size();
  }

  if (ref.domain.size() + 1 + ref.path.size() > kNameTotalLengthMax) {
    return Error{"NAME_TOO_LONG", "invalid reference: repository name must not be more than 255 "
                                  "characters (" + std::to_string(ref.domain.size() + 1 + ref.path.size()) +
                                  " in " + Quote(ref.Name()) + ")"};
  }
  if (!digest_text.empty()) {
    auto digest = ParseDigest(digest_text);
    if (!digest) return digest.error();
    ref.digest = digest->String();
  }
  return ref;
}

std::string Reference::Suffix() const {
  std::string out;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

std::string Reference::String() const { return Name() + Suffix(); }

std::string Reference::Familiar() const {
  std::string out;
  if (domain != kDockerHubDomain || PathNeedsDomain(path)) {
    out = Name();
  } else {
    // A 64-hex short name would read as an image ID, so such a name keeps its "library/".
    const auto short_name = OfficialShortName(path);
    out = short_name.empty() || IsHex64(short_name) ? path : std::string(short_name);
  }
  return out + Suffix();
}

std::vector<std::string> Reference::Synonyms() const {
  std::vector<std::string> names{Name()};
  if (domain == kDockerHubDomain) {
    if (!PathNeedsDomain(path)) names.push_back(path);
    const auto short_name = OfficialShortName(path);
    if (!short_name.empty() && !IsHex64(short_name)) names.emplace_back(short_name);
    names.push_back("index.docker.io/" + path);
  }
  const std::string suffix = Suffix();
  std::vector<std::string> out;
  for (const auto& n : names) {
    if (n.size() > kNameTotalLengthMax) continue;  // not a valid name, as in the Go project
    if (std::find(out.begin(), out.end(), n + suffix) == out.end()) out.push_back(n + suffix);
  }
  return out;
}

}  // namespace irel
