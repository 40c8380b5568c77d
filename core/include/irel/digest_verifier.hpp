#pragma once
// Checks content against an expected OCI digest (sha256, sha384 or sha512) and size while it
// streams by (an archive entry, a blob download): feed chunks with Update(), then Finish() once.
// Judge() gives the same verdict on content hashed elsewhere (node:crypto, WebCrypto), so every
// check of bytes against a digest, in C++ or in JavaScript, follows one set of rules and messages.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "irel/digest.hpp"
#include "irel/error.hpp"
#include "irel/hash.hpp"
#include "irel/result.hpp"

namespace irel {

class DigestVerifier {
 public:
  // expected_size < 0: size unknown, not checked. Error codes: DIGEST_INVALID (malformed),
  // DIGEST_ALGORITHM_UNSUPPORTED (a well-formed algorithm other than sha256/sha384/sha512).
  static Result<DigestVerifier> Create(std::string_view expected_digest, std::int64_t expected_size = -1);

  void Update(const std::uint8_t* data, std::size_t size);
  void Update(std::string_view data) {
    Update(reinterpret_cast<const std::uint8_t*>(data.data()), data.size());
  }

  const Digest& expected() const { return expected_; }
  std::uint64_t bytes() const { return bytes_; }
  // True once more bytes than the expected size went by: the caller may stop early.
  bool over_size() const { return expected_size_ >= 0 && bytes_ > static_cast<std::uint64_t>(expected_size_); }

  // The digest ("algorithm:hex") when size and content match; as Judge() otherwise.
  Result<std::string> Finish(std::string_view what = "content", Side side = Side::None);

  // The verdict on content of `actual_size` bytes whose digest is `actual_digest`: size first,
  // then digest. Error codes: SIZE_MISMATCH, DIGEST_MISMATCH; the message starts with the side
  // ("source", "target", or nothing) and `what` (e.g. "blob sha512:… from registry r"), and
  // names the actual digest and the expected one.
  static Result<std::string> Judge(const Digest& expected, std::int64_t expected_size, std::string_view actual_digest,
                                   std::uint64_t actual_size, std::string_view what, Side side = Side::None);

 private:
  DigestVerifier(Digest expected, std::int64_t expected_size, DigestHash hash);
  Digest expected_;
  std::int64_t expected_size_;
  std::uint64_t bytes_ = 0;
  DigestHash hash_;
};

}  // namespace irel
