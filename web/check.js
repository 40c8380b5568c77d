// "Check a mapping": a bundle (bundle.json or a thick archive) and a relocation mapping, checked in
// the worker: offline (names, coverage, pinned digests) or online (each relocated image's digest
// looked up in its registry).
import { plural } from './format.js';
import { $, cell, clearError, dropTarget, isArchiveName, showError } from './render.js';

/** setupCheck(app, connection) -> { setBundle({ json, name } | { file, name }), setMapping(json, name) } */
export function setupCheck(app, connection) {
  const worker = app.workers.check;
  let bundle = null; // { json, name } | { file, name }
  let checking = false;

  function setBundle(b) {
    bundle = b;
    $('check-bundle-name').textContent = b ? b.name : 'bundle.json or a thick archive, or drop it here';
  }

  function setMapping(json, name) {
    $('check-mapping-text').value = json;
    $('check-mapping-name').textContent = name;
  }

  async function bundleFrom(file) {
    if (isArchiveName(file.name)) return { file, name: file.name };
    const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
    if (head[0] === 0x7b) return { json: await file.text(), name: file.name };
    return { file, name: file.name };
  }

  const mappingFrom = async (file) => setMapping(await file.text(), file.name);

  /** A dropped JSON file: a bundle (invocationImages, or images whose values are objects) or a mapping. */
  async function classify(file) {
    if (isArchiveName(file.name)) return 'bundle';
    try {
      const v = JSON.parse(await file.text());
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        if ('invocationImages' in v || 'schemaVersion' in v) return 'bundle';
        const values = Object.values(v);
        if (values.length && values.every((x) => typeof x === 'string')) return 'mapping';
        return 'bundle';
      }
    } catch {
      // not JSON: an archive with an unusual name
    }
    return 'bundle';
  }

  async function onFiles(files, target) {
    clearError($('check-error'));
    const zone = target?.closest?.('.dropzone')?.id;
    if (files.length === 1 && zone === 'check-bundle-drop') return setBundle(await bundleFrom(files[0]));
    if (files.length === 1 && zone === 'check-mapping-drop') return mappingFrom(files[0]);
    for (const f of files) {
      if ((await classify(f)) === 'mapping') await mappingFrom(f);
      else setBundle(await bundleFrom(f));
    }
  }

  function renderVerdicts(verdicts, online) {
    const body = document.querySelector('#check-verdicts tbody');
    body.replaceChildren();
    let failed = 0;
    for (const v of verdicts) {
      const row = body.insertRow();
      if (!v.ok) {
        failed++;
        row.className = 'invalid';
      }
      cell(row, v.image, { cls: 'mono' });
      cell(row, v.relocated, { cls: 'mono' });
      const verdict = cell(row, v.ok ? 'ok' : 'FAIL', { cls: v.ok ? 'ok verdict' : 'bad verdict' });
      verdict.dataset.ok = String(v.ok);
      const referrers = v.ok && v.referrers?.length ? ` and its ${plural(v.referrers.length, 'referrer')}`
        : v.ok && v.referrersUnchecked ? ` (${v.referrersUnchecked})` : '';
      cell(row, v.ok ? (v.digest ? `registry has ${v.digest}${referrers}` : online ? '' : 'valid (offline check)') : v.problem, { cls: v.ok && v.digest ? 'mono' : '' });
    }
    $('check-summary').textContent = `${plural(verdicts.length, 'image')}: ${failed ? `${failed} FAIL` : 'all ok'} (${online ? 'online' : 'offline'} check of ${bundle.name})`;
    $('check-result').hidden = false;
    return failed;
  }

  async function run() {
    if (checking) return;
    const errBox = $('check-error');
    clearError(errBox);
    const mapping = $('check-mapping-text').value;
    if (!bundle) {
      showError(errBox, { code: 'BUNDLE_MISSING', message: 'choose or drop the bundle (bundle.json or a thick archive) first' });
      return;
    }
    if (!mapping.trim()) {
      showError(errBox, { code: 'MAPPING_MISSING', message: 'choose, drop or paste the relocation mapping first' });
      return;
    }
    const online = $('check-online').checked;
    const status = $('check-status');
    status.textContent = online ? 'Checking the mapping and asking the registries…' : 'Checking the mapping…';
    $('check-run').disabled = true;
    checking = true;
    try {
      const args = { bundle: bundle.file ? { file: bundle.file } : { json: bundle.json }, mapping, online, ...connection.registryArgs() };
      const failed = renderVerdicts(await worker.run('check', args), online);
      status.textContent = failed ? `${plural(failed, 'image')} failed the check.` : 'The mapping is good.';
    } catch (e) {
      $('check-result').hidden = true;
      status.textContent = 'The check could not run.';
      showError(errBox, e, 'The check could not run:');
    } finally {
      checking = false;
      $('check-run').disabled = false;
    }
  }

  $('check-bundle-file').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    if (file) setBundle(await bundleFrom(file));
    e.target.value = '';
  });
  $('check-mapping-file').addEventListener('change', async (e) => {
    const file = e.target.files?.[0];
    if (file) await mappingFrom(file);
    e.target.value = '';
  });
  $('check-mapping-text').addEventListener('input', () => {
    $('check-mapping-name').textContent = 'pasted mapping';
  });
  $('check-run').addEventListener('click', run);
  dropTarget($('panel-check'), $('check-bundle-drop'), onFiles);
  return { setBundle, setMapping };
}
