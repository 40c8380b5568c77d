// Thin bundles (a CNAB bundle.json): their images, relocation mappings, relocation from the
// original registries, and checks of a mapping against the bundle (offline, then online).
import { IrelError } from '../errors.js';
import { registrySource, registryTarget } from '../registry/registry-place.js';
import { imageDigest } from '../registry/digest.js';
import { relocate } from '../transfer/relocate.js';
import { describeImage } from '../transfer/describe-image.js';

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
function pinnedSource(core, image) {
  if (!image.contentDigest) return image.image;
  const ref = core.resolveEndpoint(image.image, []);
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}@${image.contentDigest}`;
}

export async function relocateThinBundle(ctx, bytes, prefix, options = {}) {
  const bundle = readBundle(ctx.core, bytes);
  const { mapping, json } = mapBundle(ctx.core, bytes, prefix);
  const emit = options.onProgress ?? (() => {});
  const results = [];
  const seen = new Set();
  for (const image of bundle.images) {
    if (!image.relocatable || seen.has(image.image)) continue;
    seen.add(image.image);
    const target = mapping[image.image];
    emit({ type: 'image', phase: 'started', image: image.image, target });
    const summary = await relocate(ctx,
      (signal) => registrySource(ctx, pinnedSource(ctx.core, image), signal),
      (signal, source) => registryTarget(ctx, target, signal, source, options),
      { ...options, platforms: [], onProgress: (e) => emit({ ...e, image: image.image }) });
    // A dry run gives each image's plan (nothing written).
    results.push({ image: image.image, target, digest: summary.digest, ...(options.dryRun ? { plan: summary } : { summary }) });
    if (!options.dryRun) emit({ type: 'image', phase: 'done', image: image.image, target, digest: summary.digest });
  }
  return { mapping, json, images: results, ...(options.dryRun ? { dryRun: true } : {}) };
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
  }
  return r.verdicts;
}

/** Each image of a thin bundle, looked up in its registry: { image, digest, mediaType, size, platforms, blobs }. */
export async function describeThinBundle(ctx, bytes, options = {}) {
  const bundle = readBundle(ctx.core, bytes);
  const out = [];
  const seen = new Set();
  for (const image of bundle.images) {
    if (!image.relocatable || seen.has(image.image)) continue;
    seen.add(image.image);
    out.push({ ...(await describeImage(ctx, pinnedSource(ctx.core, image), options)), image: image.image });
  }
  return out;
}
