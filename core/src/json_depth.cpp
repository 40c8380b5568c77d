#include "irel/json_depth.hpp"

namespace irel {

bool JsonNestedTooDeep(std::string_view text, std::size_t max) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // the escaped character, a quote or a backslash included, cannot end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max) return true;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced: invalid JSON, the parser says so
        break;
      default: break;
    }
  }
  return false;
}

std::string JsonTooDeepDetail(std::size_t max) { return "nested deeper than " + std::to_string(max) + " levels"; }

}  // namespace irel
