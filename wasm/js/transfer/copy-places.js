// `irel copy SRC DST` between any two places, named as skopeo names them (core/place): a registry
// (docker://REF, or REF), an OCI layout (oci:DIR[:NAME]), an OCI archive (oci-archive:FILE[:NAME])
// or a docker save tarball (docker-archive:FILE[:REF]). One engine: a registry or a layout is
// read at random (relocate.js), an archive as one stream (archive/image-archive.js); an archive
// is written as a layout in a temporary directory, then packed into its file atomically
// (env.writeImageArchive).
//
// env: archiveFile(path) -> a byte source, layout { layoutSource, layoutTarget },
// writeImageArchive (Node; absent in browsers).
import { IrelError } from '../errors.js';
import { copyImage } from '../registry/copy.js';
import { registrySource, registryTarget } from '../registry/registry-place.js';
import { bringReferrers, findReferrers } from './referrers.js';
import { relocate } from './relocate.js';

const ARCHIVES = new Set(['oci-archive', 'docker-archive']);

/** The place `text` names, or an IrelError naming what is wrong with it. */
export function parsePlace(core, text, side) {
  const p = core.parsePlace(String(text));
  if (!p.ok) throw new IrelError({ ...p.error, side });
  return p;
}

function needs(env, what, side) {
  if (!env[what]) {
    throw new IrelError({ code: 'UNSUPPORTED', side,
      message: `${side === 'source' ? 'reading' : 'writing'} files needs a file system (use Node; the page and the worker read archives given as files)` });
  }
  return env[what];
}

// A registry reference for the picked image of an archive: DST itself, or, with --all, DST's
// repository under the image's own tag.
function pickTarget(core, dstRef, picked, all) {
  if (!all) return dstRef;
  const repo = core.parseReference(dstRef);
  const own = core.parseReference(picked.image);
  if (!own.ok || !own.tag) {
    throw new IrelError({ code: 'ARCHIVE_IMAGE_UNNAMED', side: 'source',
      message: `archive image ${picked.index} (${picked.root.digest}) has no tag to copy it under: copy it alone, naming the target` });
  }
  return `${repo.name}:${own.tag}`;
}

/**
 * Copies SRC to DST. Resolves the CopySummary (one image) or, with options.all from an archive,
 * { images: [CopySummary] }. env: the environment's file access (layout, imageArchive,
 * writeImageArchive; Node only) and options.archive (a function giving a fresh archive reader,
 * for archives given as files in browsers).
 */
export async function copyPlaces(ctx, env, srcText, dstText, options = {}) {
  const { core } = ctx;
  const src = parsePlace(core, srcText, 'source');
  const dst = parsePlace(core, dstText, 'target');
  if (dst.index >= 0) throw new IrelError({ code: 'PLACE_INVALID', side: 'target', message: `${dstText}: ":@N" picks a source's image; a target takes a name` });
  if (src.transport === 'docker' && dst.transport === 'docker') return copyImage(ctx, src.reference, dst.reference, options);
  if (options.all && !ARCHIVES.has(src.transport)) {
    throw new IrelError({ code: 'PLACE_INVALID', side: 'source', message: '--all copies every image of an archive (oci-archive: or docker-archive:)' });
  }

  // An archive is written whole or not at all: the image goes into a layout first.
  if (ARCHIVES.has(dst.transport)) {
    if (options.dryRun) throw new IrelError({ code: 'UNSUPPORTED', side: 'target', message: 'a dry run asks a registry or a layout what it has; an archive is written anew' });
    const write = needs(env, 'writeImageArchive', 'target');
    // docker-archive: the image's name in manifest.json (RepoTags): DST's, else the source's.
    const name = dst.transport === 'oci-archive' ? dst.name : dst.reference || (src.transport === 'docker' ? src.reference : '');
    return write(ctx, dst, name, async (layoutDir) => copyPlaces(ctx, env, srcText, `oci:${layoutDir}${name ? `:${name}` : ''}`, options), options);
  }

  const openTarget = async (ref, signal, sourceOpening, more = {}) => {
    if (dst.transport === 'docker') return registryTarget(ctx, ref, signal, sourceOpening, { ...options, ...more });
    return needs(env, 'layout', 'target').layoutTarget(ctx, dst.path, ref);
  };
  const targetName = (fallback) => (dst.transport === 'docker' ? dst.reference : dst.name || fallback);

  if (ARCHIVES.has(src.transport)) {
    // options.archive: () => a byte source ({ read, close }) for an archive given as a file (browsers).
    const bytes = options.archive ?? (() => needs(env, 'archiveFile', 'source')(src.path));
    const picks = (images) => {
      const picked = options.all ? images
        : [selectImageOf(ctx, images, src.index >= 0 ? { index: src.index } : { name: src.name || src.reference }, src.path)];
      return picked.map((entry) => ({ entry,
        target: dst.transport === 'docker' ? pickTarget(core, dst.reference, entry, options.all) : `oci:${dst.path}${targetName(options.all ? entry.image : '') ? `:${targetName(options.all ? entry.image : '')}` : ''}` }));
    };
    const result = await copyArchiveImages(ctx, env, bytes, picks, options, src.path);
    if (options.dryRun) return options.all ? { ...result, images: result.images.map((i) => i.plan) } : result.images[0].plan;
    return options.all ? result : { ...result, ...(result.images?.[0] ?? {}) };
  }

  // A registry or a layout, read at random, and the referrers of what was copied after it.
  const layout = (side) => needs(env, 'layout', side);
  const openSource = (signal, text = null) => {
    if (src.transport === 'docker') return registrySource(ctx, text ?? src.reference, signal);
    if (text === null) return layout('source').layoutSource(ctx, src.path, src.index >= 0 ? { index: src.index } : src.name);
    // A referrer: NAME@DIGEST, or NAME:TAG (NAME '' for a layout image named by a plain tag).
    const at = text.lastIndexOf('@');
    return layout('source').layoutSource(ctx, src.path, at >= 0 ? text.slice(at + 1) : text.replace(/^:/, ''));
  };
  const openReferrerTarget = (text, signal, source) => (dst.transport === 'docker'
    ? registryTarget(ctx, text, signal, source, options)
    : layout('target').layoutTarget(ctx, dst.path, text.includes('@') ? '' : text.replace(/^:/, '')));
  let source = null;
  let target = null;
  let manifests = null;
  let found = null;
  const result = await relocate(ctx, async (signal) => (source = await openSource(signal)),
    async (signal, opening) => (target = await openTarget(targetName(''), signal, opening)), options,
    { targetBeside: dst.transport === 'docker', onManifests: (m) => {
      manifests = m;
      if (options.referrers === false || !source?.referrers) return;
      found = findReferrers(ctx, source, m, options);
      found.catch(() => {}); // awaited once the image is copied
    } });
  if (!found) return result;
  const referrers = await bringReferrers(ctx, { source, target, manifests, discovered: await found, options,
    open: { source: (text, signal) => openSource(signal, text), target: openReferrerTarget } });
  result.referrers = options.dryRun ? referrers.count : referrers;
  return result;
}

let imageArchive = null; // archive/image-archive.js, loaded when an archive is copied
const selectImageOf = (...a) => imageArchive.selectImage(...a);

/**
 * Copies images of an image archive (an OCI archive or a docker save tarball). bytes: () => a
 * byte source for one pass over it. picks(images) -> [{ entry (one of images), target (a place:
 * a registry reference or oci:DIR[:NAME]) }], given the archive's images (scanImageArchive's).
 * Resolves archive-copy.js's result: { images: [{ image, target, digest, ... }], referrers?, archive }.
 */
export async function copyArchiveImages(ctx, env, bytes, picks, options = {}, where = 'the archive') {
  const { core } = ctx;
  for (const p of options.platforms ?? []) {
    const r = core.parsePlatform(p);
    if (!r.ok) throw new IrelError(r.error);
  }
  const { openArchive: openReader } = await import('../archive/archive-file.js');
  imageArchive ??= await import('../archive/image-archive.js');
  const openArchive = () => openReader(core, bytes(), options.archiveLimits ?? {});
  // By default each blob is verified as it is uploaded (docker save writes its index last, so
  // the blobs take a second pass anyway) and no manifest is written from a bad archive;
  // verifyFirst hashes every blob first, so that nothing at all is written from one.
  // A docker save of Docker 24 and before (no OCI layout) is converted (legacy-archive.js).
  const legacy = imageArchive.archiveKind(openArchive) === 'legacy' ? await import('../archive/legacy-archive.js') : null;
  const scanned = legacy ? legacy.scanLegacyArchive(ctx, openArchive, { archiveLimits: options.archiveLimits })
    : imageArchive.scanImageArchive(ctx, openArchive, { archiveLimits: options.archiveLimits, stream: !options.verifyFirst,
      hashAll: !!options.verifyFirst || !!options.dryRun });
  try {
    const chosen = picks(scanned.images).map((p) => ({ ...p, place: parsePlace(core, p.target, 'target') }));
    const key = (e) => e.image || e.root.digest;
    const byImage = new Map();
    for (const c of chosen) {
      if (ARCHIVES.has(c.place.transport)) throw new IrelError({ code: 'UNSUPPORTED', side: 'target', message: `${c.target}: copy an archive's images to a registry or a layout` });
      if (byImage.has(key(c.entry))) throw new IrelError({ code: 'ARCHIVE_AMBIGUOUS', side: 'source', message: `${key(c.entry)} of ${where} is picked twice` });
      byImage.set(key(c.entry), c);
    }
    const targets = chosen.map((c) => c.place.string ?? c.target);
    if (new Set(targets).size < targets.length) {
      throw new IrelError({ code: 'ARCHIVE_AMBIGUOUS', side: 'target', message: `two images of ${where} would go to the same place: copy them one by one` });
    }
    // A referrer goes beside its image: its repository by digest or cosign tag; in a layout,
    // unnamed or under its cosign name.
    const targetRef = (g) => {
      const { place } = byImage.get(g.image);
      const own = place.transport === 'docker' ? place.reference : place.name;
      if (!g.referrer) return own;
      if (place.transport !== 'docker') return g.referrer.tag ? `${core.parseReference(g.image).name ?? g.image}:${g.referrer.tag}` : '';
      const repo = core.parseReference(own);
      return g.referrer.tag ? `${repo.name}:${g.referrer.tag}` : `${repo.name}@${g.referrer.digest}`;
    };
    const open = (ref, signal, more, g) => {
      const { place } = byImage.get(g.image);
      if (place.transport === 'docker') return registryTarget(ctx, ref, signal, null, { ...options, ...more });
      return needs(env, 'layout', 'target').layoutTarget(ctx, place.path, ref);
    };
    const copy = legacy ? legacy.copyLegacy : imageArchive.copyFromArchive;
    const result = await copy(ctx, openArchive, scanned, chosen.map((c) => c.entry), { targetRef, open }, options);
    // Each image's target as the pick named it (a layout's: oci:DIR:NAME).
    for (const i of result.images ?? []) i.target = byImage.get(i.image)?.target ?? i.target;
    return result;
  } finally {
    scanned.scan.rest?.ar.close();
  }
}
