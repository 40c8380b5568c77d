#include "irel/blob_upload.hpp"

#include "irel/registry_error.hpp"

namespace irel {
namespace {

// An answer that refuses the way the bytes were sent rather than the bytes: another way may work.
// A rejected digest is about the bytes, so it is not one of these.
bool RefusesTheMethod(const HttpResponse& r) {
  if (r.status == 405 || r.status == 411 || r.status == 413 || r.status == 415 || r.status == 501) return true;
  // Artifactory answers a monolithic PUT with a body "404 BLOB_UNKNOWN" (docker/buildx#196).
  if (r.status == 404 && r.body.find("BLOB_UNKNOWN") != std::string::npos) return true;
  return r.status == 400 && r.body.find("DIGEST_INVALID") == std::string::npos &&
         r.body.find("SIZE_INVALID") == std::string::npos;
}

}  // namespace

std::optional<std::int64_t> NextOffsetFromRange(std::string_view range) {
  if (range.rfind("bytes=", 0) == 0) range.remove_prefix(6);
  const auto dash = range.find('-');
  if (dash == std::string_view::npos || dash + 1 >= range.size()) return std::nullopt;
  std::int64_t end = 0;
  for (char c : range.substr(dash + 1)) {
    if (c < '0' || c > '9' || end > (std::int64_t{1} << 56)) return std::nullopt;
    end = end * 10 + (c - '0');
  }
  return end + 1;
}

BlobUpload::BlobUpload(Endpoint target, std::string digest, std::int64_t size, BlobUploadOptions options)
    : target_(std::move(target)), digest_(std::move(digest)), size_(size), options_(std::move(options)) {
  if (options_.chunk_size <= 0) options_.chunk_size = 16 << 20;
  if (options_.whole) options_.single_put_max = -1;
  step_ = options_.mount_from.empty() ? Step::Start : Step::Mount;
}

bool BlobUpload::FallBackToWhole() {
  if (options_.whole) return false;
  options_.whole = true;
  options_.single_put_max = -1;
  location_.clear();
  offset_ = 0;
  step_ = Step::Start;
  return true;
}

HttpRequest BlobUpload::Next() const {
  HttpRequest r;
  switch (step_) {
    case Step::Mount:
      r = {"POST", target_.MountUrl(digest_, options_.mount_from), {}, false, 0, 0, "mount"};
      r.headers.emplace_back("Content-Length", "0");
      break;
    case Step::Start:
      r = {"POST", target_.UploadUrl(), {}, false, 0, 0, "start"};
      r.headers.emplace_back("Content-Length", "0");
      break;
    case Step::Whole:
      r = {"PUT", AppendQuery(location_, "digest", digest_), {}, true, 0, size_, "whole"};
      r.headers.emplace_back("Content-Type", "application/octet-stream");
      r.headers.emplace_back("Content-Length", std::to_string(size_));
      break;
    case Step::Chunk: {
      const std::int64_t len = std::min(chunk_size(), size_ - offset_);
      r = {"PATCH", location_, {}, true, offset_, len, "chunk"};
      r.headers.emplace_back("Content-Type", "application/octet-stream");
      r.headers.emplace_back("Content-Length", std::to_string(len));
      r.headers.emplace_back("Content-Range", std::to_string(offset_) + "-" + std::to_string(offset_ + len - 1));
      break;
    }
    case Step::Finish:
      r = {"PUT", AppendQuery(location_, "digest", digest_), {}, false, 0, 0, "finish"};
      r.headers.emplace_back("Content-Length", "0");
      break;
    case Step::Status:
      r = {"GET", location_, {}, false, 0, 0, "status"};
      break;
  }
  return r;
}

bool BlobUpload::TakeLocation(const HttpResponse& r) {
  const auto loc = HeaderValue(r.headers, "Location");
  if (loc.empty()) return !location_.empty();  // keep the previous one
  const auto resolved = ResolveLocation(step_ == Step::Start || step_ == Step::Mount ? target_.UploadUrl() : location_, loc);
  if (!resolved) return false;
  location_ = resolved.value();
  return true;
}

void BlobUpload::Fail(const HttpResponse& r, const char* what) {
  state_ = State::Failed;
  const auto host = target_.registry;
  error_ = RegistryError(r.status, r.body, RegistryExchange{Side::Target, Next().method, host,
                                                            std::string(what) + " " + digest_ + " to " + target_.repository});
}

void BlobUpload::OnResponse(const HttpResponse& r) {
  if (state_ != State::Pending) return;
  const auto after_session_open = [&] {
    if (!TakeLocation(r)) {
      state_ = State::Failed;
      error_ = Error{"LOCATION_INVALID", "target registry " + target_.registry +
                                             " opened an upload without a usable Location header",
                     Side::Target};
      return;
    }
    offset_ = 0;
    // S3-backed registries refuse smaller chunks than they say (only the last may be smaller).
    const auto min = HeaderValue(r.headers, "OCI-Chunk-Min-Length");
    if (!min.empty()) {
      std::int64_t n = 0;
      bool valid = min.size() <= 15;
      for (char c : min) valid = valid && c >= '0' && c <= '9', n = valid ? n * 10 + (c - '0') : n;
      if (valid && n > options_.chunk_size) options_.chunk_size = n;
    }
    if (size_ <= options_.single_put_max) step_ = Step::Whole;
    else step_ = size_ == 0 ? Step::Finish : Step::Chunk;
  };
  switch (step_) {
    case Step::Mount:
      if (r.status == 201) {
        mounted_ = true;
        offset_ = size_;
        state_ = State::Done;
      } else if (r.status == 202) {
        after_session_open();  // the registry declined the mount and opened an upload instead
      } else {
        // Some registries refuse mount outright; a plain upload still works.
        step_ = Step::Start;
      }
      return;
    case Step::Start:
      if (r.status == 202) return after_session_open();
      return Fail(r, "open an upload of");
    case Step::Whole:
    case Step::Finish:
      if (r.status == 201 || r.status == 204) {
        // A registry names what it stored by its canonical digest (docker-registry: sha256 for a
        // blob pushed as sha512:…); only a digest of the same algorithm can be compared.
        const auto got = HeaderValue(r.headers, "Docker-Content-Digest");
        const auto algorithm = [](std::string_view d) { return d.substr(0, d.find(':')); };
        if (!got.empty() && algorithm(got) == algorithm(digest_) && got != digest_) {
          state_ = State::Failed;
          error_ = Error{"DIGEST_MISMATCH", "target registry " + target_.registry + " stored " + std::string(got) +
                                                " instead of " + digest_, Side::Target};
          return;
        }
        offset_ = size_;
        state_ = State::Done;
        return;
      }
      // A protocol rule, not a retry policy: a commit refused after an interruption means the
      // session kept bytes of a broken request, which no resume can repair, so the blob goes
      // again in a new session. Every interruption that leads here was already counted against
      // the driver's retry policy (retry.js, options.retry); the bound only stops a registry that
      // refuses every commit from looping, and stays 2 whatever the policy says.
      if (r.status == 400 && interruptions_ > 0 && restarts_ < 2) {
        ++restarts_;
        location_.clear();
        offset_ = 0;
        step_ = Step::Start;
        return;
      }
      // A monolithic PUT with a body refused (Artifactory wants PATCH uploads): the same bytes in
      // one PATCH, then an empty PUT. Not for refusals that no other way of sending would change.
      if (step_ == Step::Whole && RefusesTheMethod(r) && FallBackToWhole()) return;
      return Fail(r, "commit blob");
    case Step::Chunk: {
      const std::int64_t sent = std::min(chunk_size(), size_ - offset_);
      // 201 where 202 is meant (ECR).
      if (r.status == 202 || r.status == 204 || r.status == 201) {
        TakeLocation(r);
        const auto next = NextOffsetFromRange(HeaderValue(r.headers, "Range"));
        // A chunk taken without the Range moving on was discarded (ECR keeps only the first).
        if (next && *next <= offset_ && sent > 0 && offset_ > 0 && FallBackToWhole()) return;
        // Registries that omit Range accepted the whole chunk.
        offset_ = next ? *next : offset_ + sent;
        if (offset_ >= size_) step_ = Step::Finish;
        return;
      }
      // A later chunk refused (GAR and GHCR take one PATCH per session; ECR then answers 416).
      if (offset_ > 0 && r.status >= 400 && r.status < 500 && r.status != 401 && r.status != 403 && FallBackToWhole()) {
        return;
      }
      if (r.status == 416) return OnInterrupted();  // out of step: ask where we are
      return Fail(r, "upload a chunk of blob");
    }
    case Step::Status:
      if (r.status == 204 || r.status == 202) {
        TakeLocation(r);
        const auto next = NextOffsetFromRange(HeaderValue(r.headers, "Range"));
        // "0-0" is what docker-registry says of an empty session as well as of one byte; only
        // the first is likely here (every chunk we send is larger), and resending byte 0 of a
        // one-byte session would be caught by the digest check and start over.
        offset_ = next && *next > 1 ? *next : 0;
        step_ = offset_ >= size_ ? Step::Finish : Step::Chunk;
        return;
      }
      // The session is gone (expired or never existed): start over.
      location_.clear();
      offset_ = 0;
      step_ = Step::Start;
      return;
  }
}

void BlobUpload::OnInterrupted() {
  if (state_ != State::Pending) return;
  ++interruptions_;
  switch (step_) {
    case Step::Mount:
    case Step::Start:
      return;  // repeat the same POST
    case Step::Whole:
      location_.clear();  // a failed single PUT leaves the session unusable
      step_ = Step::Start;
      return;
    case Step::Chunk:
    case Step::Finish:
    case Step::Status:
      step_ = Step::Status;
      return;
  }
}

}  // namespace irel
