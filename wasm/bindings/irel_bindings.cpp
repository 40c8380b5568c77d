// Embind bindings: they only convert between C++ results and plain JavaScript objects.
// Shapes: {ok: true, ...fields} or {ok: false, error: {code, message, side}}.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <string>

#include "convert.hpp"
#include "irel/path_mapping.hpp"
#include "irel/reference.hpp"
#include "irel/registry_key.hpp"
#include "irel/repo_prefix.hpp"

namespace {

using emscripten::val;
using irel::bindings::ErrorObject;

val ReferenceObject(const irel::Reference& r) {
  val out = val::object();
  out.set("ok", true);
  out.set("name", r.Name());
  out.set("domain", r.domain);
  out.set("path", r.path);
  out.set("tag", r.tag);
  out.set("digest", r.digest);
  out.set("string", r.String());
  out.set("familiar", r.Familiar());
  val synonyms = val::array();
  for (const auto& s : r.Synonyms()) synonyms.call<void>("push", s);
  out.set("synonyms", synonyms);
  return out;
}

val ParseReference(const std::string& text) {
  const auto r = irel::ParseReference(text);
  return r ? ReferenceObject(*r) : ErrorObject(r.error());
}

val ParseRepoPrefix(const std::string& text) {
  const auto p = irel::ParseRepoPrefix(text);
  if (!p) return ErrorObject(p.error());
  val out = val::object();
  out.set("ok", true);
  out.set("prefix", p->text);
  return out;
}

val ParseRegistryKey(const std::string& text) {
  const auto k = irel::ParseRegistryKey(text);
  if (!k) return ErrorObject(k.error());
  val out = val::object();
  out.set("ok", true);
  out.set("registry", *k);
  return out;
}

// One call per reference; the prefix is re-validated each time because that costs less than a
// round trip through a bound class handle from JavaScript.
val MapReference(const std::string& prefix_text, const std::string& text, bool preserve) {
  const auto prefix = irel::ParseRepoPrefix(prefix_text);
  if (!prefix) return ErrorObject(prefix.error());
  const auto original = irel::ParseReference(text);
  if (!original) return ErrorObject(original.error());
  const auto mapped = preserve ? irel::FlattenRepoPathPreserveTagDigest(*prefix, *original)
                               : irel::FlattenRepoPath(*prefix, *original);
  if (!mapped) return ErrorObject(mapped.error());
  val out = val::object();
  out.set("ok", true);
  out.set("output", mapped->String());
  return out;
}

// Batch form for throughput: references joined with "\n" in, one result line each out:
// "=" + mapped reference, or "!" + code + "\t" + message. One boundary crossing per batch.
std::string MapLines(const std::string& prefix_text, const std::string& lines, bool preserve) {
  std::string out;
  const auto prefix = irel::ParseRepoPrefix(prefix_text);
  std::size_t start = 0;
  while (start <= lines.size()) {
    const auto end = std::min(lines.find('\n', start), lines.size());
    const std::string_view line(lines.data() + start, end - start);
    const auto original = prefix ? irel::ParseReference(line) : irel::Result<irel::Reference>(prefix.error());
    const auto mapped = !original ? original
                        : preserve ? irel::FlattenRepoPathPreserveTagDigest(*prefix, *original)
                                   : irel::FlattenRepoPath(*prefix, *original);
    if (mapped) {
      out += '=';
      out += mapped->String();
    } else {
      out += '!';
      out += mapped.error().code;
      out += '\t';
      out += mapped.error().message;
    }
    out += '\n';
    start = end + 1;
  }
  return out;
}

}  // namespace

EMSCRIPTEN_BINDINGS(irel) {
  emscripten::function("mapLines", &MapLines);
  emscripten::function("parseReference", &ParseReference);
  emscripten::function("parseRepoPrefix", &ParseRepoPrefix);
  emscripten::function("parseRegistryKey", &ParseRegistryKey);
  emscripten::function("mapReference", &MapReference);
}
