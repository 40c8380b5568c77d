#include "irel/digest_verifier.hpp"

#include <utility>

#include "irel/digest.hpp"

namespace irel {

Result<DigestVerifier> DigestVerifier::Create(std::string_view expected_digest, std::int64_t expected_size) {
  const auto d = ParseDigest(expected_digest);
  if (!d) return d.error();
  if (d->algorithm != "sha256") {
    return Error{"DIGEST_UNSUPPORTED", "cannot verify " + d->String() + ": only sha256 digests are verified"};
  }
  return DigestVerifier(d->String(), expected_size);
}

DigestVerifier::DigestVerifier(std::string expected, std::int64_t expected_size)
    : expected_(std::move(expected)), expected_size_(expected_size), sha_(std::make_unique<Sha256>()) {}

DigestVerifier::DigestVerifier(DigestVerifier&&) noexcept = default;
DigestVerifier& DigestVerifier::operator=(DigestVerifier&&) noexcept = default;
DigestVerifier::~DigestVerifier() = default;

void DigestVerifier::Update(const std::uint8_t* data, std::size_t size) {
  sha_->Update(data, size);
  bytes_ += size;
}

Result<std::string> DigestVerifier::Finish(std::string_view what) {
  const std::string got = "sha256:" + sha_->FinishHex();
  if (expected_size_ >= 0 && bytes_ != static_cast<std::uint64_t>(expected_size_)) {
    return Error{"SIZE_MISMATCH", std::string(what) + " is " + std::to_string(bytes_) + " bytes, expected " +
                                      std::to_string(expected_size_) + " for " + expected_};
  }
  if (got != expected_) {
    return Error{"DIGEST_MISMATCH", std::string(what) + " has digest " + got + ", expected " + expected_};
  }
  return got;
}

}  // namespace irel
