// "Manifests": Kubernetes YAML files or a Helm chart (a .tgz, or a chart folder) dropped or chosen;
// the images they use found in the worker (irel.findImages), with where each is and the name it is
// relocated as under the prefix; those not rewritable listed with why. "Relocate images" copies the
// rewritable ones (relocateImages, as the Relocate images tab does: progress, digests confirmed),
// then rewrites the files to the names relocated, pinned to the confirmed digests if asked.
// "Rewrite" rewrites them under the prefix without copying (pins looked up in the sources). The
// result: a side-by-side diff per file, the unified diff, and the files to download.
import { plural } from './format.js';
import { notRewritableKeys, lookUpPins, renderRewrite, rewrite } from './manifests-rewrite.js';
import { previewTarget, renderFound } from './manifests-found.js';
import { readInput } from './manifests-input.js';
import { ProgressView } from './progress.js';
import { relocateList } from './relocate-run.js';
import { $, clearError, dropTarget, renderRelocateResult, showError } from './render.js';

/** setupManifests(app, connection, { defaultPrefix() }) -> { open(files), renderFound() }. */
export function setupManifests(app, connection, { defaultPrefix = () => '' } = {}) {
  const worker = app.workers.manifests;
  const prefixInput = $('manifests-prefix');
  const pullInput = $('manifests-pull-prefix');
  const pinInput = $('manifests-pin');
  const status = $('manifests-status');
  const errBox = $('manifests-error');
  const view = new ProgressView($('manifests-progress'));
  const state = {
    input: null, // readInput()'s
    found: null, // FindImagesResult
    token: 0, // increases with every input read
    job: null, // AbortController of a running relocation or rewrite
    relocated: null, // { prefix, mapping, pins } of the last relocation of this input
  };
  prefixInput.value = defaultPrefix();

  /** { ok, prefix, pullPrefix } or { ok: false } with the problems shown by their fields. */
  function target() {
    const { irel } = app;
    const prefix = prefixInput.value.trim();
    const pullPrefix = pullInput.value.trim();
    const checked = irel ? irel.checkPrefix(prefix) : { ok: false, error: { message: 'loading…' } };
    const pull = pullPrefix && irel ? irel.checkPrefix(pullPrefix) : { ok: true };
    for (const [input, error, result, empty] of [[prefixInput, 'manifests-prefix-error', checked, prefix === ''],
      [pullInput, 'manifests-pull-error', pull, false]]) {
      const bad = !result.ok && !empty && Boolean(irel);
      input.setAttribute('aria-invalid', String(bad));
      $(error).hidden = !bad;
      $(error).textContent = bad ? result.error.message : '';
    }
    return { ok: checked.ok && pull.ok, prefix, pullPrefix, prefixOk: checked.ok };
  }

  function renderTables() {
    if (!state.found || !app.irel) return;
    const t = target();
    const counts = renderFound(state.found, (image) => (t.prefixOk ? previewTarget(app.irel, t.prefix, t.ok ? t.pullPrefix : '', image) : null), {
      imagesBody: document.querySelector('#manifests-images tbody'),
      imagesSummary: $('manifests-images-summary'),
      skippedBody: document.querySelector('#manifests-skipped tbody'),
      skippedSummary: $('manifests-skipped-summary'),
      skippedWrap: $('manifests-skipped-wrap'),
    });
    if (!t.prefixOk) $('manifests-images-summary').textContent += ' Enter a repository prefix to see the relocated names.';
    update();
    return counts;
  }

  /** Buttons and fields for the current state. */
  function update() {
    const running = Boolean(state.job);
    const any = Boolean(state.found?.images.some((i) => i.rewritable));
    $('manifests-relocate').disabled = running || !any;
    $('manifests-rewrite').disabled = running || !any;
    $('manifests-cancel').disabled = !running;
    for (const id of ['manifests-files', 'manifests-folder', 'manifests-pin']) $(id).disabled = running;
    prefixInput.readOnly = running;
    pullInput.readOnly = running;
  }

  function resetResults() {
    for (const id of ['manifests-progress', 'manifests-relocate-result', 'manifests-rewrite-result']) $(id).hidden = true;
    state.relocated = null;
  }

  async function open(files) {
    if (state.job) {
      status.textContent = 'A job is running: cancel it before reading other files.';
      return;
    }
    const token = ++state.token;
    clearError(errBox);
    resetResults();
    state.found = null;
    $('manifests-report').hidden = true;
    update();
    status.textContent = 'Reading…';
    try {
      const input = await readInput(files);
      if (token !== state.token) return;
      state.input = input;
      const source = $('manifests-source');
      source.textContent = input.description;
      source.hidden = false;
      status.textContent = `Looking for images in ${input.kind === 'archive' ? input.name : plural(input.paths.length, 'file')}…`;
      const found = await worker.run('findImages', { input: input.input });
      if (token !== state.token) return;
      state.found = found;
      $('manifests-report').hidden = false;
      const counts = renderTables();
      status.textContent = `Found ${plural(counts.distinct, 'image')} to relocate` +
        `${counts.notRewritable ? `; ${plural(counts.notRewritable, 'value')} not rewritable` : ''}.`;
    } catch (e) {
      if (token !== state.token) return;
      status.textContent = 'The files could not be read.';
      // A folder dropped arrives as an unreadable File: say what works instead.
      const folder = e?.name === 'NotFoundError' || e?.name === 'NotReadableError';
      showError(errBox, folder ? { code: 'FOLDER_DROPPED', message: 'a folder cannot be dropped here: use "Choose a chart folder", or drop its files' } : e,
        'The files could not be read:');
    }
  }

  /** Starts a job; null when the target is not usable (the reason shown). */
  function startJob() {
    if (state.job || !state.found) return null;
    clearError(errBox);
    const t = target();
    if (!t.ok) {
      showError(errBox, { code: 'PREFIX_INVALID', message: t.prefixOk ? 'fix the pull prefix first' : 'enter a valid repository prefix first' });
      (t.prefixOk ? pullInput : prefixInput).focus();
      return null;
    }
    state.job = new AbortController();
    update();
    return { ...t, signal: state.job.signal, token: state.token, args: connection.registryArgs() };
  }

  function endJob() {
    state.job = null;
    update();
  }

  const refsToRelocate = () => [...new Set(state.found.images.filter((i) => i.rewritable).map((i) => i.image))];

  /** Rewrites and shows the result; job: startJob()'s; how: { mapping?, pins?, notes? }. */
  async function rewriteAndShow(job, { mapping, pins, notes = [] } = {}) {
    const pinned = pinInput.checked && pins && Object.keys(pins).length > 0;
    status.textContent = `Rewriting${pinned ? ', pinned to digests' : ''}…`;
    const result = await rewrite(worker, { input: state.input.input, prefix: job.prefix, mapping, pullPrefix: job.pullPrefix,
      pin: pinned ? pins : undefined }, job.signal);
    if (job.token !== state.token) return;
    renderRewrite(result, state.input, { known: notRewritableKeys(state.found), notes, pinned });
    const files = result.files.filter((f) => f.changed).length;
    status.textContent = `Rewritten: ${plural(result.changes.length, 'value')} in ${plural(files, 'file')}.`;
  }

  async function relocateAndRewrite() {
    const job = startJob();
    if (!job) return;
    const refs = refsToRelocate();
    const targets = new Map(refs.map((r) => [r, app.irel.map(job.prefix, r).output]));
    resetResults();
    view.reset('Progress');
    const headline = view.bar('Images relocated');
    headline.set(0, refs.length);
    headline.note(`0 of ${plural(refs.length, 'image')}`);
    let finished = 0;
    const step = () => {
      finished++;
      headline.progress.value = finished;
      headline.note(`${finished} of ${plural(refs.length, 'image')}`);
    };
    const groups = new Map(refs.map((r) => [r, view.group(r, r, { subtitle: `→ ${targets.get(r)}` })]));
    status.textContent = `Relocating ${plural(refs.length, 'image')}…`;
    try {
      const { rows, mapping, error } = await relocateList({ worker, refs, targets, prefix: job.prefix, args: job.args, signal: job.signal, groups, step });
      if (rows.length) {
        renderRelocateResult(rows, mapping, { body: document.querySelector('#manifests-relocate-table tbody'),
          summary: $('manifests-relocate-summary'), link: $('manifests-mapping-download'), container: $('manifests-relocate-result') });
      }
      if (error) {
        const cancelled = job.signal.aborted || error.code === 'CANCELLED';
        status.textContent = cancelled ? 'Relocation cancelled; nothing was rewritten.' : 'Relocation failed; nothing was rewritten.';
        showError(errBox, error, cancelled ? 'Cancelled' : 'Relocation failed:');
        return;
      }
      const pins = Object.fromEntries(rows.filter((r) => !r.error && r.targetDigest).map((r) => [r.image, r.targetDigest]));
      state.relocated = { prefix: job.prefix, mapping, pins };
      const failed = rows.filter((r) => r.error).length;
      if (!Object.keys(mapping).length) {
        status.textContent = 'No image was relocated, so nothing was rewritten.';
        return;
      }
      // Only the images relocated are rewritten: the others stay as they are (IMAGE_NOT_MAPPED).
      await rewriteAndShow(job, { mapping, pins, notes: failed ? [`${plural(failed, 'image')} not relocated: left as ${failed === 1 ? 'it was' : 'they were'} in the files.`] : [] });
    } catch (e) {
      const cancelled = e.code === 'CANCELLED';
      status.textContent = cancelled ? 'Cancelled.' : 'The files could not be rewritten.';
      showError(errBox, e, cancelled ? 'Cancelled' : 'The files could not be rewritten:');
    } finally {
      endJob();
    }
  }

  /** Rewrite without copying: every rewritable image under the prefix. */
  async function rewriteOnly() {
    const job = startJob();
    if (!job) return;
    $('manifests-rewrite-result').hidden = true;
    try {
      let pins;
      const notes = [];
      if (pinInput.checked) {
        // Digests the last relocation under this prefix confirmed; the others' from their sources.
        const known = state.relocated?.prefix === job.prefix ? state.relocated.pins : {};
        const missing = refsToRelocate().filter((r) => !known[r]);
        status.textContent = missing.length ? `Looking up ${plural(missing.length, 'digest')}…` : status.textContent;
        const looked = missing.length ? await lookUpPins(worker, missing, job.args, job.signal) : { pins: {}, failed: [] };
        if (job.signal.aborted) throw Object.assign(new Error('the rewrite was cancelled'), { code: 'CANCELLED' });
        pins = { ...known, ...looked.pins };
        for (const f of looked.failed) notes.push(`${f.image}: not pinned, its digest could not be read (${f.error.code}: ${f.error.message}).`);
      }
      await rewriteAndShow(job, { pins, notes });
    } catch (e) {
      const cancelled = e.code === 'CANCELLED';
      status.textContent = cancelled ? 'Rewrite cancelled.' : 'The files could not be rewritten.';
      showError(errBox, e, cancelled ? 'Cancelled' : 'The files could not be rewritten:');
    } finally {
      endJob();
    }
  }

  for (const input of [prefixInput, pullInput]) input.addEventListener('input', renderTables);
  $('manifests-relocate').addEventListener('click', relocateAndRewrite);
  $('manifests-rewrite').addEventListener('click', rewriteOnly);
  $('manifests-cancel').addEventListener('click', () => {
    status.textContent = 'Cancelling…';
    state.job?.abort();
  });
  for (const id of ['manifests-files', 'manifests-folder']) {
    $(id).addEventListener('change', (e) => {
      const files = [...(e.target.files ?? [])];
      e.target.value = '';
      if (files.length) open(files);
    });
  }
  dropTarget($('panel-manifests'), $('manifests-drop'), (files) => open(files));
  update();
  return { open, renderFound: renderTables };
}
