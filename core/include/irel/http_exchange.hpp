#pragma once
// Request descriptions emitted by the protocol state machines and the responses they consume.
// The core never performs I/O: JavaScript (fetch) or a test performs the request and reports back.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irel {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup of the first header with this name; empty when absent.
std::string_view HeaderValue(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method;
  std::string url;
  Headers headers;
  // The body is a byte range of the blob being transferred: [body_offset, body_offset+body_length).
  bool has_body = false;
  std::int64_t body_offset = 0;
  std::int64_t body_length = 0;
  std::string purpose;  // for progress and errors: "mount", "start", "chunk", "finish", "status"
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;  // error bodies and small documents only
};

}  // namespace irel
