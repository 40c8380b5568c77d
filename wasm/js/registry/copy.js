// Copying an image (or index) from one repository to another with its digest preserved, and
// with it (unless options.referrers === false) the signatures, attestations and SBOMs that refer
// to it (transfer/referrers.js).
import { bringReferrers, findReferrers } from '../transfer/referrers.js';
import { relocate } from '../transfer/relocate.js';
import { registrySource, registryTarget } from './registry-place.js';

export async function copyImage(ctx, srcText, dstText, options = {}) {
  const withReferrers = options.referrers !== false;
  let source = null;
  let target = null;
  let manifests = null;
  let found = null; // the source's referrers, looked for while the image itself is copied
  const result = await relocate(ctx,
    async (signal) => (source = await registrySource(ctx, srcText, signal)),
    async (signal, src) => (target = await registryTarget(ctx, dstText, signal, src, options)),
    options, { targetBeside: true, onManifests: (m) => {
      manifests = m;
      if (!withReferrers) return;
      found = findReferrers(ctx, source, m, options);
      found.catch(() => {}); // awaited below, once the image is copied
    } });
  if (!found) return result;
  const referrers = await bringReferrers(ctx, { source, target, manifests, discovered: await found, options,
    open: { source: (text, signal) => registrySource(ctx, text, signal), target: (text, signal, src) => registryTarget(ctx, text, signal, src, options) } });
  result.referrers = options.dryRun ? referrers.count : referrers;
  return result;
}

