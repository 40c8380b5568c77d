// Running a relocation of the "Relocate images" panel in the worker: a list of references through
// the library's relocateImages (one image failing does not stop the others), or a dropped
// bundle.json through the bundle's relocate (pinned to its content digests). Progress goes to one
// card per image; each relocated image's digest is read back from the target registry.
import { formatBytes, shortDigest } from './format.js';
import { confirmDigest, errorData } from './render.js';

const NOT_STARTED = { code: 'CANCELLED', message: 'not started: the relocation was cancelled' };

/** A copy's progress on its image's card. */
function onCopyEvent(g, e) {
  if (e.type === 'plan') g.plan(e.bytes, e.blobs);
  else if (e.type === 'blob') g.blob(e);
  else if (e.type === 'manifest' && e.phase === 'pushed') g.setStatus(e.root ? 'writing the name' : 'pushing manifests', 'running');
}

function relocatedText(digest, summary) {
  const bytes = summary?.bytes;
  return `relocated as ${shortDigest(digest, 16)}` +
    (bytes ? ` (${formatBytes(bytes.uploaded)} uploaded, ${formatBytes(bytes.present + bytes.mounted)} already there)` : '');
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
  const confirmations = new Map(); // image -> Promise of confirmDigest(), started as each image is done
  const failures = new Map(); // image -> error
  const started = new Set();
  const onProgress = (e) => {
    const g = groups.get(e.image);
    if (!g) return;
    if (e.type === 'image' && e.phase === 'started') {
      started.add(e.image);
      g.setStatus('reading manifests', 'running');
    } else if (e.type === 'done') {
      summaries.set(e.image, e.summary);
    } else if (e.type === 'image' && e.phase === 'done') {
      g.finish(relocatedText(e.digest, summaries.get(e.image)));
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
      rows.push({ image, target, sourceDigest, ...confirmed });
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
  let result;
  try {
    result = await worker.run('relocate', { bundle: { json: bundleJson }, prefix, ...args }, {
      signal,
      onProgress: (e) => {
        const g = groups.get(e.image);
        if (!g) return;
        if (e.type === 'image' && e.phase === 'started') g.setStatus('reading manifests', 'running');
        else if (e.type === 'done') sourceDigests.set(e.image, e.summary.sourceDigest);
        else if (e.type === 'image' && e.phase === 'done') {
          g.finish(`relocated as ${shortDigest(e.digest, 16)}`);
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
    rows.push({ image: img.image, target: img.target, sourceDigest: sourceDigests.get(img.image) ?? img.digest, ...confirmed });
  }
  Object.assign(mapping, result.mapping);
  return { rows, mapping, error: null };
}
