// Thick bundles: an archive (.tgz/.tar.gz, .tar, .tar.zst, .tar.xz) holding bundle.json and
// artifacts/layout/, an OCI layout whose ref-name annotations are the bundle's original image
// names. The archive is streamed, never unpacked: thick-scan.js reads bundle.json, the layout's
// index and the manifests it reaches; where those come before the layers (as export writes them)
// the same pass streams the blobs the targets lack on into the registry, otherwise (or with
// verifyFirst) a first pass hashes every blob and a second streams them. No manifest is pushed
// before the whole archive has been read. The original registries are never contacted.
import { errorData, IrelError } from '../errors.js';
import { registryTarget } from '../registry/registry-place.js';
import { verifier } from '../registry/digest-check.js';
import { runPool } from '../registry/pool.js';
import { executeFromStream, pushManifests } from '../transfer/execute.js';
import { updateFallbackTags } from '../transfer/referrers.js';
import { DEFAULT_JOBS, smallJobsFor } from '../transfer/relocate.js';
import { describeGraph } from './describe.js';
import { mapBundle } from './thin.js';
import { findBundleReferrers } from './thick-referrers.js';
import { blobDigest, requireRegular, scanThickBundle } from './thick-scan.js';

const PIECE = 1 << 20;
const BLOB_PART = 8 << 20;

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

/** Each blob of an image's walk is in the archive (sizeOf(digest) -> its size there) at its size. */
function checkBlobs(label, blobs, sizeOf) {
  for (const d of blobs) {
    if (d.foreign) continue;
    const size = sizeOf(d.digest);
    if (size === undefined) throw bad('BLOB_UNKNOWN', `${label}: blob ${d.digest} is missing from the archive`);
    if (size !== d.size) {
      throw bad('BLOB_SIZE_MISMATCH', `${label}: blob ${d.digest} is ${size} bytes; its descriptor says ${d.size}`);
    }
  }
}

/**
 * Every image's graph, checked against what the archive holds, before anything is pushed:
 * [{ image, root, walk, referrer? }] with each walk still alive (the caller deletes them). The
 * bundle's images come first, then (unless options.referrers === false) the referrers the layout
 * holds for them (thick-referrers.js), each a graph of its own with `referrer` saying what it is,
 * subjects before what refers to them. filtered: referrers left out by options.referrersTypes.
 */
function walkThickBundle(ctx, scan, options = {}) {
  const { core } = ctx;
  const graphs = [];
  const seen = new Set();
  const walkOne = (label, root, referrer) => {
    const manifest = (d) => {
      const b = scan.blobs.get(d.digest);
      if (!b) throw bad('BLOB_UNKNOWN', `${label}: manifest ${d.digest} is missing from the archive`);
      if (b.size !== d.size) throw bad('BLOB_SIZE_MISMATCH', `${label}: manifest ${d.digest} is ${b.size} bytes; its descriptor says ${d.size}`);
      if (!b.bytes) throw bad('MANIFEST_INVALID', `${label}: manifest ${d.digest} is not a manifest (not JSON, or over 4 MiB)`);
      return b.bytes;
    };
    const walk = new core.ImageWalk([], !!options.includeNondistributable);
    const graph = { image: referrer ? referrer.image : label.replace(/^bundle image /, ''), label, root, walk, ...(referrer ? { referrer } : {}) };
    graphs.push(graph);
    let added = walk.addRoot(root.digest, root.mediaType, manifest(root));
    if (!added.ok) throw bad(added.error.code, `${label}: ${added.error.message}`);
    let pending = added.children;
    while (pending.length) {
      const next = [];
      for (const d of pending) {
        added = walk.addChild(d, manifest(d));
        if (!added.ok) throw bad(added.error.code, `${label}: ${added.error.message}`);
        next.push(...added.children);
      }
      pending = next;
    }
    // Blobs still ahead in a streamed archive are judged as it reaches them (checkBlobs).
    if (!scan.rest) checkBlobs(label, walk.blobs(), (d) => scan.blobs.get(d)?.size);
    return graph;
  };
  try {
    for (const image of scan.bundle.images) {
      if (!image.relocatable || seen.has(image.image)) continue;
      seen.add(image.image);
      const found = core.findInLayout(scan.indexBytes, image.image);
      if (!found.ok) throw bad(found.error.code, `bundle image ${image.image}: ${found.error.message}`);
      const root = found.descriptor;
      if (image.contentDigest && root.digest !== image.contentDigest) {
        throw bad('DIGEST_MISMATCH', `bundle image ${image.image} is ${root.digest} in the layout, but the bundle pins ${image.contentDigest}`);
      }
      walkOne(`bundle image ${image.image}`, root);
    }
    graphs.filtered = 0;
    if (options.referrers === false) return graphs;
    const images = graphs.map((g) => ({ image: g.image, digests: g.walk.pushOrder().map((n) => n.digest) }));
    const { byImage, filtered } = findBundleReferrers(ctx, scan.indexBytes, images, (d) => {
      const b = scan.blobs.get(d.digest);
      return b && b.size === d.size ? b.bytes : null;
    }, { types: options.referrersTypes ?? [] });
    graphs.filtered = filtered;
    for (const [image, items] of byImage) {
      for (const item of items) walkOne(`bundle image ${image}: referrer ${item.digest}`, item.descriptor, { ...item, image });
    }
    return graphs;
  } catch (e) {
    for (const g of graphs) g.walk.delete();
    throw e;
  }
}

/** Every image's graph as data: [{ image, root, blobs, manifests, info }]. */
export function planThickBundle(ctx, scan, options = {}) {
  const graphs = walkThickBundle(ctx, scan, options);
  try {
    return graphs.map(({ image, root, walk, referrer }) => ({ image, root, blobs: walk.blobs(), manifests: walk.pushOrder(),
      info: walk.summary(), ...(referrer ? { referrer } : {}) }));
  } finally {
    for (const g of graphs) g.walk.delete();
  }
}

// Sequential reads of the current archive entry, in the ranges an upload asks for; the last range
// is kept so that a retried chunk can be sent again. The digest was checked in pass 1 and is
// checked again here, before the last bytes go out. It can also stream a range (Node: one
// streamed PATCH) or build it as a body outside JS memory (browsers: a Blob), forward only; a
// request for bytes the stream has passed is ARCHIVE_REWIND (the executor sends that blob in a
// further pass).
//
// Where the environment hashes whole blobs natively (browsers: WebCrypto, measured at 600 MiB/s
// in Chromium here, three times the wasm hash) and the blob fits its memory budget twice over,
// the entry is read whole instead: off the archive at once (`released` resolves, so the next
// entry can be read while this one uploads), hashed, and judged before it becomes one body that
// goes in one request.
class ArchiveEntryReader {
  can;
  #ar;
  #ctx;
  #descriptor;
  #hash;
  #newBody;
  #pos = 0;
  #last = null;
  #ahead = null; // { offset, length, built: Promise<body> }: the next range, built ahead
  #left = false; // the archive has moved past this entry
  #whole = null; // Promise<body> of the whole entry, verified, in whole mode
  #release;
  /** Resolves once this entry's bytes are all off the archive (whole mode only). */
  released = null;
  /** Called with the bytes read so far, in whole mode (see pushBlob's can.progress). */
  onBytes = () => {};

  constructor(ctx, ar, descriptor) {
    this.#ar = ar;
    this.#ctx = ctx;
    this.#descriptor = descriptor;
    this.#newBody = ctx.newBody;
    this.#hash = verifier(ctx, descriptor, 'source', `blob ${descriptor.digest} in the bundle`);
    const whole = !!(ctx.newBody && ctx.digestWhole && ctx.wholeBudget) && descriptor.size > 0 && 2 * descriptor.size <= ctx.wholeBudget.total;
    // whole: one body holds the blob, so one request can carry it (see pushBlob), and the bytes
    // read into it count as progress (onBytes) until then.
    this.can = { stream: true, body: !!ctx.newBody, progress: whole, whole };
    if (whole) this.released = new Promise((ok) => (this.#release = ok));
  }

  #forward(offset) {
    if (offset !== this.#pos) {
      throw bad('ARCHIVE_REWIND', `the registry asked for blob ${this.#descriptor.digest} from byte ${offset}, which the archive stream has passed`);
    }
  }

  // The next piece of at most n bytes, hashed (unless it will be hashed whole); the digest is
  // judged when the last byte is read.
  #piece(n, hashed = true) {
    const piece = this.#ar.read(Math.min(PIECE, n));
    if (!piece.length) throw bad('ARCHIVE_TRUNCATED', `blob ${this.#descriptor.digest} ended early in the archive`);
    this.#pos += piece.length;
    if (!hashed) return piece;
    this.#hash.update(piece);
    if (this.#pos === this.#descriptor.size) this.#judge(() => this.#hash.finish());
    return piece;
  }

  #judge(verdict) {
    try {
      verdict();
    } catch (e) {
      throw bad(e.code, `${e.message}: the archive is corrupt or tampered with`);
    }
  }

  async read(offset, length) {
    const last = this.#last;
    if (last && offset >= last.offset && offset + length <= last.offset + last.bytes.length) {
      return last.bytes.subarray(offset - last.offset, offset - last.offset + length);
    }
    this.#stopWhole();
    this.#forward(offset);
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length;) {
      const piece = this.#piece(length - filled);
      out.set(piece, filled);
      filled += piece.length;
    }
    this.#last = { offset, bytes: out };
    return out;
  }

  async *stream(offset, length) {
    this.#stopWhole();
    this.#forward(offset);
    this.#last = null;
    for (let left = length; left > 0;) {
      const piece = this.#piece(left);
      left -= piece.length;
      yield piece;
    }
  }

  #build(offset, length) {
    if (this.#left) throw bad('ARCHIVE_REWIND', `blob ${this.#descriptor.digest}: its archive entry is no longer being read`);
    this.#forward(offset);
    this.#last = null;
    const builder = this.#newBody();
    for (let left = length; left > 0;) {
      const piece = this.#piece(left);
      left -= piece.length;
      builder.add(piece);
    }
    return builder.finish();
  }

  // Not whole after all (a read or stream asked first): the stream is this reader's to the end.
  #stopWhole() {
    if (this.#whole || !this.#release) return;
    this.#release = null;
    this.released = null;
    this.can = { ...this.can, whole: false, progress: false };
  }

  // Whole mode: the budget first, then the entry off the archive in one go, into a buffer of its
  // own and from there into a Blob body piece by piece, as streamed bodies are built; once the
  // browser holds the Blob's bytes, the native hash of the buffer, judged before the body is
  // handed out. The buffer is this entry's alone: the archive moves on to the next entry (which
  // reads whole too) while this one is still being hashed, so a buffer shared between entries
  // would be hashed after the next one overwrote it. The budget is held for twice the blob (the
  // buffer, and the Blob's bytes on their way out or WebCrypto's copy, one after the other) until
  // then. False when the blob won't fit the budget.
  async #loadWhole() {
    const { size } = this.#descriptor;
    const budget = this.#ctx.wholeBudget;
    if (!(await budget.reserve(2 * size))) return false;
    try {
      if (this.#left || this.#pos !== 0) return false;
      const whole = new Uint8Array(size);
      const builder = this.#newBody();
      // Into the Blob in 8 MiB parts: each part is a round trip to the browser.
      for (let added = 0; this.#pos < size;) {
        const at = this.#pos;
        whole.set(this.#piece(size - at, false), at);
        if (this.#pos - added >= BLOB_PART || this.#pos === size) {
          builder.add(whole.subarray(added, this.#pos)); // copies
          added = this.#pos;
          this.onBytes(added);
          await this.#ar.ready?.(); // the file is read ahead meanwhile (file-source-browser.js)
        }
      }
      this.#release?.();
      const body = builder.finish();
      // A read of its last byte waits until the browser has taken in the whole Blob.
      await body.slice(size - 1, size).arrayBuffer?.();
      const got = await this.#ctx.digestWhole(whole, this.#hash.algorithm);
      this.#judge(() => this.#hash.judge(got, size));
      return body;
    } finally {
      budget.release(2 * size);
    }
  }

  // Browsers: while one body uploads, the worker would sit idle until the response; it builds
  // the next range then (inflate, hash), so that the archive and the network overlap.
  async body(offset, length) {
    if (this.#release && !this.#whole && this.#pos === 0) {
      const whole = this.#loadWhole();
      this.#whole = whole;
      whole.catch(() => {});
      if (!(await whole)) this.#whole = null; // over the budget: stream it in ranges
      this.#release?.(); // nothing more is taken off the archive early
    }
    if (this.#whole) return (await this.#whole).slice(offset, offset + length);
    const ahead = this.#ahead;
    this.#ahead = null;
    const body = ahead && ahead.offset === offset && ahead.length === length
      ? await ahead.built
      : (await ahead?.built.catch(() => {}), this.#build(offset, length));
    const next = offset + length;
    if (next < this.#descriptor.size) {
      const n = Math.min(length, this.#descriptor.size - next);
      const built = new Promise((ok) => setTimeout(ok, 0)).then(() => this.#build(next, n));
      built.catch(() => {}); // judged when (if) that range is asked for
      this.#ahead = { offset: next, length: n, built };
    }
    return body;
  }

  /** The archive moves on to its next entry: only what this reader holds whole stays readable. */
  leave() {
    this.#left = true;
    this.#release?.();
  }

  /** The upload is over (done or failed): its body can go. */
  close() {
    this.leave();
    this.#hash.dispose?.();
    this.#whole = null;
  }
}

/**
 * Each image of a thick bundle: { image, digest, mediaType, size, platforms, blobs, referrers },
 * verified; referrers: [{ digest, mediaType, artifactType, size, subject, tag? }] (size: the
 * referrer's manifest and blobs).
 */
export async function describeThickBundle(ctx, openArchive, options = {}) {
  const scan = scanThickBundle(ctx, openArchive, { maxJsonBytes: options.archiveLimits?.maxJsonBytes, keepConfigs: true });
  const out = [];
  const byImage = new Map();
  const sizeOf = (plan) => plan.manifests.reduce((n, m) => n + m.bytes.length, 0) + plan.blobs.filter((b) => !b.foreign).reduce((n, b) => n + b.size, 0);
  for (const plan of planThickBundle(ctx, scan, options)) {
    if (plan.referrer) {
      const r = plan.referrer;
      byImage.get(plan.image)?.referrers.push({ digest: r.digest, mediaType: plan.root.mediaType, artifactType: r.artifactType,
        size: sizeOf(plan), subject: r.subject, ...(r.tag ? { tag: r.tag } : {}) });
      continue;
    }
    const described = await describeGraph(ctx.core, plan.image, plan.manifests, plan.blobs.filter((b) => !b.foreign),
      async (d) => scan.blobs.get(d.digest)?.bytes ?? null);
    described.referrers = [];
    byImage.set(plan.image, described);
    out.push(described);
  }
  return out;
}

/**
 * The referrers a thick bundle carries: Map(image -> [{ digest, artifactType, subject, tag? }]).
 * Only manifests are read: the scan stops where the layers begin (as export writes the archive).
 */
export function thickBundleReferrers(ctx, openArchive, options = {}) {
  const scan = scanThickBundle(ctx, openArchive, { maxJsonBytes: options.archiveLimits?.maxJsonBytes, stream: true });
  try {
    const out = new Map();
    for (const plan of planThickBundle(ctx, scan, options)) {
      if (!out.has(plan.image)) out.set(plan.image, []);
      if (plan.referrer) {
        const { digest, artifactType, subject, tag } = plan.referrer;
        out.get(plan.image).push({ digest, artifactType, subject, ...(tag ? { tag } : {}) });
      }
    }
    return out;
  } finally {
    scan.rest?.ar.close();
  }
}

/**
 * Relocates a thick bundle through the plan and the executor: returns { mapping, json, images:
 * [{ image, target, digest }] }, or with options.dryRun { mapping, json, dryRun, images: [{ image,
 * target, digest, plan }], totals } having only read the archive and asked the targets.
 */
export async function relocateThickBundle(ctx, openArchive, prefix, options = {}) {
  // One pass where the archive allows it: its manifests first, then its layers streamed on into
  // the registry as they come (see thick-scan.js); two where it does not, or with verifyFirst.
  // Streaming, an archive found bad further on stops the copy before any manifest is pushed,
  // but after some blobs (each verified, by us and by the registry): verifyFirst reads the whole
  // archive first so that nothing at all is written from a bad one.
  const scan = scanThickBundle(ctx, openArchive, { maxJsonBytes: options.archiveLimits?.maxJsonBytes, stream: !options.verifyFirst });
  let graphs = [];
  try {
    graphs = walkThickBundle(ctx, scan, options);
  } catch (e) {
    scan.rest?.ar.close();
    throw e;
  }
  return relocateGraphs(ctx, openArchive, prefix, options, scan, graphs);
}

async function relocateGraphs(ctx, openArchive, prefix, options, scan, graphs) {
  const { core } = ctx;
  const emit = options.onProgress ?? (() => {});
  const signal = options.signal ?? new AbortController().signal;
  // The uploads size their own requests (pushBlob): in Node one streamed PATCH per blob, so that
  // inflating the next bytes overlaps the registry taking the last; in browsers 64 MiB bodies.
  const uploadOptions = { ...options };
  // The walks hold the manifests now; blobs are read from the archive (or, for the few read
  // before a streamed archive's layers, from memory): let the rest go.
  for (const b of scan.blobs.values()) if (!b.forUpload) b.bytes = null;
  const planner = new core.TransferPlanner();
  try {
    const { mapping, json } = mapBundle(core, scan.bundleBytes, prefix);
    // Targets, opened a few at a time; an image may mount what an earlier one puts into the same
    // registry. A referrer goes to its image's repository, by digest, or as its cosign tag.
    const targetRef = (g) => {
      if (!g.referrer) return mapping[g.image];
      const repo = core.parseReference(mapping[g.image]);
      if (!repo.ok) throw new IrelError(repo.error);
      return g.referrer.tag ? `${repo.name}:${g.referrer.tag}` : `${repo.name}@${g.referrer.digest}`;
    };
    const opened = new Array(graphs.length);
    await runPool(graphs.map((g, i) => i), 8, async (i) => {
      const g = graphs[i];
      const target = await registryTarget(ctx, targetRef(g), signal, null, uploadOptions);
      opened[i] = { target, exists: await target.hasManifest(g.walk.summary().rootDigest) };
    });
    const images = [];
    graphs.forEach((g, n) => {
      const { target, exists } = opened[n];
      const info = g.walk.summary();
      const tag = target.rootRef(info.rootDigest);
      const index = planner.addImage({ source: g.referrer ? g.label : g.image, target: target.reference(tag), tag, targetRegistry: target.where.registry,
        targetRepository: target.where.repository, mountFrom: '' }, g.walk);
      planner.answerRoot(index, exists, false);
      images.push({ image: g.image, referrer: g.referrer, ref: targetRef(g), target, manifestBytes: new Map(g.walk.pushOrder().map((n) => [n.digest, n])),
        summary: { blobs: { uploaded: 0, mounted: 0, present: 0, foreign: 0 }, bytes: { uploaded: 0, mounted: 0, present: 0 }, manifests: 0 } });
    });
    await runPool(planner.pendingChecks(), smallJobsFor(options.jobs ?? DEFAULT_JOBS), async (d) => planner.answerBlob(d.image, d.digest, await images[d.image].target.hasBlob(d)));
    const built = planner.build();
    if (!built.ok) throw new IrelError(built.error);
    const plan = JSON.parse(built.json);
    plan.images.forEach((planned, i) => { images[i].planned = planned; });
    // An image mounting what an earlier one uploads asks for pull access to just those
    // repositories (a token scope per repository: 200 images must not mean 199 scopes each).
    for (const i of images) {
      const from = [...new Set(i.planned.blobs.filter((b) => b.action === 'mount').map((b) => b.from))];
      if (from.length && !options.dryRun) i.target = await registryTarget(ctx, i.ref, signal, null, { ...uploadOptions, mountScopes: from });
    }
    const own = images.filter((i) => !i.referrer);
    const referrersOf = (image) => images.filter((i) => i.referrer && i.image === image);
    if (options.dryRun) {
      return { mapping, json, dryRun: true, totals: plan.totals,
        images: own.map((i) => ({ image: i.image, target: mapping[i.image], digest: i.planned.digest,
          plan: { dryRun: true, ...i.planned, ...(options.referrers === false ? {} : { referrers: referrersOf(i.image).length }) } })) };
    }
    const moving = plan.images.flatMap((p) => p.blobs).filter((b) => b.action === 'upload');
    emit({ type: 'plan', blobs: new Set(moving.map((b) => b.digest)).size, bytes: plan.totals.bytes.upload, images: own.length, referrers: images.length - own.length });

    // Blobs in archive order, each entry read once per pass (see executeFromStream): first the
    // rest of the archive the scan stopped in (each blob still ahead checked against the walks
    // when it ends), then, only if blobs are still owed, whole passes.
    const tail = new Map(); // digest -> size, of the blob entries after the scan stopped
    const onEnd = () => {
      for (const g of graphs) checkBlobs(g.label, g.walk.blobs(), (d) => scan.blobs.get(d)?.size ?? tail.get(d));
    };
    await executeFromStream({ images, emit, signal, openPass: () => {
      const rest = scan.rest;
      scan.rest = null;
      if (rest) return Object.assign(keptThenRest(ctx, scan.blobs, archiveEntries(ctx, rest.ar, rest.entry, { sizes: tail, onEnd })), { partial: true });
      scan.stats.passes++;
      return archiveEntries(ctx, openArchive());
    } });

    // Manifests, children first, each image's name last; then the referrers, each after what it
    // refers to. A referrer the target refuses (ECR: any manifest with a subject) is reported, and
    // the images stay relocated.
    const out = [];
    for (const i of own) {
      await pushManifests({ target: i.target, planned: i.planned, manifestBytes: i.manifestBytes, emit, summary: i.summary });
      out.push({ image: i.image, target: mapping[i.image], digest: i.planned.digest });
      emit({ type: 'image', phase: 'done', image: i.image, target: mapping[i.image], digest: i.planned.digest });
    }
    if (options.referrers !== false) {
      const referrers = await pushReferrers(ctx, own, images.filter((i) => i.referrer), emit);
      referrers.filtered = graphs.filtered ?? 0;
      for (const o of out) {
        o.referrers = referrersOf(o.image).filter((i) => i.copied).length;
      }
      return { mapping, json, images: out, referrers, archive: scan.stats };
    }
    return { mapping, json, images: out, archive: scan.stats };
  } finally {
    scan.rest?.ar.close(); // a dry run, or nothing to move: the rest of the archive is not read
    for (const g of graphs) g.walk.delete();
    planner.delete();
  }
}

// The referrers' manifests (their blobs went with the images'), subjects first; then, where a
// target registry keeps no referrers lists itself, each subject's fallback tag merged with what
// it lists already. Resolves the bundle's ReferrersSummary.
async function pushReferrers(ctx, own, referrers, emit) {
  const failed = [];
  const failedDigests = new Set();
  for (const i of referrers) {
    const r = i.referrer;
    const event = { digest: r.digest, subject: r.subject, artifactType: r.artifactType, image: i.image, ...(r.tag ? { tag: r.tag } : {}) };
    emit({ type: 'referrer', phase: 'started', ...event });
    try {
      if (failedDigests.has(r.subject)) throw new Error(`what it refers to (${r.subject}) was not copied`);
      await pushManifests({ target: i.target, planned: i.planned, manifestBytes: i.manifestBytes, emit: () => {}, summary: i.summary });
      i.copied = true;
      emit({ type: 'referrer', phase: 'done', ...event });
    } catch (e) {
      failedDigests.add(r.digest);
      const error = errorData(e);
      failed.push({ digest: r.digest, subject: r.subject, kind: r.kind, ...(r.tag ? { tag: r.tag } : {}), artifactType: r.artifactType, error });
      emit({ type: 'referrer', phase: 'failed', ...event, error });
    }
  }
  const fallbackTags = [];
  for (const image of own) {
    const copied = referrers.filter((i) => i.copied && i.image === image.image && i.referrer.kind === 'referrer')
      .map((i) => ({ ...i.referrer, manifest: i.manifestBytes.get(i.referrer.digest) }));
    fallbackTags.push(...await updateFallbackTags(ctx, image.target, copied, failed));
  }
  return { count: referrers.length, copied: referrers.filter((i) => i.copied).length, failed, fallbackTags };
}

// A blob the scan kept in memory (verified there), served as the ranges an upload asks for.
class KeptBlobReader {
  can = { stream: false, body: false, progress: false };
  #bytes;
  constructor(bytes) {
    this.#bytes = bytes;
  }
  async read(offset, length) {
    return this.#bytes.subarray(offset, offset + length);
  }
  close() {}
}

/** The blobs kept in memory as entries, then those of `rest`. */
function* keptThenRest(ctx, blobs, rest) {
  for (const [digest, b] of blobs) {
    if (!b.forUpload || !b.bytes) continue;
    const { bytes } = b;
    yield { digest, reader: () => new KeptBlobReader(bytes) };
    b.bytes = null;
  }
  yield* rest;
}

/**
 * One pass over the archive's blob entries: { digest, reader(descriptor) } in archive order, from
 * `first` (an entry whose header `ar` has just read) or the next. sizes records each blob entry's
 * size; onEnd() runs once the archive has ended (and may throw).
 */
function* archiveEntries(ctx, ar, first = null, { sizes = null, onEnd = null } = {}) {
  let reader = null;
  try {
    for (let entry = first ?? ar.next(); entry; entry = ar.next()) {
      requireRegular(entry);
      if (entry.type === 'dir') continue;
      const digest = blobDigest(entry.path);
      if (!digest) {
        ar.skip();
        continue;
      }
      sizes?.set(digest, entry.size);
      reader = null;
      yield { digest, reader: (d) => {
        if (entry.size !== d.size) throw bad('BLOB_SIZE_MISMATCH', `blob ${d.digest} is ${entry.size} bytes in the archive; its descriptor says ${d.size}`);
        reader = new ArchiveEntryReader(ctx, ar, d);
        return reader;
      } };
      const used = !!reader;
      reader?.leave(); // nothing it built ahead reads on into the next entry
      reader = null;
      if (!used) ar.skip();
    }
    onEnd?.();
  } finally {
    reader?.leave();
    ar.close();
  }
}
