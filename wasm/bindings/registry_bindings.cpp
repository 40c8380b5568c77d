// Bindings of the registry protocol pieces: endpoints, auth challenges, errors, blob uploads and
// the image walk. JavaScript performs every request these describe.
#include <emscripten/bind.h>

#include <memory>

#include "convert.hpp"
#include "irel/auth_challenge.hpp"
#include "irel/blob_upload.hpp"
#include "irel/digest.hpp"
#include "irel/digest_verifier.hpp"
#include "irel/hash.hpp"
#include "irel/image_walk.hpp"
#include "irel/manifest.hpp"
#include "irel/media_type.hpp"
#include "irel/registry_endpoint.hpp"
#include "irel/registry_error.hpp"
#include "irel/transfer_plan.hpp"
#include "irel/transfer_schedule.hpp"

namespace irel::bindings {
namespace {

Side ToSide(const std::string& s) {
  return s == "source" ? Side::Source : s == "target" ? Side::Target : Side::None;
}

val EndpointObject(const Endpoint& e) {
  val out = OkObject();
  out.set("registry", e.registry);
  out.set("baseUrl", e.base_url);
  out.set("repository", e.repository);
  out.set("plainHttpAllowed", e.plain_http_allowed);
  out.set("plainBaseUrl", e.PlainBaseUrl());
  return out;
}

val ResolveEndpoint(const std::string& ref_text, const val& insecure) {
  const auto ref = ParseReference(ref_text);
  if (!ref) return ErrorObject(ref.error());
  val out = EndpointObject(EndpointFor(*ref, TransportPolicy{ToStrings(insecure)}));
  out.set("tag", ref->tag);
  out.set("digest", ref->digest);
  out.set("reference", ref->String());
  return out;
}

Endpoint ToEndpoint(const val& e) {
  return Endpoint{e["registry"].as<std::string>(), e["baseUrl"].as<std::string>(), e["repository"].as<std::string>()};
}

val EndpointUrls(const val& e, const std::string& what, const std::string& arg, const std::string& arg2) {
  const Endpoint ep = ToEndpoint(e);
  if (what == "manifest") return val(ep.ManifestUrl(arg));
  if (what == "blob") return val(ep.BlobUrl(arg));
  if (what == "mount") return val(ep.MountUrl(arg, arg2));
  if (what == "tags") return val(ep.TagsUrl());
  if (what == "referrers") return val(ep.ReferrersUrl(arg, arg2));
  return val(ep.PingUrl());
}

val ParseChallenges(const std::string& header) {
  const auto r = ParseAuthChallenges(header);
  if (!r) return ErrorObject(r.error());
  val list = val::array();
  for (const auto& c : *r) {
    val params = val::object();
    for (const auto& [k, v] : c.params) params.set(k, v);
    val ch = val::object();
    ch.set("scheme", c.scheme);
    ch.set("params", params);
    list.call<void>("push", ch);
  }
  val out = OkObject();
  out.set("challenges", list);
  return out;
}

val BuildTokenUrl(const val& challenge, const val& scopes) {
  AuthChallenge c{challenge["scheme"].as<std::string>(), {}};
  const val keys = val::global("Object").call<val>("keys", challenge["params"]);
  for (unsigned i = 0; i < keys["length"].as<unsigned>(); ++i) {
    const auto k = keys[i].as<std::string>();
    c.params[k] = challenge["params"][k].as<std::string>();
  }
  const auto url = TokenUrl(c, ToStrings(scopes));
  if (!url) return ErrorObject(url.error());
  val out = OkObject();
  out.set("url", *url);
  return out;
}

val ReadToken(const std::string& body) {
  const auto t = ParseTokenResponse(body);
  if (!t) return ErrorObject(t.error());
  val out = OkObject();
  out.set("token", t->token);
  out.set("expiresIn", static_cast<double>(t->expires_in));
  return out;
}

val MakeRegistryError(int status, const std::string& body, const std::string& side, const std::string& method,
                      const std::string& host, const std::string& what) {
  return ErrorObject(RegistryError(status, body, RegistryExchange{ToSide(side), method, host, what}));
}

val Resolve(const std::string& request_url, const std::string& location) {
  const auto r = ResolveLocation(request_url, location);
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("url", *r);
  return out;
}

val ReadManifest(const std::string& bytes, const std::string& content_type) {
  const auto m = ParseManifest(bytes, content_type);
  if (!m) return ErrorObject(m.error());
  val out = OkObject();
  out.set("mediaType", m->media_type);
  out.set("kind", std::string(m->kind == ManifestKind::Index ? "index" : "image"));
  if (m->config) out.set("config", DescriptorObject(*m->config));
  val layers = val::array();
  for (const auto& d : m->layers) layers.call<void>("push", DescriptorObject(d));
  out.set("layers", layers);
  val manifests = val::array();
  for (const auto& d : m->manifests) manifests.call<void>("push", DescriptorObject(d));
  out.set("manifests", manifests);
  if (m->subject) out.set("subject", DescriptorObject(*m->subject));
  if (!m->artifact_type.empty()) out.set("artifactType", m->artifact_type);
  return out;
}

val CheckPlatform(const std::string& text) {
  const auto p = ParsePlatform(text);
  if (!p) return ErrorObject(p.error());
  val out = OkObject();
  out.set("platform", p->String());
  return out;
}

// --- classes ---------------------------------------------------------------------------------

class Upload {
 public:
  // options: { mountFrom, chunkSize, singlePutMax, whole }
  Upload(const val& endpoint, const std::string& digest, double size, const val& options)
      : up_(ToEndpoint(endpoint), digest, static_cast<std::int64_t>(size),
            BlobUploadOptions{options["mountFrom"].as<std::string>(), static_cast<std::int64_t>(options["chunkSize"].as<double>()),
                              static_cast<std::int64_t>(options["singlePutMax"].as<double>()), options["whole"].as<bool>()}) {}

  std::string state() const {
    switch (up_.state()) {
      case BlobUpload::State::Pending: return "pending";
      case BlobUpload::State::Done: return "done";
      case BlobUpload::State::Failed: return "failed";
    }
    return "";
  }
  bool mounted() const { return up_.mounted(); }
  std::string strategy() const { return up_.strategy(); }
  double committed() const { return static_cast<double>(up_.committed()); }
  val error() const { return ErrorObject(up_.error())["error"]; }

  val next() const {
    const auto r = up_.Next();
    val out = val::object();
    out.set("method", r.method);
    out.set("url", r.url);
    out.set("headers", HeadersObject(r.headers));
    out.set("hasBody", r.has_body);
    out.set("bodyOffset", static_cast<double>(r.body_offset));
    out.set("bodyLength", static_cast<double>(r.body_length));
    out.set("purpose", r.purpose);
    return out;
  }
  void onResponse(int status, const val& headers, const std::string& body) {
    up_.OnResponse(HttpResponse{status, ToHeaders(headers), body});
  }
  void onInterrupted() { up_.OnInterrupted(); }

 private:
  BlobUpload up_;
};

class Walk {
 public:
  Walk(const val& platforms, bool include_nondistributable) {
    for (const auto& p : ToStrings(platforms)) {
      const auto parsed = ParsePlatform(p);
      if (parsed) options_.platforms.push_back(*parsed);
    }
    options_.include_nondistributable = include_nondistributable;
    walk_ = ImageWalk(options_);
  }

  val addRoot(const std::string& digest, const std::string& media_type, const std::string& bytes) {
    return Children(walk_.AddRoot(digest, media_type, bytes));
  }
  val addChild(const val& descriptor, const std::string& bytes) {
    return Children(walk_.AddChild(ToDescriptor(descriptor), bytes));
  }
  val blobs() const {
    val out = val::array();
    for (const auto& b : walk_.Blobs()) {
      val d = DescriptorObject(b.descriptor);
      d.set("foreign", b.foreign);
      out.call<void>("push", d);
    }
    return out;
  }
  val pushOrder() const {
    val out = val::array();
    for (const auto& n : walk_.PushOrder()) {
      val o = val::object();
      o.set("digest", n.digest);
      o.set("mediaType", n.media_type);
      o.set("bytes", Bytes(n.bytes));
      o.set("depth", n.depth);
      o.set("height", n.height);
      out.call<void>("push", o);
    }
    return out;
  }
  val summary() const {
    val out = val::object();
    out.set("rootDigest", walk_.root_digest());
    out.set("sourceRootDigest", walk_.source_root_digest());
    out.set("rootRewritten", walk_.root_rewritten());
    val platforms = val::array();
    for (const auto& p : walk_.selected_platforms()) platforms.call<void>("push", p);
    out.set("platforms", platforms);
    out.set("totalBlobBytes", static_cast<double>(walk_.total_blob_bytes()));
    return out;
  }

 private:
  static val Children(const Result<std::vector<Descriptor>>& r) {
    if (!r) return ErrorObject(r.error());
    val list = val::array();
    for (const auto& d : *r) list.call<void>("push", DescriptorObject(d));
    val out = OkObject();
    out.set("children", list);
    return out;
  }

  ImageWalkOptions options_;
  ImageWalk walk_;
  friend class Planner;
};

// The transfer plan: images added from their walks, existence questions out, answers in, and the
// plan back as JSON (it is data: printed by dry runs, run by the executor).
class Planner {
 public:
  int addImage(const val& spec, const Walk& walk) {
    PlanImageSpec s;
    s.source = spec["source"].as<std::string>();
    s.target = spec["target"].as<std::string>();
    s.tag = spec["tag"].as<std::string>();
    s.target_registry = spec["targetRegistry"].as<std::string>();
    s.target_repository = spec["targetRepository"].as<std::string>();
    s.mount_from = spec["mountFrom"].isString() ? spec["mountFrom"].as<std::string>() : "";
    return planner_.AddImage(s, walk.walk_);
  }
  void answerRoot(int image, bool present, bool tagged) { planner_.AnswerRoot(image, present, tagged); }
  val pendingChecks() const {
    val out = val::array();
    for (const auto& c : planner_.PendingChecks()) {
      val o = DescriptorObject(c.descriptor);
      o.set("image", c.image);
      out.call<void>("push", o);
    }
    return out;
  }
  void answerBlob(int image, const std::string& digest, bool present) { planner_.AnswerBlob(image, digest, present); }
  val build() const {
    const auto plan = planner_.Build();
    if (!plan) return ErrorObject(plan.error());
    val out = OkObject();
    out.set("json", PlanJson(*plan));
    return out;
  }

 private:
  TransferPlanner planner_;
};

// Which blob transfers to start next (transfer_schedule.hpp): limits { maxJobs, maxBytes, smallBytes }.
class Schedule {
 public:
  explicit Schedule(const val& limits) : schedule_(Limits(limits)) {}
  int add(double size) { return schedule_.Add(static_cast<std::int64_t>(size)); }
  val start() {
    val out = val::array();
    for (int id : schedule_.Start()) out.call<void>("push", id);
    return out;
  }
  void done(int id) { schedule_.Done(id); }
  int running() const { return schedule_.running(); }
  bool finished() const { return schedule_.finished(); }

 private:
  static ScheduleLimits Limits(const val& v) {
    ScheduleLimits l;
    if (v.isUndefined() || v.isNull()) return l;
    if (!v["maxJobs"].isUndefined()) l.max_jobs = v["maxJobs"].as<int>();
    if (!v["maxBytes"].isUndefined()) l.max_bytes = static_cast<std::int64_t>(v["maxBytes"].as<double>());
    if (!v["smallBytes"].isUndefined()) l.small_bytes = static_cast<std::int64_t>(v["smallBytes"].as<double>());
    if (!v["maxSmallJobs"].isUndefined()) l.max_small_jobs = v["maxSmallJobs"].as<int>();
    return l;
  }
  TransferSchedule schedule_;
};

// Bytes reach the hasher through a view of its own buffer (JavaScript copies with
// Uint8Array.set), which is far faster than Embind's per-byte std::string conversion. JavaScript
// checks the algorithm first (checkHashAlgorithm); an unsupported one hashes nothing and gives "".
class Hasher {
 public:
  explicit Hasher(const std::string& algorithm) : buf_(1 << 20) {
    auto h = DigestHash::Create(algorithm);
    if (h) h_ = std::make_unique<DigestHash>(std::move(h).value());
  }
  void update(const std::string& bytes) {
    if (h_) h_->Update(bytes);
  }
  val view() const { return val(emscripten::typed_memory_view(buf_.size(), buf_.data())); }
  void updateView(std::size_t n) {
    if (h_) h_->Update(buf_.data(), std::min(n, buf_.size()));
  }
  std::string digest() { return h_ ? h_->FinishDigest() : ""; }

 private:
  std::vector<std::uint8_t> buf_;
  std::unique_ptr<DigestHash> h_;
};

// {ok} when content can be hashed under `algorithm`, else the DIGEST_ALGORITHM_UNSUPPORTED error.
val CheckHashAlgorithm(const std::string& algorithm) {
  if (DigestAlgorithmSupported(algorithm)) return OkObject();
  return ErrorObject(UnsupportedDigestAlgorithm(algorithm));
}

// {ok, algorithm} for a digest content is about to be checked against; DIGEST_INVALID or
// DIGEST_ALGORITHM_UNSUPPORTED otherwise.
val DigestToVerify(const std::string& digest) {
  const auto d = ParseDigestToVerify(digest);
  if (!d) return ErrorObject(d.error());
  val out = OkObject();
  out.set("algorithm", d->algorithm);
  return out;
}

// The verdict on content hashed in JavaScript (DigestVerifier::Judge): {ok, digest}, or
// SIZE_MISMATCH / DIGEST_MISMATCH naming the side, the object, the actual and expected digests.
// expectedSize < 0: not checked.
val JudgeDigest(const std::string& expected, double expected_size, const std::string& actual, double actual_size,
                const std::string& what, const std::string& side) {
  const auto d = ParseDigestToVerify(expected);
  if (!d) {
    auto e = d.error();
    e.side = ToSide(side);
    return ErrorObject(e);
  }
  const auto r = DigestVerifier::Judge(*d, static_cast<std::int64_t>(expected_size), actual,
                                       static_cast<std::uint64_t>(actual_size), what, ToSide(side));
  if (!r) return ErrorObject(r.error());
  val out = OkObject();
  out.set("digest", *r);
  return out;
}

// One-shot "algorithm:hex" of bytes ("" for an unsupported algorithm).
std::string HashBytes(const std::string& algorithm, const std::string& bytes) {
  const auto r = HashDigest(algorithm, bytes);
  return r ? *r : "";
}

std::string Accept() { return std::string(media_type::ManifestAccept()); }
std::string Sha256Digest(const std::string& bytes) { return "sha256:" + Sha256Hex(bytes); }

}  // namespace
}  // namespace irel::bindings

EMSCRIPTEN_BINDINGS(irel_registry) {
  using namespace irel::bindings;
  emscripten::function("resolveEndpoint", &ResolveEndpoint);
  emscripten::function("endpointUrl", &EndpointUrls);
  emscripten::function("parseAuthChallenges", &ParseChallenges);
  emscripten::function("tokenUrl", &BuildTokenUrl);
  emscripten::function("parseTokenResponse", &ReadToken);
  emscripten::function("registryError", &MakeRegistryError);
  emscripten::function("isRetryableStatus", &irel::IsRetryableStatus);
  emscripten::function("resolveLocation", &Resolve);
  emscripten::function("parseManifest", &ReadManifest);
  emscripten::function("parsePlatform", &CheckPlatform);
  emscripten::function("manifestAccept", &Accept);
  emscripten::function("sha256Digest", &Sha256Digest);
  emscripten::function("hashDigest", &HashBytes);
  emscripten::function("checkHashAlgorithm", &CheckHashAlgorithm);
  emscripten::function("digestToVerify", &DigestToVerify);
  emscripten::function("judgeDigest", &JudgeDigest);
  emscripten::class_<Upload>("BlobUpload")
      .constructor<const emscripten::val&, const std::string&, double, const emscripten::val&>()
      .function("state", &Upload::state)
      .function("strategy", &Upload::strategy)
      .function("mounted", &Upload::mounted)
      .function("committed", &Upload::committed)
      .function("error", &Upload::error)
      .function("next", &Upload::next)
      .function("onResponse", &Upload::onResponse)
      .function("onInterrupted", &Upload::onInterrupted);
  emscripten::class_<Schedule>("TransferSchedule")
      .constructor<const val&>()
      .function("add", &Schedule::add)
      .function("start", &Schedule::start)
      .function("done", &Schedule::done)
      .function("running", &Schedule::running)
      .function("finished", &Schedule::finished);
  emscripten::class_<Planner>("TransferPlanner")
      .constructor<>()
      .function("addImage", &Planner::addImage)
      .function("answerRoot", &Planner::answerRoot)
      .function("pendingChecks", &Planner::pendingChecks)
      .function("answerBlob", &Planner::answerBlob)
      .function("build", &Planner::build);
  emscripten::class_<Walk>("ImageWalk")
      .constructor<const emscripten::val&, bool>()
      .function("addRoot", &Walk::addRoot)
      .function("addChild", &Walk::addChild)
      .function("blobs", &Walk::blobs)
      .function("pushOrder", &Walk::pushOrder)
      .function("summary", &Walk::summary);
  emscripten::class_<Hasher>("DigestHash")
      .constructor<const std::string&>()
      .function("update", &Hasher::update)
      .function("view", &Hasher::view)
      .function("updateView", &Hasher::updateView)
      .function("digest", &Hasher::digest);
}
