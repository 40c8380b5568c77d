// Pushing the images of an image archive (archive.js) in the worker's copyArchive: one pass reads
// the archive's manifests, then streams each blob the registries lack as the archive reaches it
// (a further pass only when its layers come before its manifests); the referrers it carries go
// beside their images. Then each image's digest is read back from its target.
import { archiveProgress, showReferrerFailures } from './archive-progress.js';
import { formatBytes, plural, shortDigest } from './format.js';
import { $, clearError, confirmDigest, renderRelocateResult, showError } from './render.js';

/**
 * panel: the Archive panel's state (thick.js: file, job, token); archive: { described (the
 * worker's describeArchive result), picks() -> [{ index, target }] | null }; busy(running)
 * updates the panel's buttons.
 */
export async function pushArchive(app, connection, panel, archive, busy) {
  if (!archive.described || panel.job) return;
  const picks = archive.picks();
  if (!picks) return;
  const worker = app.workers.thick;
  const errBox = $('thick-error');
  clearError(errBox);
  const { file, token } = panel;
  const args = connection.registryArgs();
  const controller = new AbortController();
  controller.relocating = true;
  panel.job = controller;
  busy(true);
  $('archive-result').hidden = true;
  const status = $('thick-status');
  status.textContent = `Pushing ${plural(picks.length, 'image')} from ${file.name}…`;
  const byIndex = new Map(archive.described.images.map((i) => [i.index, i]));
  const picked = picks.map((p) => ({ ...p, img: byIndex.get(p.index) }));
  // The events and the result name each image as the archive does, or by its digest.
  const key = (img) => img.image || img.digest;
  const progress = archiveProgress($('archive-progress'), file, picked.map(({ img, target }) => ({ key: key(img),
    title: img.image || `image ${img.index + 1} (no name)`, subtitle: `${shortDigest(img.digest, 16)} · ${formatBytes(img.size)} → ${target}` })),
  picked.reduce((k, { img }) => k + (img.referrers?.length ?? 0), 0));
  try {
    const result = await worker.run('copyArchive', { file, picks: picks.map(({ index, target }) => ({ index, target })), ...args },
      { signal: controller.signal, onProgress: progress.onProgress });
    if (token !== panel.token) return;
    progress.done(result.referrers);
    status.textContent = 'Confirming the digests in the target registry…';
    const digests = new Map(picked.map(({ img }) => [key(img), img.digest]));
    const rows = [];
    for (const img of result.images) {
      rows.push({ image: img.image, target: img.target, sourceDigest: digests.get(img.image), ...await confirmDigest(worker, img.target, args) });
    }
    // The mapping: each image, as the archive names it (or by its digest), to where it went.
    const mapping = Object.fromEntries(result.images.map((i) => [i.image, i.target]));
    renderRelocateResult(rows, mapping, { body: document.querySelector('#archive-result-table tbody'),
      summary: $('archive-result-summary'), link: $('archive-download'), container: $('archive-result') });
    const r = result.referrers;
    status.textContent = `Done: ${plural(result.images.length, 'image')} pushed from ${file.name}` +
      `${r?.count ? `, with ${plural(r.copied, 'referrer')}` : ''}.`;
    showReferrerFailures(errBox, r);
  } catch (e) {
    const cancelled = e.code === 'CANCELLED';
    progress.stopped(cancelled);
    status.textContent = cancelled ? 'Push cancelled.' : 'Push failed.';
    showError(errBox, e, cancelled ? 'Cancelled' : 'Push failed:');
  } finally {
    if (token === panel.token) {
      panel.job = null;
      busy(false);
    }
  }
}
