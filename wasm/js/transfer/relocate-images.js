// Relocating a list of images to a repository prefix: each reference mapped onto the prefix (as a
// bundle's images are) and copied with its digest preserved, one image after another. An image
// that fails does not stop the others; the result says which failed and why, and the mapping
// holds only the images relocated, so it never names an image that is not there.
import { errorData, IrelError } from '../errors.js';
import { copyImage } from '../registry/copy.js';

/** The relocation mapping file ({ original: relocated }, keys sorted), as the bundle commands write it. */
export function mappingJson(mapping) {
  const sorted = Object.fromEntries(Object.keys(mapping).sort().map((k) => [k, mapping[k]]));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}

/**
 * Copies each item ({ image: the name reported, source: the reference read, target }) in turn;
 * resolves [{ image, target, ok, digest?, summary? | plan?, error? }]. An image that fails does
 * not stop the others unless options.stopOnError (then its error is thrown). Progress events carry
 * `image`. Cancelling rejects (images already relocated stay relocated).
 */
export async function relocateEach(ctx, items, options = {}) {
  const emit = options.onProgress ?? (() => {});
  const results = [];
  for (const { image, source, target } of items) {
    if (options.signal?.aborted) throw options.signal.reason;
    emit({ type: 'image', phase: 'started', image, target });
    try {
      const result = await copyImage(ctx, source, target, { ...options, onProgress: (e) => emit({ ...e, image }) });
      // A dry run gives the image's plan (nothing written), a copy its summary.
      results.push({ image, target, ok: true, digest: result.digest, ...(options.dryRun ? { plan: result } : { summary: result }) });
      if (!options.dryRun) emit({ type: 'image', phase: 'done', image, target, digest: result.digest });
    } catch (e) {
      if (options.signal?.aborted) throw options.signal.reason ?? e;
      if (options.stopOnError) throw e;
      results.push({ image, target, ok: false, error: errorData(e) });
      emit({ type: 'image', phase: 'failed', image, target, error: errorData(e) });
    }
  }
  return results;
}

/**
 * refs: image references as the user wrote them (duplicates relocated once); prefix: the
 * repository prefix. options: copy options (jobs, platforms, credentials, signal, onProgress,
 * dryRun...). Resolves { mapping, json, images: [{ image, target?, ok, digest?, summary? | plan?,
 * error? }], failed }; with dryRun each image has its plan and nothing is written.
 * Rejects only for a bad prefix or when cancelled (images already relocated stay relocated).
 */
export async function relocateImages(ctx, refs, prefix, options = {}) {
  const checked = ctx.core.parseRepoPrefix(String(prefix));
  if (!checked.ok) throw new IrelError(checked.error);
  const invalid = [];
  const items = [];
  const seen = new Set();
  for (const raw of refs) {
    const image = String(raw).trim();
    if (!image || seen.has(image)) continue;
    seen.add(image);
    const mapped = ctx.core.mapReference(String(prefix), image, true);
    if (mapped.ok) items.push({ image, source: image, target: mapped.output });
    else invalid.push({ image, ok: false, error: errorData(mapped.error) });
  }
  const relocated = await relocateEach(ctx, items, { ...options, stopOnError: false });
  // In the order given: invalid references where they stood.
  const byImage = new Map([...invalid, ...relocated].map((i) => [i.image, i]));
  const images = [...seen].map((image) => byImage.get(image));
  const mapping = Object.fromEntries(relocated.filter((i) => i.ok).map((i) => [i.image, i.target]));
  return { mapping, json: mappingJson(mapping), images, failed: images.filter((i) => !i.ok).length };
}
