// "Relocate images": references typed in (or a dropped bundle.json's images), their relocated
// names previewed as you type, each source looked up (irel.describeImage in the worker), planned
// (a dry run), relocated with progress, cancel, digests confirmed and the mapping offered for download.
// Their referrers (signatures, attestations, SBOMs) come along unless the box is unchecked.
import { ProgressView } from './progress.js';
import { formatBytes, plural } from './format.js';
import { planList, renderPlan } from './relocate-plan.js';
import { relocateBundle, relocateList } from './relocate-run.js';
import { $, cell, clearError, digestCell, dropTarget, errorData, isArchiveName, renderRelocateResult, showError } from './render.js';

const LOOKUP_RETRY = { attempts: 2, baseMs: 200 };

/** ", with 3 referrers; 1 referrer not copied" for the result's rows, or '' when they had none. */
function referrersStatus(rows) {
  let copied = 0;
  let notCopied = 0;
  for (const r of rows) {
    copied += r.referrers?.copied ?? 0;
    notCopied += (r.referrers?.failed ?? []).filter((f) => f.kind === 'referrer' || f.kind === 'tag').length;
  }
  return `${copied ? `, with ${plural(copied, 'referrer')}` : ''}${notCopied ? `; ${plural(notCopied, 'referrer')} not copied` : ''}`;
}

/**
 * setupRelocate(app, connection, { openArchive(file), onPrefixInput() }) -> { renderPreview,
 * loadBundleJson(file), prefix() }. openArchive: a thick bundle dropped here; onPrefixInput: the
 * prefix was edited (the thick bundle panel previews under it too).
 */
export function setupRelocate(app, connection, { openArchive, onPrefixInput = () => {} }) {
  const worker = app.workers.relocate;
  const prefixInput = $('prefix');
  const refsInput = $('refs');
  const prefixError = $('prefix-error');
  const errBox = $('relocate-error');
  const status = $('relocate-status');
  const previewBody = document.querySelector('#preview tbody');
  const view = new ProgressView($('relocate-progress'));
  const lookups = new Map(); // `${proxy}\n${ref}` -> { state: 'pending'|'ok'|'error', value?, error? }
  let fromBundle = null; // { json, name, images: Map(image -> contentDigest) } while the list is a bundle's
  let relocating = null; // AbortController

  const currentRefs = () => refsInput.value.split('\n').map((l) => l.trim()).filter(Boolean);
  const lookupKey = (ref) => `${connection.proxyBase()}\n${ref}`;
  const isBundleList = (refs) => Boolean(fromBundle) && refs.length === fromBundle.images.size && refs.every((r) => fromBundle.images.has(r));

  function renderPreview() {
    const { irel } = app;
    if (!irel) return;
    const prefix = prefixInput.value.trim();
    const refs = currentRefs();
    const checked = irel.checkPrefix(prefix);
    prefixInput.setAttribute('aria-invalid', String(!checked.ok));
    prefixError.hidden = checked.ok;
    prefixError.textContent = checked.ok ? '' : checked.error.message;

    previewBody.replaceChildren();
    let invalid = 0;
    for (const ref of refs) {
      const row = previewBody.insertRow();
      cell(row, ref, { cls: 'mono' });
      const r = checked.ok ? irel.map(prefix, ref) : null;
      if (r && !r.ok) {
        invalid++;
        row.className = 'invalid';
        cell(row, r.error.message);
        cell(row, '').colSpan = 3;
        continue;
      }
      cell(row, r ? r.output : '—', { cls: r ? 'mono' : '' });
      const found = lookups.get(lookupKey(ref));
      if (found?.state === 'error') {
        cell(row, `${found.error.code}: ${found.error.message}`, { cls: 'lookup-error' }).colSpan = 3;
      } else if (found?.state === 'ok') {
        digestCell(row, found.value.digest);
        cell(row, found.value.platforms.join(', ') || '—');
        cell(row, formatBytes(found.value.size), { cls: 'num' });
      } else {
        cell(row, found ? 'looking up…' : '', { cls: found ? 'muted' : '' });
        cell(row, '');
        cell(row, '', { cls: 'num' });
      }
    }
    $('summary').textContent = `${plural(refs.length, 'reference')}${invalid ? `, ${invalid} invalid` : ''}`;
  }

  function setRefsSource(text) {
    const note = $('refs-source');
    note.hidden = !text;
    note.textContent = text ?? '';
  }

  async function loadBundleJson(file) {
    clearError(errBox);
    try {
      const json = await file.text();
      const bundle = app.irel.openBundle({ json });
      const images = new Map();
      for (const i of bundle.info.images) if (i.relocatable && !images.has(i.image)) images.set(i.image, i.contentDigest);
      fromBundle = { json, name: file.name, images };
      refsInput.value = [...images.keys()].join('\n');
      const title = [bundle.info.name, bundle.info.version].filter(Boolean).join(' ');
      setRefsSource(`From ${file.name}${title ? ` (bundle ${title})` : ''}: ${plural(images.size, 'image')}; ` +
        'relocation uses the bundle, pinned to its content digests. Editing the list relocates plain references instead.');
      renderPreview();
    } catch (e) {
      showError(errBox, e, `${file.name} is not a usable bundle.json:`);
    }
  }

  /** What to look up for `ref`: pinned to its bundle's content digest when the list came from one. */
  function lookupRef(ref) {
    const digest = fromBundle?.images.get(ref);
    const parsed = digest ? app.irel.parse(ref) : null;
    if (!parsed?.ok || parsed.reference.digest) return ref;
    const { name, tag } = parsed.reference;
    return `${name}${tag ? `:${tag}` : ''}@${digest}`;
  }

  async function lookupSources() {
    if (!app.irel) return;
    clearError(errBox);
    const refs = [...new Set(currentRefs().filter((r) => app.irel.parse(r).ok))];
    const toLookUp = refs.filter((r) => lookups.get(lookupKey(r))?.state !== 'ok');
    for (const ref of toLookUp) lookups.set(lookupKey(ref), { state: 'pending' });
    renderPreview();
    status.textContent = toLookUp.length ? `Looking up ${plural(toLookUp.length, 'source')}…` : 'All sources looked up.';
    if (!toLookUp.length) return;
    const args = { ...connection.registryArgs(), retry: LOOKUP_RETRY };
    // One job each: the worker runs them side by side; the browser queues their requests.
    await Promise.all(toLookUp.map(async (ref) => {
      const key = lookupKey(ref);
      try {
        lookups.set(key, { state: 'ok', value: await worker.run('describeImage', { ref: lookupRef(ref), ...args }) });
      } catch (e) {
        lookups.set(key, { state: 'error', error: errorData(e) });
      }
      renderPreview();
    }));
    const failed = toLookUp.filter((r) => lookups.get(lookupKey(r))?.state === 'error').length;
    status.textContent = `Looked up ${plural(toLookUp.length, 'source')}${failed ? `, ${failed} not found or unreachable` : ''}.`;
  }

  function setRelocating(running) {
    for (const id of ['relocate-run', 'relocate-plan', 'lookup', 'refs-file', 'with-referrers']) $(id).disabled = running;
    $('relocate-cancel').disabled = !running;
    refsInput.readOnly = running;
    prefixInput.readOnly = running;
  }

  /** The list to relocate or plan under the prefix, or null (the reason shown). */
  function prepare() {
    const { irel } = app;
    if (!irel || relocating) return null;
    clearError(errBox);
    const prefix = prefixInput.value.trim();
    const checked = irel.checkPrefix(prefix);
    if (!checked.ok) {
      showError(errBox, checked.error, 'Fix the repository prefix first:');
      prefixInput.focus();
      return null;
    }
    const refs = [...new Set(currentRefs())];
    const valid = refs.filter((r) => irel.map(prefix, r).ok);
    if (!valid.length) {
      showError(errBox, { code: 'NOTHING_TO_RELOCATE', message: 'enter at least one valid image reference, or drop a bundle.json' });
      return null;
    }
    const skipped = refs.length - valid.length;
    const bundleJson = isBundleList(refs) ? fromBundle.json : null;
    const targets = bundleJson ? new Map(Object.entries(irel.openBundle({ json: bundleJson }).map(prefix).mapping))
      : new Map(valid.map((r) => [r, irel.mapReference(prefix, r)]));
    const skippedText = skipped ? ` (${plural(skipped, 'invalid line')} skipped)` : '';
    relocating = new AbortController();
    setRelocating(true);
    // Referrers come along by default (the library's); unchecked, none is looked for.
    const args = { ...connection.registryArgs(), ...($('with-referrers').checked ? {} : { referrers: false }) };
    return { prefix, valid, skippedText, bundleJson, targets, signal: relocating.signal, args };
  }

  function done() {
    relocating = null;
    setRelocating(false);
  }

  async function relocate() {
    const job = prepare();
    if (!job) return;
    const { valid, targets, signal } = job;
    $('relocate-result').hidden = true;
    $('relocate-plan-result').hidden = true;
    view.reset('Progress');
    const headline = view.bar('Images relocated');
    headline.set(0, valid.length);
    headline.note(`0 of ${plural(valid.length, 'image')}`);
    let finished = 0;
    const step = () => {
      finished++;
      headline.progress.value = finished;
      headline.note(`${finished} of ${plural(valid.length, 'image')}`);
    };
    const groups = new Map(valid.map((r) => [r, view.group(r, r, { subtitle: `→ ${targets.get(r)}` })]));
    status.textContent = `Relocating ${plural(valid.length, 'image')}${job.skippedText}…`;

    const run = { ...job, worker, refs: valid, groups, step };
    const { rows, mapping, error } = await (job.bundleJson ? relocateBundle(run) : relocateList(run));
    done();
    const failed = rows.filter((r) => r.error).length;
    if (signal.aborted || error?.code === 'CANCELLED') {
      status.textContent = 'Relocation cancelled.';
      showError(errBox, error?.code === 'CANCELLED' ? error : { code: 'CANCELLED', message: 'the relocation was cancelled' }, 'Cancelled');
    } else if (error) {
      status.textContent = 'Relocation failed.';
      showError(errBox, error, 'Relocation failed:');
    } else {
      status.textContent = (failed ? `Done, with ${plural(failed, 'failure')}` : `Done: ${plural(rows.length, 'image')} relocated`) +
        `${referrersStatus(rows)}.`;
    }
    if (rows.length) {
      renderRelocateResult(rows, mapping, { body: document.querySelector('#relocate-result-table tbody'),
        summary: $('relocate-result-summary'), link: $('relocate-download'), container: $('relocate-result') });
    }
  }

  /** A dry run: what relocating would upload, mount or find already there; nothing is written. */
  async function plan() {
    const job = prepare();
    if (!job) return;
    $('relocate-plan-result').hidden = true;
    status.textContent = `Planning ${plural(job.valid.length, 'image')}${job.skippedText}…`;
    const sources = new Map(job.bundleJson ? job.valid.map((r) => [r, lookupRef(r)]) : []);
    try {
      const rows = await planList({ ...job, worker, refs: job.valid, sources });
      renderPlan(rows, job.prefix);
      status.textContent = `Planned ${plural(rows.length, 'image')}: nothing was written.`;
    } catch (e) {
      const cancelled = e.code === 'CANCELLED';
      status.textContent = cancelled ? 'Plan cancelled.' : 'The plan could not be made.';
      showError(errBox, e, cancelled ? 'Cancelled' : 'The plan could not be made:');
    } finally {
      done();
    }
  }

  function onFiles(files) {
    if (isArchiveName(files[0].name)) openArchive(files[0]);
    else loadBundleJson(files[0]);
  }

  prefixInput.addEventListener('input', () => {
    renderPreview();
    onPrefixInput();
  });
  refsInput.addEventListener('input', () => {
    if (fromBundle) {
      setRefsSource(isBundleList(currentRefs()) ? $('refs-source').textContent
        : `Edited: these references are relocated one by one (the list no longer matches ${fromBundle.name}).`);
    }
    renderPreview();
  });
  $('lookup').addEventListener('click', lookupSources);
  $('relocate-run').addEventListener('click', relocate);
  $('relocate-plan').addEventListener('click', plan);
  $('relocate-cancel').addEventListener('click', () => {
    status.textContent = 'Cancelling…';
    relocating?.abort();
  });
  $('refs-file').addEventListener('change', (e) => {
    const file = e.target.files?.[0];
    if (file) onFiles([file]);
    e.target.value = '';
  });
  dropTarget($('panel-relocate'), $('refs-drop'), onFiles);
  return { renderPreview, loadBundleJson, prefix: () => prefixInput.value.trim() };
}
