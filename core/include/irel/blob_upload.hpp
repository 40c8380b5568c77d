#pragma once
// The push of one blob as a state machine (OCI distribution spec, "Pushing blobs"):
//   mount  POST /blobs/uploads/?mount=D&from=R   201 -> done (no bytes sent), 202 -> upload
//   start  POST /blobs/uploads/                  202 + Location
//   whole  PUT  <location>&digest=D  (body)      201 -> done            (small blobs)
//   chunk  PATCH <location> (Content-Range)      202 + Location + Range (large blobs, repeated)
//   finish PUT  <location>&digest=D  (no body)   201 -> done
//   status GET  <location>                       204 + Range: where to resume after a failure
// A registry may still be appending the bytes of a broken request when it answers the status
// query; if the final digest check then fails after an interruption, the blob is sent again in a
// new session (at most twice) instead of failing the copy.
// Every response carries a new Location; the latest one is always used. Offsets are tracked from
// the Range header the registry returns, since some registries ignore Content-Range.
// Registries differ (each behaviour seen in public threads): ECR answers a chunk with 201 and
// discards chunks after the first (Range stops advancing); GAR and GHCR refuse a second chunk;
// Artifactory refuses a monolithic PUT with a body; S3-backed registries ask for a minimum chunk
// size (OCI-Chunk-Min-Length). So: a 201 counts as 202; a discarded or refused chunk sequence, and
// a refused monolithic PUT, fall back to the whole blob in one PATCH in a new session
// (strategy() then says "whole", for the driver to remember for the registry); chunks are never
// smaller than the registry's minimum.
#include <cstdint>
#include <optional>
#include <string>

#include "irel/error.hpp"
#include "irel/http_exchange.hpp"
#include "irel/registry_endpoint.hpp"

namespace irel {

struct BlobUploadOptions {
  std::string mount_from;                          // repository on the same registry, or empty
  std::int64_t chunk_size = 16 << 20;              // bytes per PATCH
  std::int64_t single_put_max = 16 << 20;          // blobs up to this size go in one PUT
  bool whole = false;                              // the registry takes a blob only as one PATCH
};

class BlobUpload {
 public:
  enum class State { Pending, Done, Failed };

  BlobUpload(Endpoint target, std::string digest, std::int64_t size, BlobUploadOptions options = {});

  State state() const { return state_; }
  bool mounted() const { return mounted_; }
  const Error& error() const { return error_; }
  std::int64_t committed() const { return offset_; }  // bytes the registry confirmed
  // "chunked", or "whole" once the blob goes (or fell back to going) in one PATCH.
  const char* strategy() const { return options_.whole ? "whole" : "chunked"; }
  // The bytes the next chunk request carries (the whole rest of the blob when "whole").
  std::int64_t chunk_size() const { return options_.whole ? size_ - offset_ : options_.chunk_size; }

  // The next request to perform (only while Pending).
  HttpRequest Next() const;
  // The final response to that request (after auth and redirects were handled by the driver).
  void OnResponse(const HttpResponse& response);
  // The request failed without a usable response (connection reset, retryable status, timeout):
  // the next request asks the registry where to resume, or restarts the session.
  void OnInterrupted();

 private:
  enum class Step { Mount, Start, Whole, Chunk, Finish, Status };
  void Fail(const HttpResponse& r, const char* what);
  bool TakeLocation(const HttpResponse& r);
  // A new session that sends the whole blob in one PATCH; false when that was already the way.
  bool FallBackToWhole();

  Endpoint target_;
  std::string digest_;
  std::int64_t size_;
  BlobUploadOptions options_;
  Step step_;
  std::string location_;
  std::int64_t offset_ = 0;
  std::int64_t sent_ = 0;  // length of the chunk in flight
  State state_ = State::Pending;
  int interruptions_ = 0;
  int restarts_ = 0;
  bool mounted_ = false;
  Error error_;
};

// "0-1023" or "bytes=0-1023" -> 1024 (the next offset); nullopt when malformed.
std::optional<std::int64_t> NextOffsetFromRange(std::string_view range);

}  // namespace irel
