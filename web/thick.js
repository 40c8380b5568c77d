// "Archive": an archive chosen or dropped, read and verified in the worker (every blob against its
// digest). A thick bundle (bundle.json at its top level) has its images listed and its mapping
// previewed under a prefix; relocating it is thick-relocate.js. Any other archive is an image
// archive (a docker save tarball, an OCI archive): archive.js lists its images and pushes them.
import { setupArchive } from './archive.js';
import { RateMeter, formatBytes, plural, progressText } from './format.js';
import { addReferrerRows } from './referrer-rows.js';
import { $, cell, clearError, digestCell, dropTarget, isJsonName, showError } from './render.js';
import { relocateThick } from './thick-relocate.js';

/** The worker's `open` refuses an archive without bundle.json this way: it is an image archive. */
const isImageArchive = (e) => e?.code === 'BUNDLE_INVALID' && /no bundle\.json/.test(e.message ?? '');

/**
 * setupThick(app, connection, { defaultPrefix(), openBundleJson(file), toCheck(bundle, mappingJson) })
 * -> { open(file), renderMapping() }.
 */
export function setupThick(app, connection, { defaultPrefix, openBundleJson, toCheck }) {
  const worker = app.workers.thick;
  const thick = {
    file: null,
    json: null, // bundle.json text
    info: null,
    described: null, // [{ image, digest, ... }] once verified
    mappingJson: null, // of the last relocation
    job: null, // AbortController of the running job (relocating: true while it relocates)
    token: 0, // increases with every file opened
  };
  const prefixInput = $('thick-prefix');
  const status = $('thick-status');
  const errBox = $('thick-error');

  function busy(running) {
    $('thick-relocate').disabled = running || !thick.described || !app.irel?.checkPrefix(prefixInput.value.trim()).ok;
    $('thick-cancel').disabled = !running;
    $('thick-file').disabled = running && Boolean(thick.job?.relocating);
    archive.update(running);
  }
  const archive = setupArchive(app, connection, thick, { defaultPrefix, busy });

  function renderImages(verifiedError) {
    const body = document.querySelector('#thick-images tbody');
    body.replaceChildren();
    const described = new Map((thick.described ?? []).map((d) => [d.image, d]));
    const seen = new Set();
    for (const i of thick.info.images.filter((x) => x.relocatable)) {
      if (seen.has(i.image)) continue;
      seen.add(i.image);
      const d = described.get(i.image);
      const row = body.insertRow();
      cell(row, i.image, { cls: 'mono' });
      digestCell(row, d?.digest ?? i.contentDigest);
      cell(row, d ? d.platforms.join(', ') || '—' : '');
      cell(row, d ? formatBytes(d.size) : '', { cls: 'num' });
      const v = cell(row, d ? '✓ verified' : verifiedError ? '✗ not verified' : 'verifying…', { cls: d ? 'ok' : verifiedError ? 'bad' : 'muted' });
      v.dataset.verified = String(Boolean(d));
      if (!d && verifiedError) row.className = 'invalid';
      // Its signatures, attestations and SBOMs, each a row under it: they travel with it.
      addReferrerRows(body, d?.referrers);
    }
    const n = seen.size;
    const referrers = (thick.described ?? []).reduce((k, d) => k + (d.referrers?.length ?? 0), 0);
    const summary = $('thick-images-summary');
    summary.textContent = thick.described
      ? `${plural(n, 'image')}${referrers ? ` and ${plural(referrers, 'referrer')} (signatures, attestations, SBOMs)` : ''}, ` +
        `every blob verified against its digest (${formatBytes(thick.described.reduce((s, d) => s + d.size + (d.referrers ?? []).reduce((t, r) => t + r.size, 0), 0))}).`
      : verifiedError ? `${plural(n, 'image')}; the bundle failed verification, so nothing can be relocated from it.`
        : `${plural(n, 'image')}; verifying…`;
    const other = thick.info.images.filter((i) => !i.relocatable).length;
    if (other) summary.textContent += ` ${other} entr${other === 1 ? 'y is' : 'ies are'} not a docker or OCI image and stay${other === 1 ? 's' : ''} as is.`;
  }

  function renderMapping() {
    if (!thick.json || !app.irel) return;
    const prefix = prefixInput.value.trim();
    const body = document.querySelector('#thick-mapping tbody');
    const err = $('thick-prefix-error');
    body.replaceChildren();
    const checked = app.irel.checkPrefix(prefix);
    prefixInput.setAttribute('aria-invalid', String(!checked.ok && prefix !== ''));
    err.hidden = checked.ok || prefix === '';
    err.textContent = checked.ok ? '' : checked.error.message;
    if (!checked.ok) {
      $('thick-mapping-summary').textContent = 'Enter a repository prefix to preview the mapping.';
    } else {
      const { mapping } = app.irel.openBundle({ json: thick.json }).map(prefix);
      for (const [from, to] of Object.entries(mapping)) {
        const row = body.insertRow();
        cell(row, from, { cls: 'mono' });
        cell(row, to, { cls: 'mono' });
      }
      $('thick-mapping-summary').textContent = `Mapping preview under ${prefix}`;
    }
    busy(Boolean(thick.job));
  }

  async function open(file) {
    if (thick.job?.relocating) {
      status.textContent = `A relocation of ${thick.file.name} is running: cancel it before opening ${file.name}.`;
      return;
    }
    thick.job?.abort();
    const token = ++thick.token;
    Object.assign(thick, { file, json: null, info: null, described: null });
    clearError(errBox);
    for (const id of ['thick-report', 'thick-result', 'thick-progress']) $(id).hidden = true;
    archive.reset();
    const info = $('thick-file-info');
    info.hidden = false;
    info.textContent = `${file.name} · ${formatBytes(file.size)}`;
    const verify = $('thick-verify');
    const bar = $('thick-verify-bar');
    const barText = $('thick-verify-text');
    verify.hidden = false;
    verify.dataset.state = 'running';
    bar.max = Math.max(1, file.size);
    bar.value = 0;
    barText.textContent = '';
    status.textContent = `Reading ${file.name}…`;
    const controller = new AbortController();
    thick.job = controller;
    busy(true);
    const meter = new RateMeter();
    const onProgress = (e) => {
      if (token !== thick.token || e.type !== 'archive' || e.phase !== 'verify') return;
      meter.add(e.done);
      bar.max = Math.max(1, e.size);
      bar.value = e.done;
      barText.textContent = progressText(e.done, e.size, meter);
    };
    let imageArchive = false;
    const verified = () => {
      bar.value = bar.max;
      barText.textContent = `${formatBytes(file.size)} read · every blob matches its digest`;
      verify.dataset.state = 'done';
    };
    try {
      const opened = await worker.run('open', { bundle: { file } }, { signal: controller.signal }).catch((e) => {
        if (isImageArchive(e)) return null;
        throw e;
      });
      if (token !== thick.token) return;
      if (!opened) {
        // No bundle.json: a docker save tarball or an OCI archive; its images are listed and verified.
        imageArchive = true;
        status.textContent = `Verifying every blob of ${file.name}…`;
        const described = await archive.describe(file, { signal: controller.signal, onProgress });
        if (!described || token !== thick.token) return;
        verified();
        status.textContent = `${file.name}: ${plural(described.images.length, 'image')} verified (${archive.kindText(described.kind)}). ` +
          `Choose ${described.images.length === 1 ? 'its target' : 'their targets'} and push.`;
        return;
      }
      if (opened.kind !== 'thick') throw Object.assign(new Error('not a thick bundle'), { code: 'BUNDLE_INVALID' });
      thick.json = opened.json;
      thick.info = opened.info;
      $('thick-title').textContent = `Bundle ${[opened.info.name, opened.info.version].filter(Boolean).join(' ') || file.name}`;
      if (!prefixInput.value.trim() && app.irel?.checkPrefix(defaultPrefix()).ok) prefixInput.value = defaultPrefix();
      renderImages(null);
      renderMapping();
      $('thick-report').hidden = false;
      status.textContent = `Verifying every blob of ${file.name}…`;
      const described = await worker.run('describe', { bundle: { file } }, { signal: controller.signal, onProgress });
      if (token !== thick.token) return;
      thick.described = described.images;
      verified();
      renderImages(null);
      status.textContent = `${file.name}: ${plural(described.images.length, 'image')} verified. Choose a prefix and relocate.`;
    } catch (e) {
      if (token !== thick.token) return;
      verify.dataset.state = 'error';
      barText.textContent = 'verification failed';
      if (thick.info) renderImages(e);
      if (imageArchive) archive.failed();
      status.textContent = e.code === 'CANCELLED' ? 'Cancelled.' : `${file.name} was refused: nothing will be pushed from it.`;
      showError(errBox, e, e.code === 'CANCELLED' ? 'Cancelled' : imageArchive ? 'The archive was refused:' : 'The bundle was refused:');
    } finally {
      if (token === thick.token) {
        thick.job = null;
        busy(false);
      }
    }
  }

  function onFiles(files) {
    const file = files.find((f) => !isJsonName(f.name)) ?? files[0];
    if (isJsonName(file.name)) openBundleJson(file);
    else open(file);
  }

  $('thick-file').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    if (file) onFiles([file]);
    e.target.value = '';
  });
  prefixInput.addEventListener('input', renderMapping);
  $('thick-relocate').addEventListener('click', () => relocateThick(app, connection, thick, busy));
  $('thick-cancel').addEventListener('click', () => {
    status.textContent = 'Cancelling…';
    thick.job?.abort();
  });
  $('thick-to-check').addEventListener('click', () => toCheck({ file: thick.file, name: thick.file.name }, thick.mappingJson ?? ''));
  dropTarget($('panel-thick'), $('thick-drop'), onFiles);
  return { open, renderMapping };
}
