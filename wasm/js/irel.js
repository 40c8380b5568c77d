// The environment-neutral API over the WebAssembly core. index.js (browsers, workers, bundlers)
// and node.js differ only in how they fetch the .wasm bytes.
import createIrelCore from '../dist/irel-core.js';
import { errorData, IrelError } from './errors.js';
import { copyImage } from './registry/copy.js';
import { imageDigest } from './registry/digest.js';
import { registrySource, registryTarget } from './registry/registry-place.js';
import { relocate } from './transfer/relocate.js';
import { checkBundleMapping, mapBundle, readBundle, relocateThinBundle } from './bundle/thin.js';
import { openBundle } from './bundle/open.js';
import { PrimedAnswers } from './registry/primed.js';
import { DEFAULT_RETRY } from './registry/retry.js';
import { VERSION } from './version.js';

// What only some calls need (relocating many images, describing, thick bundles, layouts, bundle
// export) is imported by those calls: every CLI run pays for the modules it loads (a copy with
// nothing to do takes ~0.1 s on loopback, and loading all of them was a third of it).

export class Irel {
  #core;
  #env;
  #transports = new Map();
  #tokens = new Map();
  #challenges = new Map(); // registry origin -> its last Bearer challenge (see RegistryClient)
  #schemes = new Map();
  #primed = new PrimedAnswers(); // the scheme probes' answers to first requests (primed.js)
  #uploadStrategies = new Map(); // registry -> 'whole' once it took a blob only as one PATCH
  #rateLimited = new Set(); // registry origins that sent RateLimit-* headers

  /** env: how this environment does I/O (transport, credentials, hashing); see index.js, node.js. */
  constructor(core, env) {
    this.#core = core;
    this.#env = env;
  }

  get version() {
    return VERSION;
  }

  /** Bytes of WebAssembly memory the core holds: its peak, since wasm memory never shrinks. */
  memoryBytes() {
    return this.#core.HEAPU8?.buffer.byteLength ?? 0;
  }

  /** Parses and normalizes an image reference; never throws for bad input. */
  parse(input) {
    const r = this.#core.parseReference(String(input));
    if (!r.ok) return { ok: false, input, error: errorData(r.error) };
    const { ok: _ok, ...reference } = r;
    return { ok: true, input, reference };
  }

  /** Like parse, but throws IrelError for bad input. */
  parseReference(input) {
    const r = this.parse(input);
    if (!r.ok) throw new IrelError(r.error);
    return r.reference;
  }

  /**
   * Where `irel copy` reads or writes an image, as skopeo names it: { ok, input, place:
   * { transport, path, name, reference, index } } or { ok: false, input, error }.
   */
  parsePlace(input) {
    const r = this.#core.parsePlace(String(input));
    if (!r.ok) return { ok: false, input, error: errorData(r.error) };
    const { ok: _ok, ...place } = r;
    return { ok: true, input, place };
  }

  normalize(input) {
    return this.parseReference(input).string;
  }

  familiar(input) {
    return this.parseReference(input).familiar;
  }

  /**
   * The registry credentials for `text` belong to, as image references name it: a URL or a
   * Docker config key ("https://index.docker.io/v1/" -> "docker.io", "https://R:5000/v2/" -> "r:5000").
   */
  registryKey(text) {
    const r = this.#core.parseRegistryKey(String(text));
    return r.ok ? { ok: true, registry: r.registry } : { ok: false, error: errorData(r.error) };
  }

  checkPrefix(prefix) {
    const r = this.#core.parseRepoPrefix(String(prefix));
    return r.ok ? { ok: true, prefix: r.prefix } : { ok: false, error: errorData(r.error) };
  }

  /**
   * Maps an image reference under a repository prefix. The tag and digest are kept unless
   * options.preserveTagDigest is false.
   */
  map(prefix, input, options = {}) {
    const preserve = options.preserveTagDigest !== false;
    const r = this.#core.mapReference(String(prefix), String(input), preserve);
    return r.ok ? { ok: true, input, output: r.output } : { ok: false, input, error: errorData(r.error) };
  }

  /** Like map, but throws IrelError. */
  mapReference(prefix, input, options) {
    const r = this.map(prefix, input, options);
    if (!r.ok) throw new IrelError(r.error);
    return r.output;
  }

  /** Maps many references in one call into the core (much faster than map() in a loop). */
  mapAll(prefix, inputs, options = {}) {
    const list = Array.from(inputs, String);
    const out = [];
    const preserve = options.preserveTagDigest !== false;
    for (let i = 0; i < list.length; i += 4096) {
      const batch = list.slice(i, i + 4096);
      // A newline inside an input would split it: such inputs are invalid anyway, map them alone.
      if (batch.some((x) => x.includes('\n'))) {
        for (const x of batch) out.push(this.map(prefix, x, options));
        continue;
      }
      const lines = this.#core.mapLines(String(prefix), batch.join('\n'), preserve).split('\n');
      for (let j = 0; j < batch.length; j++) {
        const line = lines[j];
        if (line[0] === '=') {
          out.push({ ok: true, input: batch[j], output: line.slice(1) });
        } else {
          const tab = line.indexOf('\t');
          out.push({ ok: false, input: batch[j], error: { code: line.slice(1, tab), message: line.slice(tab + 1) } });
        }
      }
    }
    return out;
  }

  /** The digest of the image or index `ref` names, as its registry serves it. */
  async digest(ref, options = {}) {
    return imageDigest(this.#context(options), ref, options);
  }

  /**
   * Copies the image or index `src` to `dst` with its digest preserved. Resolves to a summary:
   * { source, target, digest, sourceDigest, rewritten, platforms, manifests, blobs, bytes }.
   */
  async copy(src, dst, options = {}) {
    // Registry to registry (the common case) without loading the other places' modules.
    const registry = (t) => this.#core.parsePlace(String(t)).transport === 'docker';
    if (registry(src) && registry(dst) && !options.all && !options.archive) {
      const bare = (t) => String(t).replace(/^docker:\/\//, '');
      return copyImage(this.#context(options), bare(src), bare(dst), options);
    }
    const { copyPlaces } = await import('./transfer/copy-places.js');
    return copyPlaces(this.#context(options), this.#env, src, dst, options);
  }

  /**
   * The images of an image archive (an OCI archive, a docker save tarball), every blob verified:
   * { kind, images: [{ index, image, names, digest, mediaType, size, platforms, blobs, referrers }] }.
   * input: a path (Node) or { archive: () => source } (a fresh byte source per pass).
   */
  async describeArchive(input, options = {}) {
    const { describeImageArchive } = await import('./archive/image-archive.js');
    const { openArchive } = await import('./archive/archive-file.js');
    const bytes = this.#archiveBytes(input);
    return describeImageArchive(this.#context(options), () => openArchive(this.#core, bytes(), options.archiveLimits ?? {}), options);
  }

  /**
   * Copies images of an image archive: picks [{ index (as describeArchive lists them), target (a
   * registry reference, or oci:DIR[:NAME] in Node) }]. Resolves { images: [{ image, target,
   * digest, ... }], referrers?, archive }.
   */
  async copyArchive(input, picks, options = {}) {
    const { copyArchiveImages } = await import('./transfer/copy-places.js');
    const list = Array.from(picks);
    return copyArchiveImages(this.#context(options), this.#env, this.#archiveBytes(input), (images) => list.map((p) => {
      const entry = images[p.index];
      if (!entry) throw new IrelError({ code: 'ARCHIVE_IMAGE_NOT_FOUND', side: 'source', message: `the archive has no image ${p.index} (it has ${images.length})` });
      return { entry, target: String(p.target) };
    }), options);
  }

  #archiveBytes(input) {
    if (typeof input === 'string') {
      if (!this.#env.archiveFile) throw new IrelError({ code: 'UNSUPPORTED', message: 'archive paths need Node; pass { archive }' });
      return () => this.#env.archiveFile(input);
    }
    if (typeof input?.archive !== 'function') throw new TypeError('an archive is a path (Node) or { archive: () => source }');
    return input.archive;
  }

  /** One image looked up in its registry: { image, digest, mediaType, size, platforms, blobs }. */
  async describeImage(ref, options = {}) {
    const { describeImage } = await import('./transfer/describe-image.js');
    return describeImage(this.#context(options), String(ref), options);
  }

  /**
   * Relocates a list of images to their names under `prefix` (as `map` gives them), one after
   * another; one failing does not stop the others. Resolves { mapping (relocated images only),
   * json (the mapping file), images: [{ image, target, ok, digest, summary, error }], failed }.
   */
  async relocateImages(refs, prefix, options = {}) {
    const { relocateImages } = await import('./transfer/relocate-images.js');
    return relocateImages(this.#context(options), Array.from(refs, String), prefix, options);
  }

  /**
   * Opens a bundle: { json: bytes } (thin), { archive: () => source } (thick; source is
   * { read(max) -> Uint8Array, close() }, synchronous), or in Node a file path (either kind).
   * Returns { kind, json, info, map(prefix), relocate(prefix, options), check(mapping, options) }.
   */
  openBundle(input, options = {}) {
    const contextFor = (later) => this.#context({ ...options, ...later });
    if (typeof input === 'string') {
      if (!this.#env.bundleFile) throw new IrelError({ code: 'UNSUPPORTED', message: 'bundle paths need Node; pass { json } or { archive }' });
      return openBundle(contextFor, this.#env.bundleFile(input), options.archiveLimits);
    }
    return openBundle(contextFor, input, options.archiveLimits);
  }

  /** A bundle.json's name, version and images ({ image, imageType, contentDigest, relocatable }). */
  bundleInfo(bundleJson) {
    return readBundle(this.#core, bundleJson);
  }

  /** The relocation mapping { original: relocated } of a bundle.json under `prefix`; no network. */
  bundleMap(bundleJson, prefix) {
    return mapBundle(this.#core, bundleJson, prefix).mapping;
  }

  /** Copies every image of a thin bundle to its relocated name; resolves to { mapping, json, images }. */
  async bundleRelocate(bundleJson, prefix, options = {}) {
    return relocateThinBundle(this.#context(options), bundleJson, prefix, options);
  }

  /**
   * Checks a relocation mapping against a bundle: one verdict per image { image, relocated, ok,
   * problem }; with options.online, also that each relocated image exists with the bundle's digest.
   */
  async bundleCheck(bundleJson, mappingJson, options = {}) {
    return checkBundleMapping(this.#context(options), bundleJson, mappingJson, options);
  }

  /** Node: writes a thick bundle (.tgz: bundle.json + artifacts/layout/) from a thin bundle.json. */
  async bundleExport(bundleJson, outPath, options = {}) {
    if (!this.#env.bundleExport) {
      throw new IrelError({ code: 'UNSUPPORTED', message: 'writing bundle archives needs a file system (use Node)' });
    }
    const bytes = typeof bundleJson === 'string' ? new TextEncoder().encode(bundleJson) : bundleJson;
    return this.#env.bundleExport(this.#context(options), bytes, outPath, options);
  }

  /**
   * The image references of Kubernetes manifests and Helm charts: { images: [{ image, reference,
   * source, file, document, path, line, column, rewritable, reason?, fields? ... }], skipped:
   * [{ file, document, path, line, value, reason }], refs: [unique images], source }. input: a
   * YAML text, files [{ path, text | bytes }], { archive: bytes } (a chart .tgz), or in Node
   * { path } (a file, directory or chart archive; a one-line string naming one is taken as one).
   * options: hints (a hints file's text or its items), name (a text's file name), archiveLimits.
   */
  async findImages(input, options = {}) {
    const { findImages } = await import('./manifests/find-images.js');
    const { files, source, ctx } = await this.#manifests(input, options);
    return { ...(await findImages(ctx, files, options)), source };
  }

  /**
   * Rewrites the images findImages finds to their relocated names: options.prefix (mapped as
   * `map` does), options.mapping ({ original: relocated } or its JSON) or options.mapFn(image);
   * pullPrefix (the same relocated paths under another host), pin ({ image: digest } or a
   * function). Resolves { files: [{ path, text, changed }], changes: [{ file, document, path,
   * line, from, to, images }], skipped: [{ ..., reason }], diff, images, mapping, source }; only
   * the image values' bytes differ. Throws IrelError for options that cannot work.
   */
  async rewrite(input, options = {}) {
    const { rewriteImages } = await import('./manifests/rewrite.js');
    const { files, source, ctx } = await this.#manifests(input, options);
    return { ...(await rewriteImages(this, ctx, files, options)), source };
  }

  /**
   * Node: writes a rewrite's files to `out` (a chart archive .tgz/.tar.gz/.tar, a directory, or a
   * file), or back where they were read from when out is omitted. Files are replaced atomically.
   */
  async writeRewrite(result, out) {
    if (!this.#env.writeRewrite) throw new IrelError({ code: 'UNSUPPORTED', message: 'writing files needs a file system (use Node); the result has the texts' });
    return this.#env.writeRewrite(result, out);
  }

  // The files of a findImages or rewrite input, where they came from, and what the finder needs
  // of the core: the reference parser, and the archive reader for packaged sub-charts.
  async #manifests(input, options) {
    const { archiveFiles, bytesSource } = await import('./manifests/archive-files.js');
    const limits = options.archiveLimits;
    const ctx = {
      parse: (ref) => this.parse(ref),
      readArchive: (bytes, name) => archiveFiles(this.#core, bytesSource(bytes), { limits, name }),
    };
    const path = typeof input === 'string' && this.#env.manifestPath?.(input) ? input : input?.path;
    if (typeof path === 'string' && !Array.isArray(input)) {
      if (!this.#env.readManifests) throw new IrelError({ code: 'UNSUPPORTED', message: 'reading paths needs Node; pass the text or [{ path, text }]' });
      return { ...(await this.#env.readManifests(this.#core, path, options)), ctx };
    }
    if (input?.archive) {
      const source = typeof input.archive === 'function' ? input.archive() : bytesSource(input.archive);
      const name = String(input.name ?? 'chart.tgz');
      return { source: { kind: 'archive', name }, files: archiveFiles(this.#core, source, { limits, name }), ctx };
    }
    return { source: { kind: typeof input === 'string' ? 'text' : 'files' }, files: input, ctx };
  }

  /** Pulls the image `ref` into the OCI layout `dir` (created if needed), named by `ref`. Node only. */
  async layoutAdd(dir, ref, options = {}) {
    const layout = this.#layout();
    const ctx = this.#context(options);
    const parsed = this.parseReference(ref);
    return relocate(ctx, (signal) => registrySource(ctx, ref, signal),
      () => layout.layoutTarget(ctx, dir, options.name ?? parsed.string), options);
  }

  /** The digest of the image `ref` (name, tag or digest) in the OCI layout `dir`. Node only. */
  async layoutFind(dir, ref) {
    const d = await this.#layout().findInLayout(this.#context({}), dir, ref);
    return d.digest;
  }

  /** Pushes the image or index `digest` (or name) from the OCI layout `dir` to `ref`. Node only. */
  async layoutPush(dir, digest, ref, options = {}) {
    const layout = this.#layout();
    const ctx = this.#context(options);
    return relocate(ctx, () => layout.layoutSource(ctx, dir, digest),
      (signal, source) => registryTarget(ctx, ref, signal, source, options), options, { targetBeside: true });
  }

  #layout() {
    if (!this.#env.layout) {
      throw new IrelError({ code: 'UNSUPPORTED', message: 'OCI layout directories need a file system (use Node)' });
    }
    return this.#env.layout;
  }

  #context(options) {
    const key = JSON.stringify([options.caFiles ?? [], !!options.skipTlsVerify, options.proxyBase ?? '',
      options.proxyToken ?? '', functionId(options.lookup)]);
    let transport = this.#transports.get(key);
    if (!transport) {
      transport = this.#env.createTransport(options);
      this.#transports.set(key, transport);
    }
    return {
      core: this.#core,
      transport,
      credentials: this.#env.credentials(options.credentials),
      // Per side, before `credentials`: a reader and a writer on one registry stay apart.
      sideCredentials: {
        source: options.sourceCredentials ? optionCredentials(options.sourceCredentials) : null,
        target: options.targetCredentials ? optionCredentials(options.targetCredentials) : null,
      },
      insecureRegistries: options.insecureRegistries ?? [],
      tokens: this.#tokens,
      challenges: this.#challenges,
      schemes: this.#schemes,
      primed: this.#primed,
      uploadStrategies: this.#uploadStrategies,
      rateLimited: this.#rateLimited,
      // Waits before a retry (a 429's Retry-After above all) as progress events.
      onWait: options.onProgress ? (w) => options.onProgress({ type: 'wait', ...w }) : undefined,
      probeSchemes: this.#env.probeSchemes,
      streamUploads: this.#env.streamUploads,
      retry: { ...DEFAULT_RETRY, ...options.retry },
      newHash: this.#env.newHash,
      hashBytes: this.#env.hashBytes,
      newBody: this.#env.newBody,
      digestWhole: this.#env.digestWhole,
      wholeBudget: this.#env.wholeBudget,
    };
  }

  /** Releases network connections (Node keeps them alive between copies). */
  close() {
    for (const t of this.#transports.values()) t.close?.();
    this.#transports.clear();
    this.#schemes.clear();
    this.#primed.clear();
    this.#uploadStrategies.clear();
  }
}

const functionIds = new WeakMap();
// Transports are shared by calls with the same options; a function option (lookup) counts by identity.
function functionId(f) {
  if (typeof f !== 'function') return 0;
  if (!functionIds.has(f)) functionIds.set(f, functionIds.size + 1);
  return functionIds.get(f);
}

/** Credentials given as options: { 'registry:port': { username, password } } or a function. */
export function optionCredentials(given) {
  if (typeof given === 'function') return given;
  const table = given ?? {};
  return async (registry) => table[registry] ?? null;
}

/**
 * makeEnv(core) -> { createTransport(options), credentials(given), newHash(), hashBytes(bytes),
 * and optionally newBody() (request bodies kept outside JS memory), digestWhole(bytes) with
 * wholeBudget (a one-shot hash for blobs read whole, within a memory budget) }.
 */
export async function createIrel(moduleArgs, makeEnv) {
  const core = await createIrelCore(moduleArgs);
  return new Irel(core, makeEnv(core));
}
