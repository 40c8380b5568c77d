// The progress of a push from an archive read in the worker (a thick bundle, a docker save tarball,
// an OCI archive): the passes over the archive, the blobs the registry lacks, a card per image and
// one for the referrers (signatures, attestations, SBOMs) the archive carries. Shared by
// thick-relocate.js and archive-push.js, whose worker ops send the same progress events.
import { ProgressView } from './progress.js';
import { plural } from './format.js';
import { showError } from './render.js';

const views = new WeakMap(); // container -> ProgressView

/**
 * Resets the progress area `container` for a push of `file`: images [{ key (what the events'
 * `image` says), title, subtitle }], carried: the referrers to push after them. Returns
 * { onProgress(event), done(referrersSummary?), stopped(cancelled) }.
 */
export function archiveProgress(container, file, images, carried) {
  let view = views.get(container);
  if (!view) views.set(container, (view = new ProgressView(container)));
  view.reset('Progress');
  const pass1 = view.bar('Reading the archive: its manifests, then its blobs into the registry');
  const pass2 = view.bar('Another pass, for blobs still owed');
  pass1.set(0, file.size);
  pass2.note('only if needed');
  const blobs = view.group('blobs', 'Blobs the registry lacks', { mono: false });
  const groups = new Map();
  for (const i of images) {
    const g = view.group(`image:${i.key}`, i.title, { subtitle: i.subtitle });
    g.layersEl.remove();
    g.overall.root.remove();
    groups.set(i.key, g);
  }
  const referrers = carried ? view.group('referrers', 'Referrers: signatures, attestations, SBOMs', { mono: false }) : null;
  if (referrers) {
    referrers.layersEl.remove();
    referrers.overall.root.remove();
    referrers.setStatus(`${plural(carried, 'referrer')} to push after the images`);
  }
  const pushed = { done: 0, failed: 0 };

  const onProgress = (e) => {
    if (e.type === 'referrer' && referrers && e.phase !== 'started') {
      pushed[e.phase === 'done' ? 'done' : 'failed']++;
      referrers.setStatus(`${pushed.done} of ${carried} pushed${pushed.failed ? `, ${pushed.failed} not pushed` : ''}`,
        pushed.failed ? 'error' : 'running');
      return;
    }
    if (e.type === 'archive' && e.phase === 'verify') pass1.set(e.done, e.size);
    else if (e.type === 'archive' && e.phase === 'upload') pass2.set(e.done, e.size);
    else if (e.type === 'plan') {
      blobs.plan(e.bytes, e.blobs);
      if (!e.blobs) {
        blobs.finish('the registry already has every blob');
        pass2.note('not needed');
      }
      for (const g of groups.values()) g.setStatus('waiting for its blobs', 'running');
    } else if (e.type === 'blob') blobs.blob(e);
    else if (e.type === 'image' && e.phase === 'done') {
      blobs.finish('all blobs in the registry');
      groups.get(e.image)?.finish(`pushed as ${e.target}`);
    }
  };

  /** The push resolved; r: its ReferrersSummary, if any. */
  function done(r) {
    pass1.set(file.size, file.size);
    if (pass2.total) pass2.set(pass2.total, pass2.total);
    else pass2.note('not needed');
    if (referrers && r) referrers.finish(`${r.copied} of ${r.count} pushed`, r.failed.length ? 'error' : 'done');
  }

  /** The push failed or was cancelled: every bar and card not finished says so. */
  function stopped(cancelled) {
    const kind = cancelled ? 'cancelled' : 'error';
    for (const bar of [pass1, pass2]) if (!bar.total || bar.done < bar.total) bar.stop(kind);
    if (blobs.root.dataset.state !== 'done') blobs.finish(cancelled ? 'cancelled' : 'stopped', kind);
    for (const g of groups.values()) if (g.root.dataset.state !== 'done') g.finish(cancelled ? 'cancelled' : 'not relocated', kind);
  }

  return { onProgress, done, stopped };
}

/** A referrer the registry refused is not copied while the images are: say which and why. */
export function showReferrerFailures(errBox, r) {
  if (!r?.failed.length) return;
  showError(errBox, { code: 'REFERRERS_NOT_COPIED', message: r.failed.map((f) => `${f.tag ?? f.digest}` +
    `${f.artifactType ? ` (${f.artifactType})` : ''}: ${f.error.message}`).join('; ') }, `${plural(r.failed.length, 'referrer')} not copied:`);
}
