// Running a relocation of the "Relocate images" panel in the worker: a list of references through
// the library's relocateImages (one image failing does not stop the others), or a dropped
// bundle.json through the bundle's relocate (pinned to its content digests). Progress goes to one
// card per image, its referrers (signatures, attestations, SBOMs) items of their own on it; each
// relocated image's digest is read back from the target registry.
import { formatBytes, shortDigest } from './format.js';
import { confirmDigest, errorData } from './render.js';

const NOT_STARTED = { code: 'CANCELLED', message: 'not started: the relocation was cancelled' };

/** A copy's progress on its image's card. */
function onCopyEvent(g, e) {
  if (e.type === 'plan') g.plan(e.bytes, e.blobs);
  else if (e.type === 'blob') g.blob(e);
  else if (e.type === 'manifest' && e.phase === 'pushed') g.setStatus(e.root ? 'writing the name' : 'pushing manifests', 'running');
  else if (e.type === 'referrer') g.referrer(e);
}

function relocatedText(g, digest, summary) {
  const bytes = summary?.bytes;
  const referrers = g.referrersText();
  return `relocated as ${shortDigest(digest, 16)}` +
    (bytes ? ` (${formatBytes(bytes.uploaded)} uploaded, ${formatBytes(bytes.present + bytes.mounted)} already there)` : '') +
    (referrers ? `; ${referrers}` : '');
}

/**
 * The referrers of each image as its events tell them (Map image -> a ReferrersSummary's counts
 * and failures), for copies whose result carries no summary of them (a bundle's).
 */
function referrerTally() {
  const byImage = new Map();
  return {
    add(e) {
      if (e.type !== 'referrer') return;
      if (!byImage.has(e.image)) byImage.set(e.image, { count: 0, copied: 0, filtered: 0, failed: [], fallbackTags: [] });
      const t = byImage.get(e.image);
      if (e.phase === 'started') t.count++;
      else if (e.phase === 'done') t.copied++;
      else t.failed.push({ kind: e.tag ? 'tag' : 'referrer', digest: e.digest, subject: e.subject, artifactType: e.artifactType, error: e.error });
    },
    get: (image) => byImage.get(image),
  };
}

/**
 * job: { worker, refs (valid, unique), targets (Map ref -> relocated name), prefix, args, signal,
 * groups (Map ref -> progress Group), step() (called as each image ends) }.
 * Resolves { rows, mapping, error }: rows for renderRelocateResult, one per ref in order, even when
 * the job stopped early (error: the cancellation, or why the worker failed); mapping: the images
 * relocated and confirmed in the target registry.
 */
export async function relocateList({ worker, refs, targets, prefix, args, signal, groups, step }) {
  const summaries = new Map(); // image -> CopySummary, from its copy's 'done' event
  const tally = referrerTally(); // for images whose result never came (a cancelled job)
  const confirmations = new Map(); // image -> Promise of confirmDigest(), started as each image is done
  const failures = new Map(); // image -> error
  const started = new Set();
  const onProgress = (e) => {
    const g = groups.get(e.image);
    if (!g) return;
    tally.add(e);
    if (e.type === 'image' && e.phase === 'started') {
      started.add(e.image);
      g.setStatus('reading manifests', 'running');
    } else if (e.type === 'done') {
      summaries.set(e.image, e.summary);
    } else if (e.type === 'image' && e.phase === 'done') {
      g.finish(relocatedText(g, e.digest, summaries.get(e.image)));
      confirmations.set(e.image, confirmDigest(worker, e.target, args));
      step();
    } else if (e.type === 'image' && e.phase === 'failed') {
      failures.set(e.image, e.error);
      g.finish(`failed: ${e.error.code}`, 'error');
      step();
    } else {
      onCopyEvent(g, e);
    }
  };

  let result = null;
  let error = null;
  try {
    result = await worker.run('relocateImages', { refs, prefix, ...args }, { signal, onProgress });
  } catch (e) {
    error = errorData(e);
  }
  const cancelled = error?.code === 'CANCELLED';
  const outcome = new Map((result?.images ?? []).map((i) => [i.image, i]));
  const rows = [];
  const mapping = {};
  for (const image of refs) {
    const target = targets.get(image);
    const done = outcome.get(image);
    const confirming = confirmations.get(image) ?? (done?.ok ? confirmDigest(worker, target, args) : null);
    if (confirming) {
      const confirmed = await confirming;
      const sourceDigest = (done?.summary ?? summaries.get(image))?.sourceDigest;
      // The copy's own account of its referrers (with its note, and lists it could not read).
      const referrers = done?.summary?.referrers ?? tally.get(image);
      rows.push({ image, target, sourceDigest, ...confirmed, ...(referrers ? { referrers } : {}) });
      if (!confirmed.error) mapping[image] = target;
      continue;
    }
    const failure = done?.error ?? failures.get(image);
    if (failure) {
      rows.push({ image, target, error: failure });
      continue;
    }
    // The job stopped before this image ended.
    const running = started.has(image);
    rows.push({ image, target, error: cancelled && !running ? NOT_STARTED : error ?? { code: 'ERROR', message: 'no result' } });
    groups.get(image)?.finish(cancelled ? (running ? 'cancelled: no tag was written' : 'cancelled') : 'not relocated',
      cancelled ? 'cancelled' : 'error');
  }
  return { rows, mapping, error };
}

/** The same for a dropped bundle.json (job.bundleJson), relocated as a bundle. */
export async function relocateBundle({ worker, bundleJson, refs, prefix, args, signal, groups, step }) {
  const sourceDigests = new Map();
  const tally = referrerTally();
  let result;
  try {
    result = await worker.run('relocate', { bundle: { json: bundleJson }, prefix, ...args }, {
      signal,
      onProgress: (e) => {
        const g = groups.get(e.image);
        if (!g) return;
        tally.add(e);
        if (e.type === 'image' && e.phase === 'started') g.setStatus('reading manifests', 'running');
        else if (e.type === 'done') sourceDigests.set(e.image, e.summary.sourceDigest);
        else if (e.type === 'image' && e.phase === 'done') {
          g.finish(relocatedText(g, e.digest));
          step();
        } else onCopyEvent(g, e);
      },
    });
  } catch (e) {
    const cancelled = e.code === 'CANCELLED';
    for (const image of refs) {
      if (!sourceDigests.has(image)) groups.get(image)?.finish(cancelled ? 'cancelled' : 'not relocated', cancelled ? 'cancelled' : 'error');
    }
    return { rows: [], mapping: {}, error: errorData(e) };
  }
  const rows = [];
  const mapping = {};
  for (const img of result.images) {
    const confirmed = await confirmDigest(worker, img.target, args);
    const referrers = tally.get(img.image);
    rows.push({ image: img.image, target: img.target, sourceDigest: sourceDigests.get(img.image) ?? img.digest, ...confirmed,
      ...(referrers ? { referrers } : {}) });
  }
  Object.assign(mapping, result.mapping);
  return { rows, mapping, error: null };
}
