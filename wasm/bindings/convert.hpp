#pragma once
// Conversions shared by the binding files: C++ results to plain JavaScript objects and back.
// Bytes travel as Uint8Array (never as JS strings, which would re-encode them).
#include <emscripten/val.h>

#include <string>
#include <vector>

#include "irel/error.hpp"
#include "irel/http_exchange.hpp"
#include "irel/manifest.hpp"

namespace irel::bindings {

using emscripten::val;

inline val ErrorObject(const Error& e) {
  val err = val::object();
  err.set("code", e.code);
  err.set("message", e.message);
  err.set("side", std::string(SideName(e.side)));
  val out = val::object();
  out.set("ok", false);
  out.set("error", err);
  return out;
}

inline val OkObject() {
  val out = val::object();
  out.set("ok", true);
  return out;
}

inline val Bytes(const std::string& s) {
  return val(emscripten::typed_memory_view(s.size(), reinterpret_cast<const unsigned char*>(s.data())))
      .call<val>("slice");
}

inline Headers ToHeaders(const val& pairs) {
  Headers out;
  if (pairs.isUndefined() || pairs.isNull()) return out;
  const auto n = pairs["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) {
    const val pair = pairs[i];
    out.emplace_back(pair[0].as<std::string>(), pair[1].as<std::string>());
  }
  return out;
}

inline val HeadersObject(const Headers& headers) {
  val out = val::array();
  for (const auto& [k, v] : headers) {
    val pair = val::array();
    pair.call<void>("push", k);
    pair.call<void>("push", v);
    out.call<void>("push", pair);
  }
  return out;
}

// A JavaScript array of strings (undefined or null: none).
inline std::vector<std::string> ToStrings(const val& arr) {
  std::vector<std::string> out;
  if (arr.isUndefined() || arr.isNull()) return out;
  const auto n = arr["length"].as<unsigned>();
  for (unsigned i = 0; i < n; ++i) out.push_back(arr[i].as<std::string>());
  return out;
}

inline val PlatformObject(const Platform& p) {
  val out = val::object();
  out.set("os", p.os);
  out.set("architecture", p.architecture);
  if (!p.variant.empty()) out.set("variant", p.variant);
  if (!p.os_version.empty()) out.set("osVersion", p.os_version);
  return out;
}

inline val DescriptorObject(const Descriptor& d) {
  val out = val::object();
  out.set("mediaType", d.media_type);
  out.set("digest", d.digest);
  out.set("size", static_cast<double>(d.size));
  if (!d.urls.empty()) {
    val urls = val::array();
    for (const auto& u : d.urls) urls.call<void>("push", u);
    out.set("urls", urls);
  }
  if (d.platform) out.set("platform", PlatformObject(*d.platform));
  if (!d.artifact_type.empty()) out.set("artifactType", d.artifact_type);
  if (!d.annotations.empty()) {
    val a = val::object();
    for (const auto& [k, v] : d.annotations) a.set(k, v);
    out.set("annotations", a);
  }
  return out;
}

inline Descriptor ToDescriptor(const val& obj) {
  Descriptor d;
  d.media_type = obj["mediaType"].as<std::string>();
  d.digest = obj["digest"].as<std::string>();
  d.size = static_cast<std::int64_t>(obj["size"].as<double>());
  return d;
}

}  // namespace irel::bindings
