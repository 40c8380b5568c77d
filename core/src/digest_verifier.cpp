#include "irel/digest_verifier.hpp"

#include <utility>

namespace irel {

Result<DigestVerifier> DigestVerifier::Create(std::string_view expected_digest, std::int64_t expected_size) {
  auto d = ParseDigestToVerify(expected_digest);
  if (!d) return d.error();
  auto hash = DigestHash::Create(d->algorithm);
  if (!hash) return hash.error();
  return DigestVerifier(std::move(d).value(), expected_size, std::move(hash).value());
}

DigestVerifier::DigestVerifier(Digest expected, std::int64_t expected_size, DigestHash hash)
    : expected_(std::move(expected)), expected_size_(expected_size), hash_(std::move(hash)) {}

void DigestVerifier::Update(const std::uint8_t* data, std::size_t size) {
  hash_.Update(data, size);
  bytes_ += size;
}

Result<std::string> DigestVerifier::Finish(std::string_view what, Side side) {
  return Judge(expected_, expected_size_, hash_.FinishDigest(), bytes_, what, side);
}

Result<std::string> DigestVerifier::Judge(const Digest& expected, std::int64_t expected_size,
                                          std::string_view actual_digest, std::uint64_t actual_size,
                                          std::string_view what, Side side) {
  const std::string subject = side == Side::None ? std::string(what) : std::string(SideName(side)) + " " + std::string(what);
  if (expected_size >= 0 && actual_size != static_cast<std::uint64_t>(expected_size)) {
    return Error{"SIZE_MISMATCH", subject + " is " + std::to_string(actual_size) + " bytes; its descriptor says " +
                                      std::to_string(expected_size) + " (" + expected.String() + ")", side};
  }
  if (actual_digest != expected.String()) {
    return Error{"DIGEST_MISMATCH", subject + " has content that hashes to " + std::string(actual_digest) + ", not " +
                                        expected.String(), side};
  }
  return expected.String();
}

}  // namespace irel
