#include "irel/json_depth.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "irel/auth_challenge.hpp"
#include "irel/bundle.hpp"
#include "irel/image_walk.hpp"
#include "irel/manifest.hpp"
#include "irel/oci_layout.hpp"
#include "irel/registry_error.hpp"

namespace irel {
namespace {

// `levels` arrays ("[") or objects ("{\"a\":") around 1, closed: valid JSON.
std::string Nested(std::size_t levels, bool objects) {
  std::string out;
  out.reserve(levels * 6 + 1);
  for (std::size_t i = 0; i < levels; ++i) out += objects ? "{\"a\":" : "[";
  out += "1";
  out.append(levels, objects ? '}' : ']');
  return out;
}

TEST(JsonNestedTooDeep, CountsBracketsOutsideStringsOnly) {
  EXPECT_FALSE(JsonNestedTooDeep(""));
  EXPECT_FALSE(JsonNestedTooDeep(Nested(128, false)));
  EXPECT_TRUE(JsonNestedTooDeep(Nested(129, false)));
  EXPECT_FALSE(JsonNestedTooDeep(Nested(127, true)));
  EXPECT_TRUE(JsonNestedTooDeep(Nested(129, true)));
  EXPECT_FALSE(JsonNestedTooDeep(R"(["[[[[", "{{{{"])", 2));
  EXPECT_FALSE(JsonNestedTooDeep(R"(["\"[[[", "\\", "[[[["])", 2));  // escaped quote, escaped backslash
  EXPECT_TRUE(JsonNestedTooDeep(R"(["\\", [[1]]])", 2));               // the string ended at the quote
  EXPECT_FALSE(JsonNestedTooDeep("[]]]]]]]][[", 2));                   // unbalanced: the parser's business
  EXPECT_TRUE(JsonNestedTooDeep("[[[", 2));
  EXPECT_FALSE(JsonNestedTooDeep("[[[", 3));
  EXPECT_EQ(JsonTooDeepDetail(), "nested deeper than 128 levels");
}

// Every JSON parse entry point in the core, fed a document with `deep` inside where a value may be.
struct EntryPoint {
  const char* label;
  std::function<std::optional<Error>(const std::string& deep)> parse;
  std::string code;  // the parser's own invalid code
};

template <class T>
std::optional<Error> ErrorOf(const Result<T>& r) {
  if (r.ok()) return std::nullopt;
  return r.error();
}

const std::string kIndexHead = R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"x":)";
const std::string kBundleHead = R"({"schemaVersion":"v1.0.0","name":"b","version":"1","custom":)";

const std::vector<EntryPoint>& EntryPoints() {
  static const std::vector<EntryPoint> all = {
      {"manifest", [](const std::string& deep) { return ErrorOf(ParseManifest(kIndexHead + deep + "}", "")); },
       "MANIFEST_INVALID"},
      {"image_walk", [](const std::string& deep) {
         ImageWalk walk;
         return ErrorOf(walk.AddRoot("sha256:" + std::string(64, 'a'), "", kIndexHead + deep + "}"));
       }, "MANIFEST_INVALID"},
      {"bundle", [](const std::string& deep) { return ErrorOf(ParseBundle(kBundleHead + deep + "}")); },
       "BUNDLE_INVALID"},
      {"relocation_mapping", [](const std::string& deep) {
         return ErrorOf(CheckMapping(Bundle{}, R"({"x":)" + deep + "}"));
       }, "MAPPING_INVALID"},
      {"oci_layout_file", [](const std::string& deep) {
         return ErrorOf(CheckOciLayoutFile(R"({"imageLayoutVersion":"1.0.0","x":)" + deep + "}"));
       }, "LAYOUT_INVALID"},
      {"layout_index_add", [](const std::string& deep) {
         Descriptor d{"application/vnd.oci.image.manifest.v1+json", "sha256:" + std::string(64, 'b'), 1};
         return ErrorOf(AddToLayoutIndex(kIndexHead + deep + "}", d, "n"));
       }, "LAYOUT_INVALID"},
      {"token_response", [](const std::string& deep) {
         return ErrorOf(ParseTokenResponse(R"({"token":"t","x":)" + deep + "}"));
       }, "AUTH_TOKEN_INVALID"},
  };
  return all;
}

struct DepthCase {
  const char* label;
  std::size_t levels;  // inside the document's top-level object: one level more in all
  bool objects;
  bool refused;
};

class RefusesDeepJson : public ::testing::TestWithParam<DepthCase> {};

TEST_P(RefusesDeepJson, AtEveryParseEntryPointQuicklyWithTheParsersCode) {
  const auto& c = GetParam();
  const std::string deep = Nested(c.levels, c.objects);
  for (const auto& entry : EntryPoints()) {
    SCOPED_TRACE(entry.label);
    const auto start = std::chrono::steady_clock::now();
    const auto error = entry.parse(deep);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
    if (!c.refused) {  // deeper than anything real, still within the limit: not refused for depth
      if (error) EXPECT_EQ(error->message.find("nested deeper"), std::string::npos) << error->message;
      continue;
    }
    ASSERT_TRUE(error.has_value());
    EXPECT_EQ(error->code, entry.code) << error->message;
    EXPECT_NE(error->message.find("nested deeper than 128 levels"), std::string::npos) << error->message;
  }
}

INSTANTIATE_TEST_SUITE_P(Json, RefusesDeepJson,
                         ::testing::Values(DepthCase{"arrays_1000000", 1000000, false, true},
                                           DepthCase{"objects_1000000", 1000000, true, true},
                                           DepthCase{"arrays_129_in_all", 128, false, true},
                                           DepthCase{"arrays_128_in_all", 127, false, false},
                                           DepthCase{"objects_128_in_all", 127, true, false}),
                         [](const auto& info) { return std::string(info.param.label); });

// An error body is only read for detail: nested too deep, it is not read, and the status tells.
TEST(RegistryError, ABodyNestedTooDeepIsNotReadTheStatusStillTells) {
  const auto body = [](std::size_t levels) {
    return R"({"errors":[{"code":"TEAPOT","message":"short and stout","detail":)" + Nested(levels, false) + "}]}";
  };
  const RegistryExchange x{Side::Target, "GET", "r.example", "manifest a:b"};
  EXPECT_EQ(RegistryError(400, body(3), x).code, "TEAPOT");
  const Error deep = RegistryError(400, body(1000000), x);
  EXPECT_EQ(deep.code, "BAD_REQUEST");
  EXPECT_NE(deep.message.find("answered 400 to GET manifest a:b"), std::string::npos) << deep.message;
}

}  // namespace
}  // namespace irel
