#pragma once
// Percent-encoding for URL parts (RFC 3986): unreserved characters stay, and so do the `keep`
// characters the caller's context allows (":/" inside paths and digests).
#include <string>
#include <string_view>

namespace irel {

std::string PercentEncode(std::string_view text, std::string_view keep = {});

}  // namespace irel
