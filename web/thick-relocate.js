// Relocating a verified thick bundle in the worker: one pass reads its manifests, then streams
// each blob the registry lacks as the archive reaches it (a further pass only for an archive
// whose layers come before its manifests); then each image's digest is read back from the target.
import { archiveProgress, showReferrerFailures } from './archive-progress.js';
import { formatBytes, plural, shortDigest } from './format.js';
import { $, clearError, confirmDigest, renderRelocateResult, setDownload, showError } from './render.js';

/** thick: the panel's state (thick.js); busy(running) updates its buttons. */
export async function relocateThick(app, connection, thick, busy) {
  if (!thick.described || thick.job) return;
  const worker = app.workers.thick;
  const prefix = $('thick-prefix').value.trim();
  const errBox = $('thick-error');
  clearError(errBox);
  if (!app.irel.checkPrefix(prefix).ok) {
    $('thick-prefix').focus();
    return;
  }
  const { file, token } = thick;
  const args = connection.registryArgs();
  const controller = new AbortController();
  controller.relocating = true;
  thick.job = controller;
  busy(true);
  $('thick-result').hidden = true;
  const status = $('thick-status');
  status.textContent = `Relocating ${file.name} under ${prefix}…`;
  const progress = archiveProgress($('thick-progress'), file, thick.described.map((d) => ({ key: d.image, title: d.image,
    subtitle: `${shortDigest(d.digest, 16)} · ${formatBytes(d.size)}` })), thick.described.reduce((k, d) => k + (d.referrers?.length ?? 0), 0));
  const { onProgress } = progress;
  try {
    const result = await worker.run('relocate', { bundle: { file }, prefix, ...args }, { signal: controller.signal, onProgress });
    if (token !== thick.token) return;
    progress.done(result.referrers);
    status.textContent = 'Confirming the digests in the target registry…';
    const described = new Map(thick.described.map((d) => [d.image, d.digest]));
    const rows = [];
    for (const img of result.images) {
      rows.push({ image: img.image, target: img.target, sourceDigest: described.get(img.image), ...await confirmDigest(worker, img.target, args) });
    }
    renderRelocateResult(rows, result.mapping, { body: document.querySelector('#thick-result-table tbody'),
      summary: $('thick-result-summary'), link: $('thick-download'), container: $('thick-result') });
    thick.mappingJson = result.json;
    setDownload($('thick-download'), result.json);
    const r = result.referrers;
    status.textContent = `Done: ${plural(result.images.length, 'image')} relocated from ${file.name}` +
      `${r?.count ? `, with ${plural(r.copied, 'referrer')}` : ''}.`;
    showReferrerFailures(errBox, r);
  } catch (e) {
    const cancelled = e.code === 'CANCELLED';
    progress.stopped(cancelled);
    status.textContent = cancelled ? 'Relocation cancelled.' : 'Relocation failed.';
    showError(errBox, e, cancelled ? 'Cancelled' : 'Relocation failed:');
  } finally {
    if (token === thick.token) {
      thick.job = null;
      busy(false);
    }
  }
}
