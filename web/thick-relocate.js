// Relocating a verified thick bundle in the worker: one pass reads its manifests, then streams
// each blob the registry lacks as the archive reaches it (a further pass only for an archive
// whose layers come before its manifests); then each image's digest is read back from the target.
import { ProgressView } from './progress.js';
import { formatBytes, plural, shortDigest } from './format.js';
import { $, clearError, confirmDigest, renderRelocateResult, setDownload, showError } from './render.js';

let view = null;

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
  view ??= new ProgressView($('thick-progress'));
  view.reset('Progress');
  const pass1 = view.bar('Reading the archive: its manifests, then its blobs into the registry');
  const pass2 = view.bar('Another pass, for blobs still owed');
  pass1.set(0, file.size);
  pass2.note('only if needed');
  const blobs = view.group('blobs', 'Blobs the registry lacks', { mono: false });
  const images = new Map();
  for (const d of thick.described) {
    const g = view.group(`image:${d.image}`, d.image, { subtitle: `${shortDigest(d.digest, 16)} · ${formatBytes(d.size)}` });
    g.layersEl.remove();
    g.overall.root.remove();
    images.set(d.image, g);
  }
  const carried = thick.described.reduce((k, d) => k + (d.referrers?.length ?? 0), 0);
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
      for (const g of images.values()) g.setStatus('waiting for its blobs', 'running');
    } else if (e.type === 'blob') blobs.blob(e);
    else if (e.type === 'image' && e.phase === 'done') {
      blobs.finish('all blobs in the registry');
      images.get(e.image)?.finish(`pushed as ${e.target}`);
    }
  };
  try {
    const result = await worker.run('relocate', { bundle: { file }, prefix, ...args }, { signal: controller.signal, onProgress });
    if (token !== thick.token) return;
    pass1.set(file.size, file.size);
    if (pass2.total) pass2.set(pass2.total, pass2.total);
    else pass2.note('not needed');
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
    if (referrers && r) referrers.finish(`${r.copied} of ${r.count} pushed`, r.failed.length ? 'error' : 'done');
    status.textContent = `Done: ${plural(result.images.length, 'image')} relocated from ${file.name}` +
      `${r?.count ? `, with ${plural(r.copied, 'referrer')}` : ''}.`;
    // A referrer the registry refused is not copied; the images are: say which and why.
    if (r?.failed.length) {
      showError(errBox, { code: 'REFERRERS_NOT_COPIED', message: r.failed.map((f) => `${f.tag ?? f.digest}` +
        `${f.artifactType ? ` (${f.artifactType})` : ''}: ${f.error.message}`).join('; ') }, `${plural(r.failed.length, 'referrer')} not copied:`);
    }
  } catch (e) {
    const cancelled = e.code === 'CANCELLED';
    const kind = cancelled ? 'cancelled' : 'error';
    for (const bar of [pass1, pass2]) if (!bar.total || bar.done < bar.total) bar.stop(kind);
    if (blobs.root.dataset.state !== 'done') blobs.finish(cancelled ? 'cancelled' : 'stopped', kind);
    for (const g of images.values()) if (g.root.dataset.state !== 'done') g.finish(cancelled ? 'cancelled' : 'not relocated', kind);
    status.textContent = cancelled ? 'Relocation cancelled.' : 'Relocation failed.';
    showError(errBox, e, cancelled ? 'Cancelled' : 'Relocation failed:');
  } finally {
    if (token === thick.token) {
      thick.job = null;
      busy(false);
    }
  }
}
