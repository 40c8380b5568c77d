// Pass 1 over a thick bundle: bundle.json, the layout's oci-layout and index.json, and every blob
// hashed. Of the blobs, only the manifests reachable from index.json are kept in memory (and the
// configs, when describing), found as the archive goes: a manifest read adds its children to what
// is wanted, and a wanted blob's size is known before the archive reaches it, so a blob whose
// archive entry is larger than its descriptor says is refused before a byte of it is inflated.
// A JSON-looking blob seen before whatever names it is kept within a byte budget; beyond it, it
// is dropped and read again in a short extra pass if something turns out to need it. Memory is
// bounded by the budget, never by the number or size of the archive's entries.
import { IrelError } from '../errors.js';
import { verifier } from '../registry/digest-check.js';
import { readBundle } from './thin.js';

export const LAYOUT = 'artifacts/layout/';
const SMALL = 4 << 20; // registries cap manifests at 4 MiB; configs beyond it are not described
// Manifests (and JSON-looking blobs not yet placed) kept at once: real bundles hold a few MB even
// with hundreds of images; archiveLimits.maxJsonBytes raises it.
export const JSON_BUDGET = 64 << 20;
const PIECE = 1 << 20;
const MAX_PASSES = 8; // extra passes for dropped manifests: one per level of nesting at most

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

/** An archive entry's path as written, less any leading "./" (tar -C DIR . writes those). */
export function entryPath(entry) {
  return entry.path.replace(/^(?:\.\/)+/, '');
}

/** The digest of a blob entry of the layout at `layout` (a path prefix), or null. */
export function blobDigest(path, layout = LAYOUT) {
  if (!path.startsWith(`${layout}blobs/`)) return null;
  const m = /^([a-z0-9]+)\/([a-f0-9]+)$/.exec(path.slice(layout.length + 6));
  return m ? `${m[1]}:${m[2]}` : null;
}

/** Throws unless `entry` is a regular file or a directory: links and devices have no place here. */
export function requireRegular(entry) {
  if (entry.type !== 'file' && entry.type !== 'dir') {
    throw bad('ARCHIVE_ENTRY_UNSAFE', `archive entry ${entry.path} is a ${entry.type}: thick bundles hold regular files only`);
  }
}

const sizeMismatch = (digest, actual, declared) => bad('BLOB_SIZE_MISMATCH',
  `blob ${digest} is ${actual} bytes in the archive; its descriptor says ${declared}`);

class Scan {
  seen = new Map(); // digest -> { size, bytes, dropped, expanded }
  wanted = new Map(); // digest -> { size, kind: 'manifest'|'config'|'blob', mediaType }
  reread = new Set(); // wanted manifests whose bytes were dropped
  pending = new Set(); // wanted manifests not read yet: the graph is known once this is empty
  kept = 0;
  peak = 0;

  constructor(ctx, { maxJsonBytes, keepConfigs, keepForUpload, hashAll = true }) {
    this.ctx = ctx;
    // Not hashing what cannot be a manifest (over 4 MiB) is for a copy whose every blob is
    // verified again as it is uploaded, before any manifest is written.
    this.hashAll = hashAll;
    this.budget = maxJsonBytes;
    this.keepConfigs = keepConfigs;
    // Streaming: the small blobs read before the stream stops (configs, mostly) are uploaded from
    // memory, within the budget, rather than costing a second pass.
    this.keepForUpload = keepForUpload;
  }

  needsBytes(kind) {
    return kind === 'manifest' || (kind === 'config' && this.keepConfigs);
  }

  want(d, kind) {
    const prior = this.wanted.get(d.digest);
    if (prior) {
      if (prior.size !== d.size) {
        throw bad('BLOB_SIZE_MISMATCH', `blob ${d.digest} is described as ${prior.size} bytes and as ${d.size} bytes`);
      }
      if (prior.kind === 'manifest' || prior.kind === kind || kind === 'blob') return;
      prior.kind = kind;
      prior.mediaType = d.mediaType;
    } else {
      this.wanted.set(d.digest, { size: d.size, kind, mediaType: d.mediaType });
    }
    if (kind === 'manifest') this.pending.add(d.digest);
    if (this.seen.has(d.digest)) this.settle(d.digest);
  }

  // A blob both seen and wanted: a manifest adds its children; other bytes go.
  settle(digest) {
    const w = this.wanted.get(digest);
    const s = this.seen.get(digest);
    if (s.size !== w.size) throw sizeMismatch(digest, s.size, w.size);
    if (!this.needsBytes(w.kind)) {
      if (this.keepForUpload && s.bytes) s.forUpload = true;
      else this.release(s);
      return;
    }
    if (!s.bytes) {
      if (s.dropped) this.reread.add(digest);
      else this.pending.delete(digest); // not JSON, or too large: the walk says so, naming the image
      return;
    }
    if (w.kind === 'manifest' && !s.expanded) {
      s.expanded = true;
      this.pending.delete(digest);
      const m = this.ctx.core.parseManifest(s.bytes, w.mediaType ?? '');
      if (!m.ok) return; // the walk reports it, naming the image
      for (const c of m.manifests) this.want(c, 'manifest');
      if (m.config) this.want(m.config, 'config');
      for (const l of m.layers) this.want(l, 'blob');
    }
  }

  keep(s, bytes) {
    s.bytes = bytes;
    this.kept += bytes.length;
    this.peak = Math.max(this.peak, this.kept);
  }

  release(s) {
    if (s.bytes) this.kept -= s.bytes.length;
    s.bytes = null;
  }

  overBudget(n) {
    return this.kept + n > this.budget;
  }

  // Room for a manifest the graph needs: the bytes kept only to save work (blobs to upload from
  // memory, JSON-looking blobs nothing names yet) go first; they are read again if needed.
  evict(n) {
    for (const [digest, s] of this.seen) {
      if (!this.overBudget(n)) return;
      const w = this.wanted.get(digest);
      if (!s.bytes || (w && this.needsBytes(w.kind))) continue;
      this.release(s);
      if (s.forUpload) s.forUpload = false; // uploaded from a further pass instead
      else s.dropped = true; // read again if a manifest names it
    }
  }

  // One blob entry: hashed; its bytes kept if they are (or may be) a manifest.
  blob(ar, entry, digest, onlyWanted) {
    const w = this.wanted.get(digest);
    if (w && entry.size !== w.size) throw sizeMismatch(digest, entry.size, w.size);
    if (!this.hashAll && entry.size > SMALL && !this.seen.has(digest)) {
      ar.skip();
      this.seen.set(digest, { size: entry.size, bytes: null, dropped: false, expanded: false, forUpload: false });
      if (w) this.settle(digest);
      return;
    }
    const need = w && this.needsBytes(w.kind);
    let keep = entry.size <= SMALL && (need || (w && this.keepForUpload) || (!w && !onlyWanted));
    if (keep && need) this.evict(entry.size);
    if (keep && this.overBudget(entry.size)) {
      if (need) {
        throw bad('ARCHIVE_LIMIT', `the bundle's manifests are more than ${this.budget} bytes: refused to keep them all in memory ` +
          '(raise archiveLimits.maxJsonBytes if the bundle is genuine)');
      }
      keep = false;
    }
    const check = verifier(this.ctx, { digest }, 'source', `blob ${digest} in the bundle`);
    let out = null;
    let size = 0;
    let json = true;
    for (let piece = ar.read(PIECE); piece.length; piece = ar.read(PIECE)) {
      if (size === 0) {
        json = piece[0] === 0x7b; // not JSON: a layer (or a bad manifest, which the walk names)
        if (keep && (json || w)) out = new Uint8Array(entry.size);
      }
      check.update(piece);
      if (out && size + piece.length <= out.length) out.set(piece, size);
      size += piece.length;
    }
    try {
      check.finish();
    } catch (e) {
      throw e.code === 'DIGEST_MISMATCH' ? bad(e.code, `${e.message}: the archive is corrupt or tampered with`) : e;
    }
    const prior = this.seen.get(digest);
    if (prior) {
      if (!onlyWanted) throw bad('ARCHIVE_ENTRY_INVALID', `blob ${digest} appears twice in the archive`);
      if (out && size === out.length) this.keep(prior, out);
      prior.dropped = false;
      return;
    }
    const s = { size, bytes: null, dropped: false, expanded: false, forUpload: false };
    this.seen.set(digest, s);
    if (out && size === out.length) this.keep(s, out);
    // Passed over for the budget alone: a later manifest may still name it.
    s.dropped = !s.bytes && !w && entry.size <= SMALL && json && !onlyWanted;
    if (w) this.settle(digest);
  }

  // The blobs that were seen and wanted by nobody, or not as manifests, give their bytes back.
  finish() {
    for (const [digest, s] of this.seen) {
      const w = this.wanted.get(digest);
      if (!w || (!this.needsBytes(w.kind) && !s.forUpload)) this.release(s);
    }
  }
}

/**
 * Pass 1. openArchive() -> archive reader ({ next, read, skip, readAll, close }).
 * Resolves to { bundleBytes, bundle, indexBytes, blobs: Map(digest -> { size, bytes? }), stats,
 * rest, files }. layout: where the OCI layout is in the archive (a path prefix: '' for an OCI
 * archive or a docker save tarball); bundle: whether bundle.json is required (a thick bundle);
 * files: { name: maxBytes } of other files to read (files[name] their bytes, or absent);
 * hashAll: false passes over blobs larger than a manifest unhashed (for a copy: verified as
 * uploaded, before any manifest is written). Options: maxJsonBytes, the most bytes of manifests kept at once (ARCHIVE_LIMIT beyond);
 * keepConfigs, to keep the configs too (for describing images); stream, to stop at the first
 * blob entry after which nothing more is needed to know every image's graph (where `irel bundle
 * export` puts the layers): rest is then { ar, entry }, the open reader and that entry, for the
 * caller to stream on (and close), and blobs read before it that are wanted for upload keep
 * their bytes (forUpload: true) within the budget; otherwise rest is null and every blob was hashed.
 * stats: { passes, keptPeakBytes, rereadBlobs, streamed }.
 */
export function scanThickBundle(ctx, openArchive, { maxJsonBytes = JSON_BUDGET, keepConfigs = false, stream = false,
  layout = LAYOUT, bundle: isBundle = true, files: wantFiles = {}, hashAll = true } = {}) {
  const scan = new Scan(ctx, { maxJsonBytes, keepConfigs, keepForUpload: stream, hashAll });
  const files = {};
  let bundleBytes = null;
  let layoutFile = null;
  let indexBytes = null;
  let rest = null;
  const ar = openArchive();
  try {
    for (let entry = ar.next(); entry; entry = ar.next()) {
      requireRegular(entry);
      if (entry.type === 'dir') continue;
      const path = entryPath(entry);
      if (isBundle && path === 'bundle.json') bundleBytes = ar.readAll(16 << 20);
      else if (path === `${layout}oci-layout`) layoutFile = ar.readAll(1 << 16);
      else if (path === `${layout}index.json`) {
        indexBytes = ar.readAll(SMALL);
        const index = ctx.core.parseManifest(indexBytes, 'application/vnd.oci.image.index.v1+json');
        if (index.ok) for (const d of index.manifests) scan.want(d, 'manifest');
      } else if (path.startsWith(`${layout}blobs/`)) {
        const digest = blobDigest(path, layout);
        if (!digest) throw bad('ARCHIVE_ENTRY_INVALID', `archive entry ${entry.path} is not a blob path (blobs/ALG/HEX)`);
        if (stream && (bundleBytes || !isBundle) && layoutFile && indexBytes && !scan.pending.size && !scan.reread.size) {
          rest = { ar, entry };
          break;
        }
        scan.blob(ar, entry, digest, false);
      } else if (Object.hasOwn(wantFiles, path)) {
        files[path] = ar.readAll(wantFiles[path]);
      } else {
        ar.skip();
      }
    }
  } finally {
    if (!rest) ar.close();
  }
  try {
    if (isBundle && !bundleBytes) throw bad('BUNDLE_INVALID', 'the archive has no bundle.json at its top level');
    const bundle = isBundle ? readBundle(ctx.core, bundleBytes) : null;
    if (!layoutFile || !ctx.core.checkOciLayout(layoutFile).ok) {
      throw bad('LAYOUT_INVALID', `the archive has no valid ${layout}oci-layout`);
    }
    if (!indexBytes) throw bad('LAYOUT_INVALID', `the archive has no ${layout}index.json`);
    // Manifests dropped for the budget before anything named them: read again, only them.
    let passes = 1;
    let rereadBlobs = 0;
    while (scan.reread.size) {
      if (passes > MAX_PASSES) throw bad('ARCHIVE_LIMIT', `the bundle's manifests needed more than ${MAX_PASSES} passes over the archive`);
      const now = new Set(scan.reread);
      scan.reread.clear();
      rereadBlobs += now.size;
      passes++;
      const again = openArchive();
      try {
        for (let entry = again.next(); entry && now.size; entry = again.next()) {
          const digest = entry.type === 'file' ? blobDigest(entryPath(entry), layout) : null;
          if (!digest || !now.has(digest)) continue;
          now.delete(digest);
          scan.blob(again, entry, digest, true);
          scan.settle(digest);
        }
      } finally {
        again.close();
      }
    }
    scan.finish();
    return { bundleBytes, bundle, indexBytes, blobs: scan.seen, rest, files, layout,
      stats: { passes, keptPeakBytes: scan.peak, rereadBlobs, streamed: !!rest } };
  } catch (e) {
    rest?.ar.close();
    throw e;
  }
}
