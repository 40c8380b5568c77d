#pragma once
// Checks content against an expected OCI digest and size while it streams by (an archive entry,
// a blob download): feed chunks with Update(), then Finish() once. Only sha256 digests.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "irel/hash.hpp"
#include "irel/result.hpp"

namespace irel {

class DigestVerifier {
 public:
  // expected_size < 0: size unknown, not checked. Error codes: DIGEST_INVALID (malformed),
  // DIGEST_UNSUPPORTED (an algorithm other than sha256).
  static Result<DigestVerifier> Create(std::string_view expected_digest, std::int64_t expected_size = -1);

  DigestVerifier(DigestVerifier&&) noexcept;
  DigestVerifier& operator=(DigestVerifier&&) noexcept;
  ~DigestVerifier();

  void Update(const std::uint8_t* data, std::size_t size);
  void Update(std::string_view data) {
    Update(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  }

  std::uint64_t bytes() const { return bytes_; }
  // True once more bytes than the expected size went by: the caller may stop early.
  bool over_size() const { return expected_size_ >= 0 && bytes_ > static_cast<std::uint64_t>(expected_size_); }

  // The digest ("sha256:<hex>") when size and content match. Error codes: SIZE_MISMATCH,
  // DIGEST_MISMATCH; `what` names the content in the message (e.g. the archive entry).
  Result<std::string> Finish(std::string_view what = "content");

 private:
  DigestVerifier(std::string expected, std::int64_t expected_size);
  std::string expected_;  // "sha256:<hex>"
  std::int64_t expected_size_;
  std::uint64_t bytes_ = 0;
  std::unique_ptr<Sha256> sha_;
};

}  // namespace irel
