// The blob push state machine driven with canned registry exchanges, no sockets.
#include "irel/blob_upload.hpp"

#include <gtest/gtest.h>

namespace irel {
namespace {

const std::string D = "sha256:" + std::string(64, 'd');
const Endpoint kTarget{"localhost:5000", "http://localhost:5000", "team/app", true};

HttpResponse Resp(int status, Headers headers = {}, std::string body = "") {
  return HttpResponse{status, std::move(headers), std::move(body)};
}

// One step of a scripted exchange: the request we expect, then the response we give.
struct Exchange {
  std::string method;
  std::string url;
  std::string purpose;
  HttpResponse response;
  std::int64_t body_offset = 0;
  std::int64_t body_length = 0;
  bool interrupted = false;  // the transport fails instead of answering
};

struct UploadCase {
  const char* label;
  std::int64_t size;
  BlobUploadOptions options;
  std::vector<Exchange> script;
  BlobUpload::State end;
  bool mounted;
  std::string error_code;
};

class PushesBlobs : public ::testing::TestWithParam<UploadCase> {};

TEST_P(PushesBlobs, FollowingTheScript) {
  const auto& c = GetParam();
  BlobUpload up(kTarget, D, c.size, c.options);
  for (std::size_t i = 0; i < c.script.size(); ++i) {
    const auto& x = c.script[i];
    ASSERT_EQ(up.state(), BlobUpload::State::Pending) << "step " << i;
    const auto req = up.Next();
    EXPECT_EQ(req.method, x.method) << "step " << i;
    EXPECT_EQ(req.url, x.url) << "step " << i;
    EXPECT_EQ(req.purpose, x.purpose) << "step " << i;
    if (req.has_body) {
      EXPECT_EQ(req.body_offset, x.body_offset) << "step " << i;
      EXPECT_EQ(req.body_length, x.body_length) << "step " << i;
    }
    if (x.interrupted) up.OnInterrupted();
    else up.OnResponse(x.response);
  }
  EXPECT_EQ(up.state(), c.end);
  EXPECT_EQ(up.mounted(), c.mounted);
  if (!c.error_code.empty()) {
    EXPECT_EQ(up.error().code, c.error_code);
    EXPECT_EQ(up.error().side, Side::Target);
  }
}

const std::string U = "http://localhost:5000/v2/team/app/blobs/uploads/";
const std::string S1 = "http://localhost:5000/v2/team/app/blobs/uploads/s1?_state=1";
const std::string S2 = "http://localhost:5000/v2/team/app/blobs/uploads/s1?_state=2";
const std::string S3 = "http://localhost:5000/v2/team/app/blobs/uploads/s1?_state=3";
const Headers kOpen{{"Location", "/v2/team/app/blobs/uploads/s1?_state=1"}, {"Range", "0-0"}};
const Headers kCommitted{{"Docker-Content-Digest", D}};

BlobUploadOptions Chunked(std::int64_t chunk, std::string from = "") {
  BlobUploadOptions o;
  o.chunk_size = chunk;
  o.single_put_max = 0;
  o.mount_from = std::move(from);
  return o;
}

INSTANTIATE_TEST_SUITE_P(
    Upload, PushesBlobs,
    ::testing::Values(
        UploadCase{"small_blob_in_one_put", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201, kCommitted), 0, 10}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"mounted_from_another_repository", 10, Chunked(4, "team/base"), {
            {"POST", U + "?mount=" + D + "&from=team/base", "mount", Resp(201, kCommitted)}},
          BlobUpload::State::Done, true, ""},
        UploadCase{"mount_refused_falls_back_to_upload", 10, {"team/base"}, {
            {"POST", U + "?mount=" + D + "&from=team/base", "mount", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201, kCommitted), 0, 10}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"mount_error_falls_back_to_a_new_session", 10, {"team/base"}, {
            {"POST", U + "?mount=" + D + "&from=team/base", "mount", Resp(404)},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201, kCommitted), 0, 10}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"chunks_use_the_latest_location_and_range", 10, Chunked(4), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-3"}}), 0, 4},
            {"PATCH", S2, "chunk", Resp(202, {{"Location", S3}, {"Range", "0-7"}}), 4, 4},
            {"PATCH", S3, "chunk", Resp(202, {{"Location", S1}, {"Range", "0-9"}}), 8, 2},
            {"PUT", S1 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"interrupted_chunk_resumes_where_the_registry_says", 10, Chunked(4), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-3"}}), 0, 4},
            {"PATCH", S2, "chunk", {}, 4, 4, true},
            {"GET", S2, "status", Resp(204, {{"Location", S3}, {"Range", "0-5"}})},
            {"PATCH", S3, "chunk", Resp(202, {{"Location", S1}, {"Range", "0-9"}}), 6, 4},
            {"PUT", S1 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"status_of_an_empty_session_resumes_from_zero", 10, Chunked(8), {
            // docker-registry answers "0-0" for an empty session (and for one byte): the first
            // chunk was lost (a 503 or a cut connection), so it is sent again from byte 0.
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", {}, 0, 8, true},
            {"GET", S1, "status", Resp(204, {{"Location", S2}, {"Range", "0-0"}})},
            {"PATCH", S2, "chunk", Resp(202, {{"Range", "0-7"}}), 0, 8},
            {"PATCH", S2, "chunk", Resp(202, {{"Range", "0-9"}}), 8, 2},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"expired_session_starts_over", 10, Chunked(8), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", {}, 0, 8, true},
            {"GET", S1, "status", Resp(404, {}, R"({"errors":[{"code":"BLOB_UPLOAD_UNKNOWN"}]})")},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Range", "0-7"}}), 0, 8},
            {"PATCH", S1, "chunk", Resp(202, {{"Range", "0-9"}}), 8, 2},
            {"PUT", S1 + "&digest=" + D, "finish", Resp(201)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"interrupted_single_put_reopens_a_session", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", {}, 0, 10, true},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201), 0, 10}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"digest_rejected_after_an_interruption_sends_the_blob_again", 10, Chunked(8), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", {}, 0, 8, true},
            {"GET", S1, "status", Resp(204, {{"Range", "0-7"}})},
            {"PATCH", S1, "chunk", Resp(202, {{"Range", "0-9"}}), 8, 2},
            {"PUT", S1 + "&digest=" + D, "finish", Resp(400, {}, R"({"errors":[{"code":"DIGEST_INVALID"}]})")},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Range", "0-7"}}), 0, 8},
            {"PATCH", S1, "chunk", Resp(202, {{"Range", "0-9"}}), 8, 2},
            {"PUT", S1 + "&digest=" + D, "finish", Resp(201)}},
          BlobUpload::State::Done, false, ""},
        // Registry dialects (each seen in public threads; see the header).
        UploadCase{"ecr_201_to_a_chunk_counts_as_202", 10, Chunked(8), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(201, {{"Location", S2}, {"Range", "0-7"}}), 0, 8},
            {"PATCH", S2, "chunk", Resp(201, {{"Location", S3}, {"Range", "0-9"}}), 8, 2},
            {"PUT", S3 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"ecr_discarded_second_chunk_falls_back_to_the_whole_blob_in_one_patch", 10, Chunked(4), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(201, {{"Location", S2}, {"Range", "0-3"}}), 0, 4},
            {"PATCH", S2, "chunk", Resp(201, {{"Location", S3}, {"Range", "0-3"}}), 4, 4},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(201, {{"Location", S2}, {"Range", "0-9"}}), 0, 10},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"gar_refused_second_chunk_falls_back_to_the_whole_blob_in_one_patch", 10, Chunked(4), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-3"}}), 0, 4},
            {"PATCH", S2, "chunk", Resp(400, {}, R"({"errors":[{"code":"BLOB_UPLOAD_INVALID"}]})"), 4, 4},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-9"}}), 0, 10},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"whole_blob_refused_too_is_an_error_naming_the_chunk", 10, Chunked(4), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-3"}}), 0, 4},
            {"PATCH", S2, "chunk", Resp(400), 4, 4},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(400), 0, 10}},
          BlobUpload::State::Failed, false, "BAD_REQUEST"},
        UploadCase{"artifactory_refused_monolithic_put_goes_as_one_patch", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(405), 0, 10},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-9"}}), 0, 10},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"artifactory_404_blob_unknown_to_a_monolithic_put_goes_as_one_patch", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(404, {}, R"({"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]})"), 0, 10},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-9"}}), 0, 10},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"s3_minimum_chunk_length_is_honoured", 10, Chunked(2), {
            {"POST", U, "start", Resp(202, {{"Location", S1}, {"OCI-Chunk-Min-Length", "6"}})},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-5"}}), 0, 6},
            {"PATCH", S2, "chunk", Resp(202, {{"Location", S3}, {"Range", "0-9"}}), 6, 4},
            {"PUT", S3 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"harbor_401_to_a_mount_falls_back_to_upload", 10, {"team/base"}, {
            {"POST", U + "?mount=" + D + "&from=team/base", "mount", Resp(401, {}, R"({"errors":[{"code":"UNAUTHORIZED"}]})")},
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201, kCommitted), 0, 10}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"a_registry_known_to_want_whole_blobs_gets_one_patch_at_once", 10, [] {
            BlobUploadOptions o = Chunked(4);
            o.whole = true;
            return o;
          }(), {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PATCH", S1, "chunk", Resp(202, {{"Location", S2}, {"Range", "0-9"}}), 0, 10},
            {"PUT", S2 + "&digest=" + D, "finish", Resp(201, kCommitted)}},
          BlobUpload::State::Done, false, ""},
        UploadCase{"denied_push_is_a_target_error", 10, {}, {
            {"POST", U, "start", Resp(403, {}, R"({"errors":[{"code":"DENIED","message":"denied"}]})")}},
          BlobUpload::State::Failed, false, "DENIED"},
        UploadCase{"digest_rejected_by_registry", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(400, {}, R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match uploaded content"}]})"), 0, 10}},
          BlobUpload::State::Failed, false, "DIGEST_INVALID"},
        UploadCase{"registry_reports_another_digest", 10, {}, {
            {"POST", U, "start", Resp(202, kOpen)},
            {"PUT", S1 + "&digest=" + D, "whole", Resp(201, {{"Docker-Content-Digest", "sha256:" + std::string(64, 'e')}}), 0, 10}},
          BlobUpload::State::Failed, false, "DIGEST_MISMATCH"},
        UploadCase{"session_without_location", 10, {}, {
            {"POST", U, "start", Resp(202)}},
          BlobUpload::State::Failed, false, "LOCATION_INVALID"}),
    [](const auto& info) { return std::string(info.param.label); });

struct CommitDigestCase {
  const char* label;
  std::string blob;    // the digest the blob is pushed under
  std::string stored;  // the registry's Docker-Content-Digest
  BlobUpload::State end;
};

class ComparesCommittedDigests : public ::testing::TestWithParam<CommitDigestCase> {};

TEST_P(ComparesCommittedDigests, OnlyUnderTheSameAlgorithm) {
  const auto& c = GetParam();
  BlobUpload up(kTarget, c.blob, 10, {});
  up.OnResponse(Resp(202, kOpen));
  EXPECT_EQ(up.Next().url, S1 + "&digest=" + c.blob);
  up.OnResponse(Resp(201, {{"Docker-Content-Digest", c.stored}}));
  EXPECT_EQ(up.state(), c.end);
  if (c.end == BlobUpload::State::Failed) EXPECT_EQ(up.error().code, "DIGEST_MISMATCH");
}

const std::string D512 = "sha512:" + std::string(128, '5');
const std::string D384 = "sha384:" + std::string(96, '3');

INSTANTIATE_TEST_SUITE_P(
    Upload, ComparesCommittedDigests,
    ::testing::Values(
        // docker-registry 2.8 stores a blob pushed as sha512:… under its sha256 and says so.
        CommitDigestCase{"sha512_blob_stored_as_canonical_sha256", D512, D, BlobUpload::State::Done},
        CommitDigestCase{"sha384_blob_stored_as_canonical_sha256", D384, D, BlobUpload::State::Done},
        CommitDigestCase{"sha512_blob_stored_as_itself", D512, D512, BlobUpload::State::Done},
        CommitDigestCase{"sha512_blob_stored_as_another_sha512", D512, "sha512:" + std::string(128, '6'),
                         BlobUpload::State::Failed},
        CommitDigestCase{"sha256_blob_stored_as_another_sha256", D, "sha256:" + std::string(64, 'e'),
                         BlobUpload::State::Failed}),
    [](const auto& info) { return std::string(info.param.label); });

TEST(Upload, RangeHeaders) {
  EXPECT_EQ(NextOffsetFromRange("0-1023"), 1024);
  EXPECT_EQ(NextOffsetFromRange("bytes=0-0"), 1);
  EXPECT_EQ(NextOffsetFromRange(""), std::nullopt);
  EXPECT_EQ(NextOffsetFromRange("0-"), std::nullopt);
  EXPECT_EQ(NextOffsetFromRange("0-x"), std::nullopt);
}

TEST(Upload, ChunkRequestsCarryContentRange) {
  BlobUpload up(kTarget, D, 10, Chunked(4));
  up.OnResponse(Resp(202, kOpen));
  const auto req = up.Next();
  EXPECT_EQ(HeaderValue(req.headers, "content-range"), "0-3");
  EXPECT_EQ(HeaderValue(req.headers, "Content-Length"), "4");
}

}  // namespace
}  // namespace irel
