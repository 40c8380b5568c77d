// Thin bundles (a CNAB bundle.json): their images, relocation mappings, relocation from the
// original registries, and checks of a mapping against the bundle (offline, then online).
import { IrelError } from '../errors.js';
import { imageDigest } from '../registry/digest.js';

const encoder = new TextEncoder();
const asBytes = (b) => (typeof b === 'string' ? encoder.encode(b) : b);

export function readBundle(core, bytes) {
  const b = core.parseBundle(asBytes(bytes));
  if (!b.ok) throw new IrelError(b.error);
  return b;
}

export function mapBundle(core, bytes, prefix) {
  const r = core.mapBundle(asBytes(bytes), String(prefix));
  if (!r.ok) throw new IrelError(r.error);
  return { mapping: r.mapping, json: r.json };
}

// The reference to copy from: pinned to the bundle's contentDigest when it has one, so that the
// bytes relocated are the bytes the bundle was built with.
export function pinnedSource(core, image) {
  if (!image.contentDigest) return image.image;
  const ref = core.resolveEndpoint(image.image, []);
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}@${image.contentDigest}`;
}

export async function relocateThinBundle(ctx, bytes, prefix, options = {}) {
  const bundle = readBundle(ctx.core, bytes);
  const { mapping, json } = mapBundle(ctx.core, bytes, prefix);
  const items = [];
  const seen = new Set();
  for (const image of bundle.images) {
    if (!image.relocatable || seen.has(image.image)) continue;
    seen.add(image.image);
    items.push({ image: image.image, source: pinnedSource(ctx.core, image), target: mapping[image.image] });
  }
  // A bundle's mapping is written whole or not at all: the first image that fails stops it.
  const { relocateEach } = await import('../transfer/relocate-images.js'); // loaded when used: see irel.js
  const images = await relocateEach(ctx, items, { ...options, platforms: [], stopOnError: true });
  return { mapping, json, images, ...(options.dryRun ? { dryRun: true } : {}) };
}

export async function checkBundleMapping(ctx, bundleBytes, mappingBytes, options = {}) {
  const r = ctx.core.checkBundleMapping(asBytes(bundleBytes), asBytes(mappingBytes));
  if (!r.ok) throw new IrelError(r.error);
  if (!options.online) return r.verdicts;
  const bundle = readBundle(ctx.core, bundleBytes);
  const pinned = new Map();
  for (const i of bundle.images) {
    if (!i.relocatable) continue;
    const own = ctx.core.resolveEndpoint(i.image, []);
    pinned.set(i.image, i.contentDigest || (own.ok ? own.digest : ''));
  }
  // options.expected: Map(image -> digest) known otherwise (a thick bundle's archive).
  for (const v of r.verdicts) {
    if (!v.ok) continue;
    try {
      const digest = await imageDigest(ctx, v.relocated, options);
      const pin = pinned.get(v.image);
      const want = pin || options.expected?.get(v.image);
      v.digest = digest;
      if (want && digest !== want) {
        v.ok = false;
        v.problem = `the registry has ${digest}, ${pin ? 'the bundle pins' : "the bundle's archive holds"} ${want}`;
      }
    } catch (e) {
      v.ok = false;
      v.problem = e.message;
    }
    if (!v.ok) continue;
    // A thick bundle's referrers come from its archive; a thin bundle's from its images'
    // registries, which a check run where they cannot be reached does without (said so).
    let referrers = options.referrersByImage?.get(v.image);
    if (!options.referrersByImage && options.referrers !== false) {
      try {
        referrers = await sourceReferrers(ctx, bundle, v.image, options);
      } catch (e) {
        v.referrersUnchecked = `its referrers were not checked: ${e.message}`;
      }
    }
    if (referrers?.length) await checkReferrers(ctx, v, referrers, options);
  }
  return r.verdicts;
}

// The referrers a thin bundle's image has in its registry (pinned to the bundle's digest).
async function sourceReferrers(ctx, bundle, image, options) {
  const entry = bundle.images.find((i) => i.image === image);
  const { describeImage } = await import('../transfer/describe-image.js');
  const described = await describeImage(ctx, pinnedSource(ctx.core, entry), { ...options, listReferrers: true });
  return described.referrers;
}

// Whether each referrer the bundle carries for an image is at the target, in the relocated
// image's repository (by digest; a cosign tag must name it): v.referrers lists each with
// `present`; one missing fails the verdict, as it fails a relocation.
async function checkReferrers(ctx, v, referrers, options) {
  const repo = ctx.core.parseReference(v.relocated);
  if (!repo.ok) return;
  v.referrers = [];
  for (const r of referrers) {
    const entry = { digest: r.digest, artifactType: r.artifactType, ...(r.tag ? { tag: r.tag } : {}), present: false };
    try {
      entry.present = (await imageDigest(ctx, r.tag ? `${repo.name}:${r.tag}` : `${repo.name}@${r.digest}`, options)) === r.digest;
      if (!entry.present) entry.problem = `the target's tag ${r.tag} names another manifest`;
    } catch (e) {
      entry.problem = e.code === 'MANIFEST_UNKNOWN' || e.status === 404 ? 'not at the target' : e.message;
    }
    v.referrers.push(entry);
  }
  const missing = v.referrers.filter((r) => !r.present);
  if (missing.length) {
    v.ok = false;
    v.problem = `${missing.length} of ${v.referrers.length} referrers missing at the target: ` +
      missing.map((r) => `${r.tag ?? r.digest}${r.artifactType ? ` (${r.artifactType})` : ''}: ${r.problem}`).join('; ');
  }
}

/** Each image of a thin bundle, looked up in its registry: { image, digest, mediaType, size, platforms, blobs, referrers }. */
export async function describeThinBundle(ctx, bytes, options = {}) {
  const bundle = readBundle(ctx.core, bytes);
  const out = [];
  const seen = new Set();
  for (const image of bundle.images) {
    if (!image.relocatable || seen.has(image.image)) continue;
    seen.add(image.image);
    const { describeImage } = await import('../transfer/describe-image.js');
    const described = await describeImage(ctx, pinnedSource(ctx.core, image), { ...options, listReferrers: options.referrers !== false });
    out.push({ ...described, image: image.image, referrers: described.referrers ?? [] });
  }
  return out;
}
