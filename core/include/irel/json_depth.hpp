#pragma once
// A cheap check run before every JSON parse in the core: documents from registries, layouts and
// bundles are untrusted, and a few MB of "[[[[..." would otherwise reach nlohmann::json, whose
// parser copes but whose copies, comparisons and dump() recurse once per level (a stack overflow,
// soonest in WebAssembly's small stack). No real manifest, index, bundle or token nests deeper
// than a handful of levels.
#include <cstddef>
#include <string>
#include <string_view>

namespace irel {

inline constexpr std::size_t kMaxJsonDepth = 128;

// True when arrays and objects in `text` nest deeper than `max` levels. Brackets inside strings
// (escapes included) do not count; the text need not be valid JSON (the parser judges that).
bool JsonNestedTooDeep(std::string_view text, std::size_t max = kMaxJsonDepth);

// "nested deeper than 128 levels", for callers' messages.
std::string JsonTooDeepDetail(std::size_t max = kMaxJsonDepth);

}  // namespace irel
