// Copying an image (or index) from one repository to another with its digest preserved, and
// with it (unless options.referrers === false) the signatures, attestations and SBOMs that refer
// to it (transfer/referrers.js).
import { errorData } from '../errors.js';
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
  const referrers = await bringReferrers(ctx, source, target, manifests, await found, options);
  result.referrers = options.dryRun ? referrers.count : referrers;
  return result;
}

async function findReferrers(ctx, source, manifests, options) {
  const { discoverReferrers } = await import('../transfer/referrers.js');
  try {
    return await discoverReferrers(ctx, source, manifests.digests, { types: options.referrersTypes ?? [], signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted) throw e;
    return { error: e };
  }
}

// Referrers never fail the copy of what they refer to: what went wrong is in the summary
// (summary.referrers.failed), for the caller to report.
async function bringReferrers(ctx, source, target, manifests, discovered, options) {
  const note = manifests.rootRewritten
    ? `the platform filter gave the index a new digest: referrers of the original index ${manifests.sourceRoot} do not apply to it and were not copied`
    : undefined;
  const more = note ? { note } : {};
  if (discovered.error) {
    const failed = [{ digest: manifests.sourceRoot, kind: 'discovery', error: errorData(discovered.error) }];
    return { count: 0, copied: 0, filtered: 0, failed, fallbackTags: [], ...more };
  }
  const { found, filtered, unreadable, truncated } = discovered;
  if (truncated) {
    more.note = `${more.note ? `${more.note}; ` : ''}the source lists more referrers than ${found.length}: only those were looked at`;
  }
  if (options.dryRun) return { count: found.length };
  const { copyReferrers } = await import('../transfer/referrers.js');
  const copied = await copyReferrers(ctx, {
    source, target, found, options,
    openSource: (text, signal) => registrySource(ctx, text, signal),
    openTarget: (text, signal, src) => registryTarget(ctx, text, signal, src, options),
  });
  const notRead = unreadable.map((u) => ({ digest: u.digest, subject: u.subject, kind: 'referrer', error: errorData(u.error) }));
  return { count: found.length, ...copied, failed: [...notRead, ...copied.failed], filtered, ...more };
}
