// An OCI image layout directory as a place to copy from or to. Writes are atomic: a blob is
// written to a temporary file and renamed once its digest is verified; index.json is replaced by
// rename, so an interrupted copy leaves no half-written blob and no name for an incomplete image.
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { IrelError } from '../errors.js';
import { checkBytes } from '../registry/digest-check.js';
import { writeFileAtomic } from './atomic-file.js';
import { FileBlobReader } from './file-blob-reader.js';

function fail(error, side) {
  throw new IrelError({ ...error, side });
}

async function readOrNull(path) {
  try {
    return await readFile(path);
  } catch (e) {
    if (e.code === 'ENOENT') return null;
    throw e;
  }
}

function blobPath(core, dir, digest, side) {
  const p = core.layoutBlobPath(digest);
  if (!p.ok) fail(p.error, side);
  return join(dir, p.path);
}


async function readIndex(core, dir, side) {
  const layout = await readOrNull(join(dir, 'oci-layout'));
  if (!layout) fail({ code: 'LAYOUT_INVALID', message: `${dir} is not an OCI image layout (no oci-layout file)` }, side);
  const checked = core.checkOciLayout(layout);
  if (!checked.ok) fail({ ...checked.error, message: `${dir}: ${checked.error.message}` }, side);
  const index = await readOrNull(join(dir, 'index.json'));
  if (!index) fail({ code: 'LAYOUT_INVALID', message: `${dir} has no index.json` }, side);
  return index;
}

async function readManifest(ctx, dir, descriptor, side) {
  const path = blobPath(ctx.core, dir, descriptor.digest, side);
  const bytes = await readOrNull(path);
  if (!bytes) fail({ code: 'MANIFEST_UNKNOWN', message: `manifest ${descriptor.digest} is missing from ${dir}` }, side);
  const digest = checkBytes(ctx, bytes, descriptor, side, `manifest ${descriptor.digest} in ${dir}`);
  return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), digest, mediaType: descriptor.mediaType };
}

/**
 * The image `ref` in the layout at `dir`: a name, a tag or a digest; { index: N } for the Nth
 * entry of index.json; or '' for the layout's only image.
 */
export async function findInLayout(ctx, dir, ref, side = 'source') {
  const index = await readIndex(ctx.core, dir, side);
  if (!ref || typeof ref === 'object') {
    const parsed = ctx.core.parseManifest(index, 'application/vnd.oci.image.index.v1+json');
    if (!parsed.ok) fail({ ...parsed.error, message: `${dir}/index.json: ${parsed.error.message}` }, side);
    const list = parsed.manifests;
    const names = () => list.map((d, i) => `${i}: ${d.annotations?.['org.opencontainers.image.ref.name'] ?? d.digest}`).join(', ') || 'nothing';
    if (ref && Number.isInteger(ref.index)) {
      if (!list[ref.index]) fail({ code: 'LAYOUT_IMAGE_NOT_FOUND', message: `no image @${ref.index} in ${dir} (it has: ${names()})` }, side);
      return list[ref.index];
    }
    if (list.length !== 1) {
      fail({ code: list.length ? 'LAYOUT_AMBIGUOUS' : 'LAYOUT_IMAGE_NOT_FOUND',
        message: `${dir} holds ${list.length} images (${names()}): name one (oci:DIR:NAME or oci:DIR:@N)` }, side);
    }
    return list[0];
  }
  const found = ctx.core.findInLayout(index, String(ref));
  if (!found.ok) fail(found.error, side);
  return found.descriptor;
}

const MAX_ENTRIES = 10000; // index.json entries looked through for referrers

/**
 * The image `ref` of the layout at `dir` as a Source (transfer/place.js), which also lists the
 * referrers the layout holds (as irel writes them: unnamed index.json entries with a `subject`,
 * cosign tags named `<repository>:<tag>` or by the plain tag), as a registry source does.
 */
export async function layoutSource(ctx, dir, ref) {
  const { core } = ctx;
  const descriptor = await findInLayout(ctx, dir, ref);
  const parsed = typeof ref === 'string' && ref ? core.parseReference(ref) : { ok: false };
  const name = parsed.ok && ref.includes('/') ? parsed.name : '';
  // The index's entries and the subjects of the unnamed ones, read once, when first asked.
  let entries = null;
  const listed = async () => {
    if (entries) return entries;
    const index = core.parseManifest(await readIndex(core, dir, 'source'), 'application/vnd.oci.image.index.v1+json');
    entries = [];
    for (const d of (index.ok ? index.manifests : []).slice(0, MAX_ENTRIES)) {
      const entryName = d.annotations?.['org.opencontainers.image.ref.name'] ?? '';
      const m = entryName ? null : await readManifest(ctx, dir, d, 'source').catch(() => null);
      const r = m ? core.describeReferrer(m.bytes, d.mediaType ?? '', d.digest, []) : null;
      entries.push({ d, name: entryName, subject: r?.ok ? r.subject : '', artifactType: r?.ok ? r.descriptor.artifactType ?? '' : '' });
    }
    return entries;
  };
  return {
    kind: 'layout',
    name,
    reference: typeof ref === 'object' ? `${dir}:@${ref.index}` : ref ? `${dir}:${ref}` : dir,
    root: () => readManifest(ctx, dir, descriptor, 'source'),
    manifest: (d) => readManifest(ctx, dir, d, 'source'),
    reader: (d) => new FileBlobReader({ ctx, path: blobPath(core, dir, d.digest, 'source'), descriptor: d, where: `in ${dir}` }),
    async referrers(subject) {
      const found = (await listed()).filter((e) => e.subject === subject);
      return { via: 'layout', referrers: found.map((e) => ({ ...e.d, ...(e.artifactType ? { artifactType: e.artifactType } : {}) })) };
    },
    async tagged(tag) {
      const e = (await listed()).find((x) => x.name === tag || (name && x.name === `${name}:${tag}`));
      return e ? readManifest(ctx, dir, e.d, 'source') : null;
    },
  };
}

// index.json is read, changed and replaced: two copies into one layout at once (an image's
// referrers are) must take turns, or the later rename drops the other's entry.
const indexTurns = new Map(); // dir -> the last update's promise
function serialized(dir, update) {
  const turn = (indexTurns.get(dir) ?? Promise.resolve()).then(update);
  const settled = turn.catch(() => {});
  indexTurns.set(dir, settled);
  settled.then(() => { if (indexTurns.get(dir) === settled) indexTurns.delete(dir); });
  return turn;
}

/** name: the ref-name annotation for the root (e.g. the image's original name), or '' for none. */
export async function layoutTarget(ctx, dir, name) {
  const { core } = ctx;
  await mkdir(dir, { recursive: true });
  if (!(await readOrNull(join(dir, 'oci-layout')))) await writeFileAtomic(join(dir, 'oci-layout'), core.ociLayoutFile());
  if (!(await readOrNull(join(dir, 'index.json')))) await writeFileAtomic(join(dir, 'index.json'), core.emptyLayoutIndex());
  await readIndex(core, dir, 'target');
  const exists = async (d) => {
    try {
      return (await stat(blobPath(core, dir, d.digest, 'target'))).size === d.size;
    } catch {
      return false;
    }
  };
  const writeBlob = async (path, chunks) => {
    await mkdir(join(path, '..'), { recursive: true });
    await writeFileAtomic(path, chunks);
  };
  const parsed = name ? core.parseReference(name) : { ok: false };
  return {
    // Referrers (transfer/referrers.js): a cosign tag goes under `<repository>:<tag>` (the plain
    // tag for an image named by one); the index lists the others itself, no fallback tag.
    name: parsed.ok && name.includes('/') ? parsed.name : '',
    referrersApi: async () => true,
    tagged: async () => null,
    where: { registry: `oci-layout:${dir}`, repository: '' }, // blobs never mount between layouts
    mountFrom: '',
    rootRef: (digest) => name || digest,
    checkDigest() {},
    reference: (ref) => `${dir}:${ref}`,
    hasManifest: (digest) => stat(blobPath(core, dir, digest, 'target')).then(() => true, () => false),
    hasBlob: (d) => exists(d),
    async putBlob(d, reader) {
      // The reader verifies the digest before yielding the last bytes; a failure leaves no blob.
      // A reader that cannot stream (a blob held in memory) is read in ranges.
      const pieces = reader.can?.stream ? reader.stream(0, d.size) : (async function* ranges() {
        for (let at = 0; at < d.size; at += 1 << 20) yield await reader.read(at, Math.min(1 << 20, d.size - at));
      })();
      await writeBlob(blobPath(core, dir, d.digest, 'target'), pieces);
      return 'uploaded';
    },
    async putManifest(ref, m, isRoot) {
      await writeBlob(blobPath(core, dir, m.digest, 'target'), [m.bytes]);
      if (!isRoot) return;
      await serialized(dir, async () => {
        const index = await readIndex(core, dir, 'target');
        const updated = core.addToLayoutIndex(index, { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length },
          ref === m.digest ? '' : ref);
        if (!updated.ok) fail(updated.error, 'target');
        await writeFileAtomic(join(dir, 'index.json'), updated.bytes);
      });
    },
  };
}
