// Thick bundles: an archive (.tgz/.tar.gz, .tar, .tar.zst, .tar.xz) holding bundle.json and
// artifacts/layout/, an OCI layout whose ref-name annotations are the bundle's original image
// names. The archive is streamed, never unpacked: thick-scan.js reads bundle.json, the layout's
// index and the manifests it reaches; where those come before the layers (as export writes them)
// the same pass streams the blobs the targets lack on into the registry, otherwise (or with
// verifyFirst) a first pass hashes every blob and a second streams them. No manifest is pushed
// before the whole archive has been read. The original registries are never contacted.
import { copyGraphs } from '../archive/archive-copy.js';
import { describePlans, plansOf } from '../archive/archive-describe.js';
import { walkArchive } from '../archive/archive-walk.js';
import { IrelError } from '../errors.js';
import { registryTarget } from '../registry/registry-place.js';
import { mapBundle } from './thin.js';
import { scanThickBundle } from './thick-scan.js';

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

/**
 * Every image's graph, checked against what the archive holds, before anything is pushed: the
 * bundle's relocatable images (found in the layout by name, held to their pins), then their
 * referrers (archive/archive-walk.js).
 */
function walkThickBundle(ctx, scan, options = {}) {
  const { core } = ctx;
  const entries = [];
  const seen = new Set();
  for (const image of scan.bundle.images) {
    if (!image.relocatable || seen.has(image.image)) continue;
    seen.add(image.image);
    const found = core.findInLayout(scan.indexBytes, image.image);
    if (!found.ok) throw bad(found.error.code, `bundle image ${image.image}: ${found.error.message}`);
    const root = found.descriptor;
    if (image.contentDigest && root.digest !== image.contentDigest) {
      throw bad('DIGEST_MISMATCH', `bundle image ${image.image} is ${root.digest} in the layout, but the bundle pins ${image.contentDigest}`);
    }
    entries.push({ image: image.image, root, label: `bundle image ${image.image}` });
  }
  return walkArchive(ctx, scan, entries, options);
}

/** Every image's graph as data: [{ image, root, blobs, manifests, info, referrer? }]. */
export function planThickBundle(ctx, scan, options = {}) {
  return plansOf(walkThickBundle(ctx, scan, options));
}

/**
 * Each image of a thick bundle: { image, digest, mediaType, size, platforms, blobs, referrers },
 * verified; referrers: [{ digest, mediaType, artifactType, size, subject, tag? }] (size: the
 * referrer's manifest and blobs).
 */
export async function describeThickBundle(ctx, openArchive, options = {}) {
  const scan = scanThickBundle(ctx, openArchive, { maxJsonBytes: options.archiveLimits?.maxJsonBytes, keepConfigs: true });
  return describePlans(ctx, scan, planThickBundle(ctx, scan, options));
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
  const { mapping, json } = mapBundle(ctx.core, scan.bundleBytes, prefix);
  // A referrer goes to its image's repository, by digest, or as its cosign tag.
  const targetRef = (g) => {
    if (!g.referrer) return mapping[g.image];
    const repo = ctx.core.parseReference(mapping[g.image]);
    if (!repo.ok) throw new IrelError(repo.error);
    return g.referrer.tag ? `${repo.name}:${g.referrer.tag}` : `${repo.name}@${g.referrer.digest}`;
  };
  // The uploads size their own requests (pushBlob): in Node one streamed PATCH per blob, so that
  // inflating the next bytes overlaps the registry taking the last; in browsers 64 MiB bodies.
  const open = (ref, signal, { mountScopes } = {}) => registryTarget(ctx, ref, signal, null, { ...options, ...(mountScopes ? { mountScopes } : {}) });
  const result = await copyGraphs(ctx, openArchive, scan, graphs, { targetRef, open }, options);
  return { mapping, json, ...result };
}
