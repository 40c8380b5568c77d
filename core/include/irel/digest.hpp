#pragma once
// A content digest "algorithm:hex" as the OCI image spec defines it; only registered algorithms
// with their exact lengths and lowercase hex are accepted, as go-digest does.
#include <string>
#include <string_view>

#include "irel/result.hpp"

namespace irel {

struct Digest {
  std::string algorithm;  // "sha256", "sha384" or "sha512"
  std::string hex;        // lowercase, 64/96/128 characters

  std::string String() const { return algorithm + ":" + hex; }
  bool operator==(const Digest& o) const { return algorithm == o.algorithm && hex == o.hex; }
};

// Error codes: DIGEST_INVALID (format, unsupported algorithm or wrong length; the message says which).
Result<Digest> ParseDigest(std::string_view text);

}  // namespace irel
