// A module Web Worker entry of the package (irel/worker), for long jobs off a page's main thread.
// Its client is irel/worker-client (wasm/js/worker-client.js): run(op, args, { onProgress, signal }),
// with cancellation; the ops and their arguments are typed as WorkerOps in index.d.ts.
//
// Messages in:  { id, op, args }   one job; id is the caller's (unique per worker)
//               { id, op: 'cancel' }   aborts job id (AbortController)
// Messages out: { type: 'ready', version }   once the core is loaded
//               { id, type: 'progress', event }   any number, while the job runs
//               { id, type: 'result', result } | { id, type: 'error', error: { code, message, side? } }
//
// Ops (args):
//   open      { bundle }                              -> { kind, info, json }
//   describe  { bundle, ...registry }                 -> { kind, info, json, images: [{ image, digest, mediaType, size, platforms, blobs }] }
//   map       { bundle, prefix }                      -> { mapping, json }
//   relocate  { bundle, prefix, ...registry, jobs, referrers, referrersTypes } -> { mapping, json, images: [{ image, target, digest, referrers? }], archive?, referrers? }
//   check     { bundle, mapping, online, ...registry } -> [{ image, relocated, ok, problem, digest? }]
//   memory    {}                                      -> { wasmBytes } (the core's WebAssembly memory)
//   copy      { src, dst, ...registry, jobs, platforms, includeNondistributable, dryRun, referrers, referrersTypes } -> CopySummary
//   digest    { ref, ...registry }                    -> 'sha256:…'
//   describeImage  { ref, ...registry }               -> { image, digest, mediaType, size, platforms, blobs }
//   describeArchive { file }                          -> { kind, images: [{ index, image, names, digest, mediaType, size, platforms, blobs, referrers }] }
//   copyArchive    { file, picks: [{ index, target }], ...registry, jobs, referrers, verifyFirst }
//                  -> { images: [{ image, target, digest, referrers? }], referrers?, archive }
//   relocateImages { refs, prefix, ...registry, jobs, platforms, dryRun } -> RelocateImagesResult
//                  (one image failing does not stop the others; progress events carry `image`)
//   findImages { input, hints }                       -> FindImagesResult
//   rewrite   { input, hints, prefix | mapping, pullPrefix, pin } -> RewriteResult
//             input: a YAML text, files [{ path, text | bytes }], or { file } (a chart archive,
//             read here with FileReaderSync); a mapping function cannot cross to the worker
// bundle: { json: string | Uint8Array } (thin) or { file: File | Blob } (thick, read here with
// FileReaderSync, never uploaded anywhere). registry: proxyBase, proxyToken, credentials (and
// sourceCredentials, targetCredentials: one side only), insecureRegistries, retry. Progress events
// are the library's (ProgressEvent), plus for archives
// { type: 'archive', phase: 'bundle.json' | 'verify' | 'upload', pass, done, size }.
//
// Credentials arrive with each job, are used for that job only and are never logged, stored or
// sent back: results and errors carry no part of the arguments.
import { IrelError, load } from './index.js';
import { errorData } from './errors.js';
import { fileSource } from './archive/file-source-browser.js';

const PROGRESS_EVERY_MS = 100;
const CANCELLED_MESSAGE = 'cancelled; names are written last, so no image was left half-relocated under its name';
const running = new Map(); // id -> AbortController
let irelPromise = null;
const core = () => (irelPromise ??= load());

const post = (message) => self.postMessage(message);

/** Only the options the library knows; never anything else from the message. */
function registryOptions(args, signal) {
  const out = { signal };
  if (typeof args.proxyBase === 'string' && args.proxyBase) out.proxyBase = args.proxyBase;
  if (typeof args.proxyToken === 'string' && args.proxyToken) out.proxyToken = args.proxyToken;
  for (const key of ['credentials', 'sourceCredentials', 'targetCredentials']) {
    if (args[key] && typeof args[key] === 'object') out[key] = args[key];
  }
  if (Array.isArray(args.insecureRegistries)) out.insecureRegistries = args.insecureRegistries.map(String);
  if (args.retry && typeof args.retry === 'object') out.retry = args.retry;
  return out;
}

/** copy and relocateImages only: plan without writing (a bundle's relocate has no dry run). */
function planOptions(args, signal, progress) {
  const out = copyOptions(args, signal, progress);
  if (args.dryRun === true) out.dryRun = true;
  return out;
}

function copyOptions(args, signal, progress) {
  const out = registryOptions(args, signal);
  if (Number.isInteger(args.jobs) && args.jobs > 0) out.jobs = args.jobs;
  if (Array.isArray(args.platforms) && args.platforms.length) out.platforms = args.platforms.map(String);
  if (args.includeNondistributable) out.includeNondistributable = true;
  if (args.referrers === false) out.referrers = false;
  if (Array.isArray(args.referrersTypes) && args.referrersTypes.length) out.referrersTypes = args.referrersTypes.map(String);
  out.onProgress = (event) => progress(event);
  return out;
}

/** A File read as an archive, one pass per call; progress reports each pass as a phase. */
function fileArchive(file, progress, phases) {
  if (!file || typeof file.size !== 'number') throw new TypeError('args.file is required: the archive (a File or Blob)');
  let pass = 0;
  return () => {
    const phase = phases[pass] ?? phases[phases.length - 1];
    pass++;
    const thisPass = pass;
    let last = 0;
    progress({ type: 'archive', phase, pass: thisPass, done: 0, size: file.size });
    return fileSource(file, {
      onRead: (done, size) => {
        const now = Date.now();
        if (done < size && now - last < PROGRESS_EVERY_MS) return;
        last = now;
        progress({ type: 'archive', phase, pass: thisPass, done, size });
      },
    });
  };
}

/**
 * Opens { json } or { file } as a bundle; archive reads report progress, one phase per pass.
 * options: registry options (proxy, credentials, retry): a bundle's registry access uses them.
 */
function openBundle(irel, bundle, progress, phases, options = {}) {
  if (!bundle || typeof bundle !== 'object') throw new TypeError('args.bundle is required: { json } or { file }');
  if (bundle.file) return irel.openBundle({ archive: fileArchive(bundle.file, progress, phases) }, options);
  if (bundle.json === undefined) throw new TypeError('args.bundle needs json (thin) or file (thick)');
  return irel.openBundle({ json: bundle.json }, options);
}

/** What findImages and rewrite read: a text or files as they are, a chart archive from its File. */
function manifestInput(input) {
  if (typeof input === 'string' || Array.isArray(input)) return input;
  if (input?.file && typeof input.file.size === 'number') return { archive: () => fileSource(input.file), name: input.file.name ?? 'chart.tgz' };
  throw new TypeError('args.input is required: a YAML text, [{ path, text }] or { file } (a chart archive)');
}

/** Only the manifest options the library knows. */
function manifestOptions(args) {
  const out = {};
  if (typeof args.hints === 'string' || Array.isArray(args.hints)) out.hints = args.hints;
  for (const key of ['prefix', 'pullPrefix', 'name', 'hintsName', 'yamlUrl']) if (typeof args[key] === 'string') out[key] = args[key];
  if (typeof args.mapping === 'string' || args.mapping instanceof Uint8Array || (args.mapping && typeof args.mapping === 'object')) out.mapping = args.mapping;
  if (args.pin && typeof args.pin === 'object') out.pin = args.pin;
  return out;
}

const decoder = new TextDecoder();
const text = (json) => (typeof json === 'string' ? json : decoder.decode(json));
const summaryOf = (b) => ({ kind: b.kind, info: b.info, json: text(b.json) });

const OPS = {
  async open(irel, args, { progress }) {
    return summaryOf(openBundle(irel, args.bundle, progress, ['bundle.json']));
  },
  async describe(irel, args, { signal, progress }) {
    const options = registryOptions(args, signal);
    const b = openBundle(irel, args.bundle, progress, ['bundle.json', 'verify'], options);
    return { ...summaryOf(b), images: await b.describe({ ...options, ...(args.referrers === false ? { referrers: false } : {}) }) };
  },
  async map(irel, args, { progress }) {
    return openBundle(irel, args.bundle, progress, ['bundle.json']).map(String(args.prefix ?? ''));
  },
  async relocate(irel, args, { signal, progress }) {
    const options = copyOptions(args, signal, progress);
    const b = openBundle(irel, args.bundle, progress, ['bundle.json', 'verify', 'upload'], options);
    const r = await b.relocate(String(args.prefix ?? ''), options);
    // Thin relocations carry each copy's summary; keep only plain data.
    return { mapping: r.mapping, json: r.json, images: r.images.map(({ image, target, digest, referrers }) => ({ image, target, digest,
      ...(referrers === undefined ? {} : { referrers }) })),
      ...(r.archive ? { archive: r.archive } : {}), ...(r.referrers ? { referrers: r.referrers } : {}) };
  },
  async check(irel, args, { signal, progress }) {
    const options = registryOptions(args, signal);
    const b = openBundle(irel, args.bundle, progress, ['bundle.json'], options);
    return b.check(args.mapping, { ...options, online: Boolean(args.online) });
  },
  async describeArchive(irel, args, { signal, progress }) {
    return irel.describeArchive({ archive: fileArchive(args.file, progress, ['verify']) }, registryOptions(args, signal));
  },
  async copyArchive(irel, args, { signal, progress }) {
    const r = await irel.copyArchive({ archive: fileArchive(args.file, progress, ['verify', 'upload']) }, args.picks ?? [],
      { ...copyOptions(args, signal, progress), verifyFirst: Boolean(args.verifyFirst) });
    // Plain data only.
    return { images: r.images.map(({ image, target, digest, referrers }) => ({ image, target, digest, ...(referrers === undefined ? {} : { referrers }) })),
      ...(r.referrers ? { referrers: r.referrers } : {}), ...(r.archive ? { archive: r.archive } : {}) };
  },
  async copy(irel, args, { signal, progress }) {
    return irel.copy(String(args.src), String(args.dst), planOptions(args, signal, progress));
  },
  async digest(irel, args, { signal }) {
    return irel.digest(String(args.ref), registryOptions(args, signal));
  },
  async describeImage(irel, args, { signal }) {
    if (typeof args.ref !== 'string') throw new TypeError('args.ref is required: an image reference');
    return irel.describeImage(args.ref, registryOptions(args, signal));
  },
  async memory(irel) {
    return { wasmBytes: irel.memoryBytes() };
  },
  async relocateImages(irel, args, { signal, progress }) {
    if (!Array.isArray(args.refs)) throw new TypeError('args.refs is required: an array of image references');
    return irel.relocateImages(args.refs.map(String), String(args.prefix ?? ''), planOptions(args, signal, progress));
  },
  async findImages(irel, args) {
    return irel.findImages(manifestInput(args.input), manifestOptions(args));
  },
  async rewrite(irel, args) {
    return irel.rewrite(manifestInput(args.input), manifestOptions(args));
  },
};

async function runJob(id, op, args) {
  const controller = new AbortController();
  running.set(id, controller);
  const progress = (event) => post({ id, type: 'progress', event });
  try {
    const irel = await core();
    const result = await OPS[op](irel, args ?? {}, { signal: controller.signal, progress });
    post({ id, type: 'result', result });
  } catch (e) {
    let error = errorData(e);
    if (controller.signal.aborted && error.code !== 'CANCELLED') {
      error = { code: 'CANCELLED', message: CANCELLED_MESSAGE };
    }
    post({ id, type: 'error', error });
  } finally {
    running.delete(id);
  }
}

self.addEventListener('message', ({ data }) => {
  const { id, op, args } = data ?? {};
  if (op === 'cancel') {
    running.get(id)?.abort(new IrelError({ code: 'CANCELLED', message: CANCELLED_MESSAGE }));
    return;
  }
  if (!Object.hasOwn(OPS, op)) {
    post({ id, type: 'error', error: { code: 'UNKNOWN_OP', message: `irel worker: unknown op ${JSON.stringify(op)}` } });
    return;
  }
  if (running.has(id)) {
    post({ id, type: 'error', error: { code: 'DUPLICATE_ID', message: `irel worker: job ${id} is already running` } });
    return;
  }
  runJob(id, op, args);
});

core().then(
  (irel) => post({ type: 'ready', version: irel.version }),
  (e) => post({ type: 'fatal', error: errorData(e) }),
);
