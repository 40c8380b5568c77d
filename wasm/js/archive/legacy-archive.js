// A legacy `docker save` tarball (Docker before 25; skopeo's docker-archive: too): manifest.json,
// each image's config file and its layers as UNCOMPRESSED tars, and no manifest a registry would
// take. Each image is converted (core/legacy_image.hpp): config kept byte for byte (its digest
// stays the image ID), each layer gzip-compressed by the core's deterministic compressor, a new
// Docker v2 schema 2 manifest written over them; so the image's digest is new. Two passes over
// the archive, memory flat whatever the layers' sizes:
// - scanLegacyArchive (pass 1): manifest.json and the configs read; every other file hashed raw
//   (its diff ID) and compressed with the output hashed and counted, then thrown away (the
//   manifest lists no layer until manifest.json is read, and docker save writes that after the
//   layers); then each image's layers checked against its config's diff IDs and its manifest built.
// - copyLegacy (pass 2, the executor's, archive-copy.js): the layers compressed again as they are
//   uploaded (gzip-entry-reader.js), each judged against the digest pass 1 gave before its last
//   byte goes out; the configs as they are.
// Every defect found in pass 1 (a layer whose hash is not its diff ID, a file manifest.json names
// and the archive lacks) stops the copy before anything is pushed.
import { IrelError } from '../errors.js';
import { entryPath, JSON_BUDGET } from '../bundle/thick-scan.js';
import { copyGraphs } from './archive-copy.js';
import { ArchiveEntryReader } from './archive-readers.js';
import { walkArchive } from './archive-walk.js';
import { GzipEntryReader } from './gzip-entry-reader.js';
import { gzipStream } from './gzip.js';

export const CONVERTED = 'converted from a legacy docker save tarball: layers compressed, a new manifest written, so the digest is new';

const PIECE = 1 << 20;
const SMALL = 4 << 20; // the most of a config kept (registries cap manifests and configs near it)
const MANIFEST_MAX = 16 << 20;
const MAX_LINKS = 16; // symlinks followed from a path manifest.json names

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

const quote = (path) => JSON.stringify(path);

// Files docker save writes beside the layers and configs, which irel does not need: the v1
// metadata of each layer (ID/json, ID/VERSION) and the repositories file.
const ignored = (path) => path === 'repositories' || /(^|\/)(json|VERSION)$/.test(path);

// 'gzip' or 'zstd' when bytes begin as such a stream does: not a layer tar docker save wrote.
function compression(piece) {
  if (piece[0] === 0x1f && piece[1] === 0x8b) return 'gzip';
  if (piece[0] === 0x28 && piece[1] === 0xb5 && piece[2] === 0x2f && piece[3] === 0xfd) return 'zstd';
  return null;
}

// Whether bytes begin like a JSON object (a config): kept in memory rather than compressed.
function looksJson(piece) {
  for (const b of piece) {
    if (b === 0x7b) return true;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  }
  return false;
}

// The sha256 of bytes, and of their gzip with its size, in one go over each piece.
class Measure {
  constructor(ctx) {
    this.ctx = ctx;
    this.raw = ctx.newHash('sha256');
    this.size = 0;
    this.gzip = null;
  }

  update(piece, compress) {
    this.raw.update(piece);
    this.size += piece.length;
    if (compress) this.#compress(piece);
  }

  #compress(piece) {
    if (!this.gzip) this.gzip = { stream: gzipStream(this.ctx.core), hash: this.ctx.newHash('sha256'), size: 0 };
    const out = this.gzip.stream.update(piece);
    this.gzip.hash.update(out);
    this.gzip.size += out.length;
  }

  // { diffId, gz: { digest, size } | null (nothing was compressed) }.
  finish() {
    const diffId = this.raw.digest();
    if (!this.gzip) return { diffId, gz: null };
    const out = this.gzip.stream.finish();
    this.gzip.hash.update(out);
    return { diffId, gz: { digest: this.gzip.hash.digest(), size: this.gzip.size + out.length } };
  }

  dispose() {
    this.raw.dispose?.();
    this.gzip?.stream.dispose();
    this.gzip?.hash.dispose?.();
  }
}

// { digest, size } of the gzip of bytes held in memory (a layer that looked like a config).
function gzipOf(ctx, bytes) {
  const m = new Measure(ctx);
  try {
    m.update(bytes, true); // compresses even no bytes: a gzip of nothing
    return m.finish().gz;
  } finally {
    m.dispose();
  }
}

// A link's target as an archive path: a symlink's relative to its directory, a hardlink's as
// libarchive gives it (from the archive's root); null when it leaves the archive.
function linkPath(path, entry) {
  const target = entry.linkTarget ?? '';
  if (target.startsWith('/')) return null;
  const base = entry.type === 'symlink' && path.includes('/') ? path.slice(0, path.lastIndexOf('/')).split('/') : [];
  const parts = [...base];
  for (const p of target.split('/')) {
    if (p === '..') {
      if (!parts.length) return null;
      parts.pop();
    } else if (p && p !== '.') parts.push(p);
  }
  return parts.length ? parts.join('/') : null;
}

/**
 * Pass 1 over a legacy docker save tarball. openArchive() -> an archive reader (archive-file.js).
 * Resolves { kind: 'docker-save-legacy', images: [{ image (its first RepoTag, or ''), names
 * (RepoTags), index (in manifest.json), root (the built manifest's descriptor), config, layers
 * (the compressed layers' descriptors) }], scan } where scan is what copyGraphs takes: blobs
 * (digest -> { size, bytes }: the manifests built, the configs (bytes only with
 * options.keepConfigs), the compressed layers), rest null, stats, and entries(ar), the blob
 * entries of one more pass. options: archiveLimits.maxJsonBytes (configs kept at once, 64 MiB),
 * keepConfigs.
 */
export function scanLegacyArchive(ctx, openArchive, options = {}) {
  const { core } = ctx;
  const budget = options.archiveLimits?.maxJsonBytes ?? JSON_BUDGET;
  const files = new Map(); // path -> { size, diffId, gz, bytes }
  const links = new Map(); // path -> its target's path (null: outside the archive)
  let manifestBytes = null;
  let kept = 0;
  let peak = 0;
  const started = Date.now();
  const ar = openArchive();
  try {
    for (let entry = ar.next(); entry; entry = ar.next()) {
      const path = entryPath(entry);
      if (entry.type === 'dir') continue;
      if (entry.type === 'symlink' || entry.type === 'hardlink') {
        links.set(path, linkPath(path, entry));
        continue;
      }
      if (entry.type !== 'file') {
        throw bad('ARCHIVE_ENTRY_UNSAFE', `archive entry ${entry.path} is a ${entry.type}: a docker save tarball holds files, directories and links`);
      }
      if (files.has(path) || (path === 'manifest.json' && manifestBytes)) {
        throw bad('ARCHIVE_ENTRY_INVALID', `archive entry ${entry.path} appears twice in the archive`);
      }
      if (path === 'manifest.json') {
        manifestBytes = ar.readAll(MANIFEST_MAX);
        continue;
      }
      if (ignored(path)) continue;
      // A layer, or (JSON) a config: which, manifest.json says at the end.
      const m = new Measure(ctx);
      try {
        let bytes = null;
        let json = false;
        let packed = null;
        for (let piece = ar.read(PIECE); piece.length; piece = ar.read(PIECE)) {
          if (m.size === 0) {
            packed = compression(piece);
            json = looksJson(piece);
            if (json && entry.size <= SMALL && kept + entry.size <= budget) bytes = new Uint8Array(entry.size);
          }
          if (bytes && m.size + piece.length <= bytes.length) bytes.set(piece, m.size);
          m.update(piece, !bytes);
        }
        if (bytes && m.size !== bytes.length) bytes = null; // never: libarchive gives the size it declared
        const { diffId, gz } = m.finish();
        if (bytes) {
          kept += bytes.length;
          peak = Math.max(peak, kept);
        }
        files.set(path, { size: m.size, diffId, gz, bytes, json, packed });
      } finally {
        m.dispose();
      }
    }
  } finally {
    ar.close();
  }

  if (!manifestBytes) {
    throw bad('ARCHIVE_INVALID', 'the archive has no manifest.json at its top level: not a docker save tarball');
  }
  const parsed = core.parseLegacyManifest(manifestBytes);
  if (!parsed.ok) throw bad(parsed.error.code, `docker save tarball: ${parsed.error.message}`);

  // The file a path of manifest.json names, links followed.
  const resolve = (path, what) => {
    let at = path;
    for (let hops = 0; links.has(at); hops++) {
      const next = links.get(at);
      if (next === null) throw bad('ARCHIVE_ENTRY_UNSAFE', `${what} ${quote(path)} is a link that leaves the archive`);
      if (hops >= MAX_LINKS) throw bad('ARCHIVE_ENTRY_INVALID', `${what} ${quote(path)}: more than ${MAX_LINKS} links to follow`);
      at = next;
    }
    const file = files.get(at);
    if (!file) {
      const why = ignored(at) ? 'is not a layer or config file' : at === 'manifest.json' ? 'is manifest.json' : 'is missing from the archive';
      throw bad('BLOB_UNKNOWN', `${what} ${quote(path)}${at !== path ? ` (a link to ${quote(at)})` : ''} ${why}`);
    }
    return { path: at, file };
  };

  const blobs = new Map();
  const layerEntries = new Map(); // archive path -> { digest, size, what }
  const configEntries = new Map(); // archive path -> { digest, size }
  const images = [];
  let layerBytes = 0;
  let compressedBytes = 0;
  parsed.images.forEach((img, index) => {
    const name = img.repoTags[0] ?? '';
    const label = name ? `image ${quote(name)}` : `image ${index} of manifest.json`;
    const config = resolve(img.config, `${label}: its config`);
    if (!config.file.bytes) {
      throw bad(config.file.json && config.file.size <= SMALL ? 'ARCHIVE_LIMIT' : 'LEGACY_CONFIG_INVALID',
        `${label}: its config ${quote(img.config)} ${!config.file.json ? 'is not a JSON object'
          : config.file.size > SMALL ? `is over ${SMALL} bytes` : `did not fit the ${budget} bytes kept for configs (raise archiveLimits.maxJsonBytes if the archive is genuine)`}`);
    }
    const layers = img.layers.map((path, i) => {
      const what = `${label}: layer ${i + 1} of ${img.layers.length}`;
      const { path: at, file } = resolve(path, what);
      // Docker 25 and later (containerd store) list compressed blobs: that archive's OCI layout
      // is copied as it is (image-archive.js), not converted.
      if (file.packed) {
        throw bad('LEGACY_LAYER_COMPRESSED', `${what} ${quote(path)} is ${file.packed}-compressed; a legacy docker save tarball ` +
          'holds layers as plain tars (an archive with an OCI layout is copied as its index.json says)');
      }
      file.gz ??= gzipOf(ctx, file.bytes ?? new Uint8Array(0)); // a layer that looked like JSON, or empty
      return { path, at, diffId: file.diffId, digest: file.gz.digest, size: file.gz.size, raw: file.size };
    });
    const built = core.buildLegacyManifest(img, config.file.bytes, layers);
    if (!built.ok) throw bad(built.error.code, `docker save tarball: ${built.error.message}`);
    blobs.set(built.descriptor.digest, { size: built.descriptor.size, bytes: built.manifest });
    blobs.set(built.config.digest, { size: built.config.size, bytes: options.keepConfigs ? config.file.bytes : null });
    configEntries.set(config.path, { digest: built.config.digest, size: built.config.size });
    for (const l of layers) {
      if (!blobs.has(l.digest)) {
        layerBytes += l.raw;
        compressedBytes += l.size;
      }
      blobs.set(l.digest, { size: l.size, bytes: null });
      layerEntries.set(l.at, { digest: l.digest, size: l.size, what: `layer ${quote(l.at)} of ${label} (blob ${l.digest})` });
    }
    images.push({ image: name, names: img.repoTags, index, root: built.descriptor, config: built.config, layers: built.layers });
  });
  for (const f of files.values()) f.bytes = null;

  const scan = {
    blobs,
    rest: null,
    layout: '',
    indexBytes: null,
    stats: { passes: 1, keptPeakBytes: peak, rereadBlobs: 0, streamed: false, converted: true,
      layers: layerEntries.size, layerBytes, compressedBytes, scanSeconds: (Date.now() - started) / 1000 },
    // One more pass (copyGraphs calls it per pass it needs): the layers and configs the copy may
    // want, in archive order.
    entries: (ar) => legacyEntries(ctx, ar, layerEntries, configEntries),
  };
  return { kind: 'docker-save-legacy', images, scan };
}

// The blob entries of a pass: each layer under its gzip's digest (compressed as it is read),
// each config under its own; links and other files are passed over.
function* legacyEntries(ctx, ar, layerEntries, configEntries) {
  let reader = null;
  try {
    for (let entry = ar.next(); entry; entry = ar.next()) {
      if (entry.type !== 'file') continue; // a link's target is a file of its own
      const path = entryPath(entry);
      const layer = layerEntries.get(path);
      const config = layer ? null : configEntries.get(path);
      if (!layer && !config) continue;
      reader = null;
      yield { digest: (layer ?? config).digest, reader: (d) => {
        if (layer) {
          reader = new GzipEntryReader(ctx, ar, d, layer.what);
        } else {
          if (entry.size !== d.size) throw bad('BLOB_SIZE_MISMATCH', `config ${quote(path)} (blob ${d.digest}) is ${entry.size} bytes in the archive; it was ${d.size}`);
          reader = new ArchiveEntryReader(ctx, ar, d);
        }
        return reader;
      } };
      reader?.leave(); // nothing reads on into the next entry
      reader = null;
    }
  } finally {
    reader?.leave();
    ar.close();
  }
}

/**
 * Copies the images `picked` (of scanLegacyArchive) to targets, converted. places: { targetRef(graph),
 * open(ref, signal, { mountScopes }) } as archive-copy.js takes them (graph.image: the picked
 * image's `image`, or its digest when untagged; graph.entry: the picked image). Resolves what
 * copyGraphs resolves, each image with `converted` saying why its digest is new. A legacy tarball
 * holds no referrers.
 */
export async function copyLegacy(ctx, openArchive, scanned, picked, places, options = {}) {
  const { scan } = scanned;
  const opts = { ...options, referrers: false };
  const key = (p) => p.image || p.root.digest;
  const entries = picked.map((p) => ({ image: key(p), root: p.root, label: `archive image ${key(p)}` }));
  const graphs = walkArchive(ctx, scan, entries, opts);
  for (const g of graphs) g.entry = picked.find((p) => key(p) === g.image);
  const result = await copyGraphs(ctx, openArchive, scan, graphs, places, opts);
  for (const i of result.images) i.converted = CONVERTED;
  return result;
}
