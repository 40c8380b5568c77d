#include "irel/digest.hpp"

#include <cstddef>

namespace irel {
namespace {

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool IsLowerHex(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }

Error Invalid(std::string detail) { return Error{"DIGEST_INVALID", "invalid digest: " + detail}; }

// digest-algorithm := component ( [+._-] component )*, component := [A-Za-z][A-Za-z0-9]*
bool ValidAlgorithmSyntax(std::string_view a) {
  if (a.empty()) return false;
  bool expect_start = true;
  for (char c : a) {
    if (expect_start) {
      if (!IsAlpha(c)) return false;
      expect_start = false;
    } else if (c == '+' || c == '.' || c == '_' || c == '-') {
      expect_start = true;
    } else if (!IsAlpha(c) && !IsDigit(c)) {
      return false;
    }
  }
  return !expect_start;
}

std::size_t HexLength(std::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha384") return 96;
  if (algorithm == "sha512") return 128;
  return 0;
}

}  // namespace

Result<Digest> ParseDigest(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return Invalid("\"" + std::string(text) + "\" has no \"algorithm:\" prefix");
  }
  const auto algorithm = text.substr(0, colon);
  const auto hex = text.substr(colon + 1);
  if (!ValidAlgorithmSyntax(algorithm)) {
    return Invalid("malformed algorithm \"" + std::string(algorithm) + "\"");
  }
  for (char c : hex) {
    if (!IsHex(c)) return Invalid("\"" + std::string(hex) + "\" is not hexadecimal");
  }
  const std::size_t want = HexLength(algorithm);
  if (want == 0) {
    return Invalid("unsupported algorithm \"" + std::string(algorithm) +
                   "\" (expected sha256, sha384 or sha512)");
  }
  if (hex.size() != want) {
    return Invalid(std::string(algorithm) + " needs " + std::to_string(want) +
                   " hex characters, got " + std::to_string(hex.size()));
  }
  for (char c : hex) {
    if (!IsLowerHex(c)) return Invalid("hex must be lowercase");
  }
  return Digest{std::string(algorithm), std::string(hex)};
}

bool DigestAlgorithmSupported(std::string_view algorithm) { return HexLength(algorithm) != 0; }

Error UnsupportedDigestAlgorithm(std::string_view algorithm) {
  return Error{"DIGEST_ALGORITHM_UNSUPPORTED", "digest algorithm \"" + std::string(algorithm) +
                                                   "\" is not supported (content is verified under sha256, sha384 or sha512)"};
}

Result<Digest> ParseDigestToVerify(std::string_view text) {
  auto d = ParseDigest(text);
  if (d) return d;
  const auto colon = text.find(':');
  const auto algorithm = colon == std::string_view::npos ? std::string_view() : text.substr(0, colon);
  if (ValidAlgorithmSyntax(algorithm) && !DigestAlgorithmSupported(algorithm)) {
    auto e = UnsupportedDigestAlgorithm(algorithm);
    e.message = "cannot verify " + std::string(text) + ": " + e.message;
    return e;
  }
  return d;
}

}  // namespace irel
