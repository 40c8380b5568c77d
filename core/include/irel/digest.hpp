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

// A digest that content is about to be checked against: ParseDigest's rules, except that a
// well-formed algorithm other than sha256, sha384 and sha512 is DIGEST_ALGORITHM_UNSUPPORTED
// (content irel cannot check, rather than a malformed digest); the message names the algorithm.
Result<Digest> ParseDigestToVerify(std::string_view text);

// Whether content can be hashed and checked under `algorithm` ("sha256", "sha384", "sha512").
bool DigestAlgorithmSupported(std::string_view algorithm);

// The DIGEST_ALGORITHM_UNSUPPORTED error naming `algorithm` (for hashers asked for another one).
Error UnsupportedDigestAlgorithm(std::string_view algorithm);

}  // namespace irel
