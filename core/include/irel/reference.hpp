#pragma once
// Docker/OCI image references, following the grammar of the reference library used by docker and
// the distribution registry (github.com/distribution/reference):
//
//   reference := name [ ":" tag ] [ "@" digest ]
//   name      := [ domain "/" ] path-component [ "/" path-component ]*
//   domain    := host [ ":" port ],  host := domain-name | "[" ipv6 "]"
//   path-component := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//   tag       := [\w][\w.-]{0,127}
//
// Parsing normalizes familiar names: "busybox" -> "docker.io/library/busybox",
// "index.docker.io/x/y" -> "docker.io/x/y". The first component is a domain when it contains "."
// or ":", is "localhost", or has an uppercase letter (Docker Hub names are lowercase).
#include <string>
#include <string_view>
#include <vector>

#include "irel/result.hpp"

namespace irel {

inline constexpr std::size_t kNameTotalLengthMax = 255;
inline constexpr std::string_view kDockerHubDomain = "docker.io";

struct Reference {
  std::string domain;  // "docker.io", "localhost:5000", "[::1]:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // empty when absent
  std::string digest;  // "sha256:<hex>", empty when absent

  std::string Name() const { return domain + "/" + path; }  // repository, no tag or digest
  std::string Suffix() const;                               // ":tag", "@digest", both or ""
  std::string String() const;                               // normalized full reference
  std::string Familiar() const;                             // short form, as `docker` prints it
  // Equivalent spellings of this reference, as the Go image-relocation project defined them
  // (for Docker Hub: with and without "library/", "docker.io/" and "index.docker.io/").
  std::vector<std::string> Synonyms() const;

  Reference WithoutTagOrDigest() const { return Reference{domain, path, {}, {}}; }
  bool operator==(const Reference& o) const {
    return domain == o.domain && path == o.path && tag == o.tag && digest == o.digest;
  }
};

// Error codes, each with a message naming the rule that failed:
//   NAME_EMPTY, NAME_UPPERCASE, NAME_TOO_LONG, NAME_INVALID_FORMAT, DIGEST_INVALID.
Result<Reference> ParseReference(std::string_view text);

// Whether `host` is a registry host[:port] as the grammar above defines domain.
bool IsValidRegistryHost(std::string_view host);

}  // namespace irel
