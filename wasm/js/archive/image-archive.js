// Image archives: an OCI archive (a tar of an OCI image layout: skopeo's oci-archive:, crane pull
// --format=oci, buildah push oci-archive:) or a `docker save` tarball of Docker 25 and later (an
// OCI layout beside the legacy manifest.json). Streamed, never unpacked, through the same scan,
// walk and copy as thick bundles (bundle/thick-scan.js, archive-walk.js, archive-copy.js): the
// archive's manifests are copied as they are, so digests are the ones the archive holds. A
// docker save tarball without a layout (Docker before 25) is legacy-archive.js's.
import { IrelError } from '../errors.js';
import { scanThickBundle } from '../bundle/thick-scan.js';
import { copyGraphs } from './archive-copy.js';
import { describePlans, plansOf } from './archive-describe.js';
import { walkArchive } from './archive-walk.js';

const NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name'; // docker save writes the full name here
const INDEX = 'application/vnd.oci.image.index.v1+json';

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

const PEEK = 64; // entries looked at to tell an archive's kind

/**
 * 'oci' (an OCI layout: an OCI archive, a docker save of Docker 25+) or 'legacy' (a docker save
 * of Docker 24 and before, or skopeo's docker-archive: manifest.json and layer tars), from the
 * names of its first entries (the data is skipped: a layer is not read to tell).
 */
export function archiveKind(openArchive) {
  const ar = openArchive();
  try {
    for (let e = ar.next(), n = 0; e && n < PEEK; e = ar.next(), n++) {
      const path = e.path.replace(/^(?:\.\/)+/, '');
      if (path === 'oci-layout' || path === 'index.json' || path.startsWith('blobs/')) return 'oci';
      if (/^[0-9a-f]{64}(?:\/|\.json$|\.tar$)/.test(path)) return 'legacy';
      ar.skip();
    }
    return 'oci'; // neither: the layout reader says what is missing
  } finally {
    ar.close();
  }
}

/** What a docker save tarball's manifest.json says of each image: [{ config, repoTags, layers }], or null. */
export function readDockerManifest(bytes) {
  if (!bytes) return null;
  let list;
  try {
    list = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad('ARCHIVE_INVALID', 'manifest.json of the docker save tarball is not JSON');
  }
  if (!Array.isArray(list)) throw bad('ARCHIVE_INVALID', 'manifest.json of the docker save tarball is not a list of images');
  return list.map((e, i) => {
    if (!e || typeof e !== 'object' || typeof e.Config !== 'string' || !Array.isArray(e.Layers)) {
      throw bad('ARCHIVE_INVALID', `manifest.json entry ${i} of the docker save tarball has no Config or Layers`);
    }
    return { config: e.Config, repoTags: Array.isArray(e.RepoTags) ? e.RepoTags.map(String) : [], layers: e.Layers.map(String) };
  });
}

// Defects docker save was seen to write, named before anything is read further.
function checkIndex(indexBytes, dockerSave) {
  let index;
  try {
    index = JSON.parse(new TextDecoder().decode(indexBytes));
  } catch {
    throw bad('LAYOUT_INVALID', 'index.json of the archive is not JSON');
  }
  if (index?.manifests === null) {
    throw bad('ARCHIVE_DEFECT', `index.json of the archive lists its images as "manifests": null${dockerSave
      ? ' (a defect of docker save in Docker 25 saving images by digest, moby/moby#47210): the archive names no image, nothing was copied'
      : ': it names no image'}`);
  }
}

// The images (config path in the archive, layer digests) an index.json entry reaches through
// the manifests the scan kept: one for an image, one per platform present for an index.
function configsOf(ctx, scan, d, depth = 0) {
  const b = scan.blobs.get(d.digest);
  if (!b?.bytes || depth > 4) return [];
  const m = ctx.core.parseManifest(b.bytes, d.mediaType ?? '');
  if (!m.ok) return [];
  if (m.kind === 'index') return m.manifests.flatMap((c) => configsOf(ctx, scan, c, depth + 1));
  return m.config ? [{ path: `blobs/${m.config.digest.replace(':', '/')}`, manifest: d.digest, layers: m.layers.map((l) => l.digest) }] : [];
}

const THREADS = {
  'no-layers': 'moby/moby#47065',
  'layer-order': 'moby/moby#47150',
  'missing-entries': 'moby/moby#51389',
  'missing-blob': 'moby/moby#49473',
};

// What docker save's two descriptions of the same images (index.json and manifest.json) must
// agree on; Docker 25 to 27 wrote tarballs where they did not, and copying one would push an
// image without its layers, with its layers out of order, or not at all.
function checkDockerSave(docker, configs) {
  const all = configs.flat();
  for (const e of docker) {
    const image = e.repoTags[0] ?? e.config;
    const found = all.find((c) => c.path === e.config);
    if (!found) {
      throw bad('ARCHIVE_DEFECT', `manifest.json lists ${image} (config ${e.config}), which index.json does not: docker save left it out ` +
        `(Docker 25 to 27 saving several images by digest, ${THREADS['missing-entries']}); nothing was copied`);
    }
    const want = e.layers.filter((l) => l.startsWith('blobs/')).map((l) => l.slice(6).replace('/', ':'));
    if (want.length !== e.layers.length) continue; // layer paths of the legacy format: nothing to hold the manifest to
    if (!found.layers.length && want.length) {
      throw bad('ARCHIVE_DEFECT', `the manifest ${found.manifest} of ${image} lists no layers, while manifest.json lists ${want.length}: ` +
        `a defect of docker save in Docker 25 release candidates (${THREADS['no-layers']}); nothing was copied`);
    }
    if (found.layers.length === want.length && found.layers.join() !== want.join() && [...found.layers].sort().join() === [...want].sort().join()) {
      throw bad('ARCHIVE_DEFECT', `the manifest ${found.manifest} of ${image} lists its layers in another order than manifest.json: ` +
        `a defect of docker save in Docker 25.0.0 (${THREADS['layer-order']}); nothing was copied`);
    }
  }
}

/**
 * Pass 1 over an image archive. Resolves { scan, kind: 'oci-archive' | 'docker-save', images:
 * [{ image, names, root, index }] } where images are the index entries that are not referrers
 * of others (image: the name to show, '' for none; names: every name the archive gives it).
 */
export function scanImageArchive(ctx, openArchive, options = {}) {
  const scan = scanThickBundle(ctx, openArchive, { maxJsonBytes: options.archiveLimits?.maxJsonBytes, stream: options.stream ?? false,
    keepConfigs: options.keepConfigs ?? false, layout: '', bundle: false, files: { 'manifest.json': 16 << 20 }, hashAll: options.hashAll ?? true });
  try {
    const docker = readDockerManifest(scan.files['manifest.json']);
    checkIndex(scan.indexBytes, !!docker);
    const index = ctx.core.parseManifest(scan.indexBytes, INDEX);
    if (!index.ok) throw bad(index.error.code, `index.json of the archive: ${index.error.message}`);
    // Referrers of the archive's images are copied with them, not as images of their own.
    const entries = index.manifests.map((d, i) => ({ d, i }));
    const referrer = new Set();
    for (const { d } of entries) {
      const b = scan.blobs.get(d.digest);
      const r = b?.bytes && b.size === d.size ? ctx.core.describeReferrer(b.bytes, d.mediaType ?? '', d.digest, []) : null;
      if (r?.ok && r.subject) referrer.add(d.digest);
      const name = d.annotations?.[NAME] ?? '';
      if (/^sha(256|384|512)-[0-9a-f]+\.(sig|att|sbom)$/.test(name.split(':').pop())) referrer.add(d.digest);
    }
    const kept = entries.filter(({ d }) => !referrer.has(d.digest));
    const configs = kept.map(({ d }) => configsOf(ctx, scan, d));
    if (docker) checkDockerSave(docker, configs);
    const images = kept.map(({ d }, n) => {
      const names = [d.annotations?.[CONTAINERD_NAME], d.annotations?.[NAME]].filter(Boolean);
      for (const e of docker ?? []) if (configs[n].some((c) => c.path === e.config)) names.push(...e.repoTags);
      // A plain tag (docker save's ref.name) is shown after a full name.
      const unique = [...new Set(names)].sort((a, b) => Number(!a.includes('/') && !a.includes(':')) - Number(!b.includes('/') && !b.includes(':')));
      return { image: unique.find((x) => x.includes(':') || x.includes('/')) ?? unique[0] ?? '', names: unique, root: d, index: n };
    });
    if (!images.length) throw bad('ARCHIVE_EMPTY', 'the archive holds no image (its index.json lists none)');
    return { scan, kind: docker ? 'docker-save' : 'oci-archive', images };
  } catch (e) {
    scan.rest?.ar.close();
    throw e;
  }
}

/** The same image named two ways: "busybox:1" and "docker.io/library/busybox:1". */
function sameName(core, a, b) {
  if (a === b) return true;
  const x = core.parseReference(a);
  const y = core.parseReference(b);
  return x.ok && y.ok && x.string === y.string;
}

/**
 * The image `select` picks: { name } (a name the archive gives it, in any spelling, or a plain
 * tag), { index } (the Nth image, from 0), or {} (the archive's only image).
 */
export function selectImage(ctx, images, select = {}, where = 'the archive') {
  const listed = () => images.map((i, n) => `${n}: ${i.image || i.root.digest}`).join(', ');
  if (Number.isInteger(select.index)) {
    const found = images[select.index];
    if (!found) throw bad('ARCHIVE_IMAGE_NOT_FOUND', `${where} holds ${images.length} image(s), no image @${select.index} (it has: ${listed()})`);
    return found;
  }
  if (select.name) {
    const tag = (n) => (n.includes(':') ? n.slice(n.lastIndexOf(':') + 1) : n);
    const found = images.filter((i) => i.names.some((n) => sameName(ctx.core, n, select.name) || (!select.name.includes(':') && !select.name.includes('/') && tag(n) === select.name)));
    if (found.length === 1) return found[0];
    if (found.length > 1) throw bad('ARCHIVE_AMBIGUOUS', `"${select.name}" names ${found.length} images in ${where} (it has: ${listed()})`);
    throw bad('ARCHIVE_IMAGE_NOT_FOUND', `no image "${select.name}" in ${where} (it has: ${listed()})`);
  }
  if (images.length > 1) {
    throw bad('ARCHIVE_AMBIGUOUS', `${where} holds ${images.length} images (${listed()}): name one (FILE:NAME or FILE:@N), or copy each with --all`);
  }
  return images[0];
}

/**
 * Copies the images `picked` (of scanImageArchive) from the scanned archive to targets.
 * places: { targetRef(graph), open(ref, signal, { mountScopes }) } as archive-copy.js takes
 * them, where graph.image is the picked image's `image` and graph.entry the picked entry.
 */
export async function copyFromArchive(ctx, openArchive, scanned, picked, places, options = {}) {
  const { scan } = scanned;
  let graphs = [];
  try {
    const entries = picked.map((p) => ({ image: p.image || p.root.digest, root: p.root, label: `archive image ${p.image || p.root.digest}` }));
    graphs = walkArchive(ctx, scan, entries, options);
  } catch (e) {
    scan.rest?.ar.close();
    // docker save keeps only the platforms pulled while its index lists them all: the rest is
    // copied with --platform (a new index, a new digest).
    if (e.code === 'BLOB_UNKNOWN' && /: manifest sha256:[0-9a-f]+ is missing from the archive$/.test(e.message) && !options.platforms?.length) {
      throw bad('BLOB_UNKNOWN', `${e.message}: an index whose platforms are not all in the archive (docker save keeps only those pulled) ` +
        'can be copied in part with --platform OS/ARCH');
    }
    // docker save with the containerd store wrote tarballs holding the manifests alone.
    if (scanned.kind === 'docker-save' && (e.code === 'BLOB_UNKNOWN')) {
      throw bad('ARCHIVE_DEFECT', `${e.message}: docker save wrote a tarball without it (Docker 27.5 with the containerd image store, ${THREADS['missing-blob']}); nothing was copied`);
    }
    throw e;
  }
  return copyGraphs(ctx, openArchive, scan, graphs, places, options);
}

/**
 * Each image of an image archive, verified (every blob hashed): { kind, images: [{ index, image,
 * names, digest, mediaType, size, platforms, blobs, referrers }] }.
 */
export async function describeImageArchive(ctx, openArchive, options = {}) {
  const scanned = archiveKind(openArchive) === 'legacy'
    ? (await import('./legacy-archive.js')).scanLegacyArchive(ctx, openArchive, { archiveLimits: options.archiveLimits, keepConfigs: true })
    : scanImageArchive(ctx, openArchive, { archiveLimits: options.archiveLimits, keepConfigs: true });
  const entries = scanned.images.map((p) => ({ image: p.image || p.root.digest, root: p.root, label: `archive image ${p.image || p.root.digest}` }));
  const described = await describePlans(ctx, scanned.scan, plansOf(walkArchive(ctx, scanned.scan, entries,
    scanned.kind === 'docker-save-legacy' ? { ...options, referrers: false } : options)));
  return { kind: scanned.kind, images: described.map((d, i) => ({ index: i, ...d, image: scanned.images[i].image, names: scanned.images[i].names })) };
}
