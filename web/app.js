// The irel web page. It uses only the package's public API (../wasm/js/index.js) on the main
// thread, for instant previews, and the package's worker (../wasm/js/worker.js) for everything
// long: registry lookups, copies, reading and verifying thick bundles, checks.
import { load } from '../wasm/js/index.js';
import { WorkerClient } from './worker-client.js';
import { ProgressView } from './progress.js';
import { RateMeter, formatBytes, plural, progressText, shortDigest } from './format.js';

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------------------------------------
// Small DOM helpers

function cell(row, text, { cls, title, header } = {}) {
  const td = document.createElement(header ? 'th' : 'td');
  if (header) td.scope = 'row';
  td.textContent = text;
  if (cls) td.className = cls;
  if (title) td.title = title;
  row.append(td);
  return td;
}

function digestCell(row, digest) {
  const td = cell(row, digest ? shortDigest(digest, 16) : '', { cls: 'mono digest', title: digest || '' });
  if (digest) td.dataset.digest = digest;
  return td;
}

function errorData(e) {
  return { code: e?.code || 'ERROR', message: e?.message || String(e), side: e?.side || '' };
}

function showError(box, e, lead = '') {
  const { code, message, side } = errorData(e);
  box.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = lead || 'Error';
  const codeEl = document.createElement('code');
  codeEl.className = 'code';
  codeEl.textContent = code;
  const text = document.createElement('span');
  text.className = 'message';
  text.textContent = message;
  box.append(strong, ' ', codeEl, document.createElement('br'), text);
  if (side) {
    const s = document.createElement('span');
    s.className = 'muted';
    s.textContent = ` (${side} side)`;
    box.append(s);
  }
  box.hidden = false;
}

function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
}

const downloads = new WeakMap();
function setDownload(link, json) {
  const old = downloads.get(link);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  downloads.set(link, url);
  link.href = url;
}

const isArchiveName = (name) => /\.(tgz|tar|tar\.gz|tar\.zst|tzst|tar\.xz|txz|tar\.bz2|tbz2)$/i.test(name);
const isJsonName = (name) => /\.json$/i.test(name);

// ---------------------------------------------------------------------------------------------
// Tabs (ARIA tabs pattern: arrow keys, Home, End)

const tabs = [...document.querySelectorAll('[role="tab"]')];
const tabName = (tab) => tab.id.replace(/^tab-/, '');

function selectTab(name, { focus = false } = {}) {
  const tab = tabs.find((t) => tabName(t) === name) ?? tabs[0];
  for (const t of tabs) {
    const selected = t === tab;
    t.setAttribute('aria-selected', String(selected));
    t.tabIndex = selected ? 0 : -1;
    $(t.getAttribute('aria-controls')).hidden = !selected;
  }
  if (focus) tab.focus();
  if (location.hash !== `#${tabName(tab)}`) history.replaceState(null, '', `#${tabName(tab)}`);
}

for (const tab of tabs) {
  tab.addEventListener('click', () => selectTab(tabName(tab)));
  tab.addEventListener('keydown', (e) => {
    const i = tabs.indexOf(tab);
    const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault();
    selectTab(tabName(tabs[(to + tabs.length) % tabs.length]), { focus: true });
  });
}
selectTab(location.hash.slice(1) || 'relocate');
window.addEventListener('hashchange', () => selectTab(location.hash.slice(1) || 'relocate'));

// ---------------------------------------------------------------------------------------------
// Connection: proxy URL, blobs in flight, credentials (memory only)

const proxyInput = $('proxy-url');
const jobsInput = $('jobs');
const proxyTokenInput = $('proxy-token');
proxyInput.value = `${location.origin}/proxy`;
const credentials = new Map(); // registry -> { username, password } | { identityToken }

function proxyBase() {
  return proxyInput.value.trim().replace(/\/+$/, '');
}

function registryArgs() {
  const jobs = Math.min(16, Math.max(1, Number.parseInt(jobsInput.value, 10) || 4));
  const proxyToken = proxyTokenInput.value.trim();
  return { proxyBase: proxyBase(), ...(proxyToken ? { proxyToken } : {}), credentials: Object.fromEntries(credentials), jobs };
}

function updateConnectionSummary() {
  let ok = true;
  try {
    const u = new URL(proxyBase());
    ok = u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    ok = false;
  }
  proxyInput.setAttribute('aria-invalid', String(!ok));
  $('connection-summary').textContent = `proxy ${proxyBase() || '(none)'} · ` +
    (credentials.size ? `credentials for ${[...credentials.keys()].join(', ')}` : 'no credentials');
}

/** "https://Registry.example.com:5000/v2/" -> "registry.example.com:5000"; Docker Hub spellings -> docker.io. */
function registryKey(text) {
  let host = text.trim();
  host = host.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/.*$/, '').toLowerCase();
  if (['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)) host = 'docker.io';
  return host;
}

function renderCredentials() {
  const list = $('cred-list');
  list.replaceChildren();
  for (const [registry, c] of credentials) {
    const li = document.createElement('li');
    const text = document.createElement('span');
    text.textContent = `${registry}: ${c.identityToken ? 'identity token' : `user ${c.username}, password`} (hidden)`;
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'link';
    remove.textContent = 'Remove';
    remove.setAttribute('aria-label', `Remove credentials for ${registry}`);
    remove.addEventListener('click', () => {
      credentials.delete(registry);
      renderCredentials();
      $('cred-registry').focus();
    });
    li.append(text, ' ', remove);
    list.append(li);
  }
  updateConnectionSummary();
}

$('cred-kind').addEventListener('change', () => {
  const token = $('cred-kind').value === 'token';
  $('cred-username-field').hidden = token;
  $('cred-secret-label').textContent = token ? 'Token' : 'Password';
});

$('cred-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const registry = registryKey($('cred-registry').value);
  const token = $('cred-kind').value === 'token';
  const secret = $('cred-secret').value;
  const username = $('cred-username').value.trim();
  const err = $('cred-error');
  const problem = !registry || /\s/.test(registry) ? 'Enter the registry as host[:port], e.g. registry.example.com:5000.'
    : !secret ? `Enter the ${token ? 'token' : 'password'}.`
      : !token && !username ? 'Enter the username.' : '';
  err.hidden = !problem;
  err.textContent = problem;
  if (problem) return;
  credentials.set(registry, token ? { identityToken: secret } : { username, password: secret });
  $('cred-secret').value = '';
  $('cred-username').value = '';
  $('cred-registry').value = '';
  renderCredentials();
});

proxyInput.addEventListener('input', () => {
  updateConnectionSummary();
  renderPreview();
});
updateConnectionSummary();

// ---------------------------------------------------------------------------------------------
// Drag and drop: each panel takes files dropped anywhere on it; drops elsewhere do nothing
// (instead of the browser navigating away to the file).

for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());

function dropTarget(panel, zone, onFiles) {
  let depth = 0;
  panel.addEventListener('dragenter', (e) => {
    if (![...(e.dataTransfer?.types ?? [])].includes('Files')) return;
    depth++;
    zone.classList.add('dragover');
  });
  panel.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.classList.remove('dragover');
  });
  panel.addEventListener('dragover', (e) => {
    e.preventDefault();
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
  });
  panel.addEventListener('drop', (e) => {
    e.preventDefault();
    depth = 0;
    zone.classList.remove('dragover');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) onFiles(files, e.target);
  });
}

// ---------------------------------------------------------------------------------------------
// Workers: one per panel, so cancelling in one never disturbs another.

const workers = {
  relocate: new WorkerClient(),
  thick: new WorkerClient(),
  check: new WorkerClient(),
};
workers.relocate.ready.then(() => {
  document.body.dataset.workerReady = 'true';
}, (e) => showError($('relocate-error'), e, 'The worker could not start:'));

let irel; // the main-thread instance, for previews

// =============================================================================================
// Relocate images

const prefixInput = $('prefix');
const refsInput = $('refs');
const prefixError = $('prefix-error');
const previewBody = document.querySelector('#preview tbody');
const summary = $('summary');
const relocateView = new ProgressView($('relocate-progress'));
const lookups = new Map(); // `${proxy}\n${ref}` -> { state: 'pending'|'ok'|'error', value?, error? }
let fromBundle = null; // { json, name, images: Map(image -> contentDigest) } while the list is a bundle's
let relocating = null; // AbortController

function currentRefs() {
  return refsInput.value.split('\n').map((l) => l.trim()).filter(Boolean);
}

function lookupKey(ref) {
  return `${proxyBase()}\n${ref}`;
}

function renderPreview() {
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
    if (!checked.ok) {
      cell(row, '—');
    } else {
      const r = irel.map(prefix, ref);
      if (r.ok) {
        cell(row, r.output, { cls: 'mono' });
      } else {
        invalid++;
        row.className = 'invalid';
        cell(row, r.error.message);
        const td = cell(row, '');
        td.colSpan = 3;
        continue;
      }
    }
    const found = lookups.get(lookupKey(ref));
    if (!found) {
      cell(row, '');
      cell(row, '');
      cell(row, '', { cls: 'num' });
    } else if (found.state === 'pending') {
      cell(row, 'looking up…', { cls: 'muted' });
      cell(row, '');
      cell(row, '', { cls: 'num' });
    } else if (found.state === 'error') {
      const td = cell(row, `${found.error.code}: ${found.error.message}`, { cls: 'lookup-error' });
      td.colSpan = 3;
    } else {
      digestCell(row, found.value.digest);
      cell(row, found.value.platforms.join(', ') || '—');
      cell(row, formatBytes(found.value.size), { cls: 'num' });
    }
  }
  summary.textContent = `${refs.length} reference${refs.length === 1 ? '' : 's'}` +
    (invalid ? `, ${invalid} invalid` : '');
}

function setRefsSource(text) {
  const note = $('refs-source');
  note.hidden = !text;
  note.textContent = text ?? '';
}

async function loadBundleJson(file) {
  clearError($('relocate-error'));
  try {
    const json = await file.text();
    const bundle = irel.openBundle({ json });
    const images = new Map();
    for (const i of bundle.info.images) if (i.relocatable && !images.has(i.image)) images.set(i.image, i.contentDigest);
    fromBundle = { json, name: file.name, images };
    refsInput.value = [...images.keys()].join('\n');
    const title = [bundle.info.name, bundle.info.version].filter(Boolean).join(' ');
    setRefsSource(`From ${file.name}${title ? ` (bundle ${title})` : ''}: ${plural(images.size, 'image')}; ` +
      'relocation uses the bundle, pinned to its content digests. Editing the list relocates plain references instead.');
    renderPreview();
  } catch (e) {
    showError($('relocate-error'), e, `${file.name} is not a usable bundle.json:`);
  }
}

function onRelocateFiles(files) {
  const file = files[0];
  if (isArchiveName(file.name)) {
    selectTab('thick', { focus: true });
    openThick(file);
    return;
  }
  loadBundleJson(file);
}

async function lookupSources() {
  if (!irel) return;
  clearError($('relocate-error'));
  const refs = [...new Set(currentRefs().filter((r) => irel.parse(r).ok))];
  const toLookUp = refs.filter((r) => lookups.get(lookupKey(r))?.state !== 'ok');
  for (const ref of toLookUp) lookups.set(lookupKey(ref), { state: 'pending' });
  renderPreview();
  $('relocate-status').textContent = toLookUp.length ? `Looking up ${plural(toLookUp.length, 'source')}…` : 'All sources looked up.';
  const args = { ...registryArgs(), retry: { attempts: 2, baseMs: 200 } };
  let next = 0;
  const one = async () => {
    while (next < toLookUp.length) {
      const ref = toLookUp[next++];
      const key = lookupKey(ref);
      const contentDigest = fromBundle?.images.get(ref) ?? '';
      const json = JSON.stringify({ name: 'lookup', images: { image: contentDigest ? { image: ref, contentDigest } : { image: ref } } });
      try {
        const r = await workers.relocate.run('describe', { bundle: { json }, ...args });
        lookups.set(key, { state: 'ok', value: r.images[0] });
      } catch (e) {
        lookups.set(key, { state: 'error', error: errorData(e) });
      }
      renderPreview();
    }
  };
  await Promise.all([one(), one(), one()]);
  const failed = toLookUp.filter((r) => lookups.get(lookupKey(r))?.state === 'error').length;
  $('relocate-status').textContent = toLookUp.length
    ? `Looked up ${plural(toLookUp.length, 'source')}${failed ? `, ${failed} not found or unreachable` : ''}.` : $('relocate-status').textContent;
}

function setRelocating(running) {
  $('relocate-run').disabled = running;
  $('lookup').disabled = running;
  $('relocate-cancel').disabled = !running;
  refsInput.readOnly = running;
  prefixInput.readOnly = running;
  $('refs-file').disabled = running;
}

function renderRelocateResult(rows, mapping, body, summaryEl, link, container) {
  body.replaceChildren();
  let preserved = 0;
  for (const r of rows) {
    const row = body.insertRow();
    cell(row, r.image, { cls: 'mono' });
    cell(row, r.target ?? '', { cls: 'mono' });
    if (r.error) {
      row.className = r.error.code === 'CANCELLED' ? 'cancelled' : 'invalid';
      const td = cell(row, `${r.error.code}: ${r.error.message}`);
      td.colSpan = 3;
      continue;
    }
    digestCell(row, r.sourceDigest);
    digestCell(row, r.targetDigest);
    const ok = Boolean(r.sourceDigest) && r.sourceDigest === r.targetDigest;
    if (ok) preserved++;
    const td = cell(row, ok ? '✓ preserved' : '✗ differs', { cls: ok ? 'ok' : 'bad' });
    td.dataset.preserved = String(ok);
  }
  const n = Object.keys(mapping).length;
  summaryEl.textContent = `${plural(n, 'image')} relocated of ${rows.length}; ${preserved} with ${preserved === 1 ? 'its' : 'their'} digest confirmed in the target registry.` +
    (n ? ' The mapping lists the relocated images.' : '');
  if (n) setDownload(link, `${JSON.stringify(mapping, null, 2)}\n`);
  link.hidden = !n;
  container.hidden = false;
}

async function confirmDigest(worker, ref, args) {
  try {
    return { targetDigest: await worker.run('digest', { ref, ...args }) };
  } catch (e) {
    return { error: errorData(e) };
  }
}

async function relocateImages() {
  if (!irel || relocating) return;
  const errBox = $('relocate-error');
  clearError(errBox);
  const prefix = prefixInput.value.trim();
  const checked = irel.checkPrefix(prefix);
  if (!checked.ok) {
    showError(errBox, checked.error, 'Fix the repository prefix first:');
    prefixInput.focus();
    return;
  }
  const refs = [...new Set(currentRefs())];
  const valid = refs.filter((r) => irel.map(prefix, r).ok);
  if (!valid.length) {
    showError(errBox, { code: 'NOTHING_TO_RELOCATE', message: 'enter at least one valid image reference, or drop a bundle.json' });
    return;
  }
  const skipped = refs.length - valid.length;
  const args = registryArgs();
  relocating = new AbortController();
  const { signal } = relocating;
  setRelocating(true);
  $('relocate-result').hidden = true;
  relocateView.reset('Progress');
  const headline = relocateView.bar('Images relocated');
  headline.set(0, valid.length);
  headline.note(`0 of ${plural(valid.length, 'image')}`);
  let finished = 0;
  const step = () => {
    finished++;
    headline.progress.max = valid.length;
    headline.progress.value = finished;
    headline.note(`${finished} of ${plural(valid.length, 'image')}`);
  };
  const status = $('relocate-status');
  status.textContent = `Relocating ${plural(valid.length, 'image')}${skipped ? ` (${skipped} invalid line${skipped === 1 ? '' : 's'} skipped)` : ''}…`;
  const rows = [];
  const mapping = {};
  const groups = new Map();
  const groupFor = (image, target) => {
    if (!groups.has(image)) groups.set(image, relocateView.group(image, image, { subtitle: `→ ${target}` }));
    return groups.get(image);
  };
  const onEvent = (g, e) => {
    if (e.type === 'plan') g.plan(e.bytes, e.blobs);
    else if (e.type === 'blob') g.blob(e);
    else if (e.type === 'manifest' && e.phase === 'pushed') g.setStatus(e.root ? 'writing the name' : 'pushing manifests', 'running');
  };

  try {
    if (fromBundle && refs.length === fromBundle.images.size && refs.every((r) => fromBundle.images.has(r))) {
      // The list is a bundle's: relocate the bundle (pinned to its content digests).
      const bundleMap = irel.openBundle({ json: fromBundle.json }).map(prefix).mapping;
      for (const image of valid) groupFor(image, bundleMap[image]);
      const sourceDigests = new Map();
      let result;
      try {
        result = await workers.relocate.run('relocate', { bundle: { json: fromBundle.json }, prefix, ...args }, {
          signal,
          onProgress: (e) => {
            if (!e.image) return;
            const g = groupFor(e.image, bundleMap[e.image]);
            if (e.type === 'image' && e.phase === 'started') g.setStatus('reading manifests', 'running');
            else if (e.type === 'done') sourceDigests.set(e.image, e.summary.sourceDigest);
            else if (e.type === 'image' && e.phase === 'done') {
              g.finish(`relocated as ${shortDigest(e.digest, 16)}`);
              step();
            } else onEvent(g, e);
          },
        });
      } catch (e) {
        for (const image of valid) {
          if (!sourceDigests.has(image)) groups.get(image)?.finish(e.code === 'CANCELLED' ? 'cancelled' : 'not relocated', e.code === 'CANCELLED' ? 'cancelled' : 'error');
        }
        throw e;
      }
      status.textContent = 'Confirming the digests in the target registry…';
      for (const img of result.images) {
        const confirmed = await confirmDigest(workers.relocate, img.target, args);
        rows.push({ image: img.image, target: img.target, sourceDigest: sourceDigests.get(img.image) ?? img.digest, ...confirmed });
      }
      Object.assign(mapping, result.mapping);
    } else {
      for (const ref of valid) {
        const target = irel.mapReference(prefix, ref);
        const g = groupFor(ref, target);
        if (signal.aborted) {
          g.finish('cancelled', 'cancelled');
          rows.push({ image: ref, target, error: { code: 'CANCELLED', message: 'not started: the relocation was cancelled' } });
          continue;
        }
        g.setStatus('reading manifests', 'running');
        try {
          const s = await workers.relocate.run('copy', { src: ref, dst: target, ...args }, { signal, onProgress: (e) => onEvent(g, e) });
          const confirmed = await confirmDigest(workers.relocate, target, args);
          g.finish(`relocated as ${shortDigest(s.digest, 16)} (${formatBytes(s.bytes.uploaded)} uploaded, ${formatBytes(s.bytes.skipped + s.bytes.mounted)} already there)`);
          rows.push({ image: ref, target, sourceDigest: s.sourceDigest, ...confirmed });
          if (!confirmed.error) mapping[ref] = target;
        } catch (e) {
          const cancelled = e.code === 'CANCELLED';
          g.finish(cancelled ? 'cancelled: no tag was written' : `failed: ${e.code}`, cancelled ? 'cancelled' : 'error');
          rows.push({ image: ref, target, error: errorData(e) });
        }
        step();
      }
    }
    const failed = rows.filter((r) => r.error).length;
    status.textContent = signal.aborted ? 'Relocation cancelled.'
      : failed ? `Done, with ${plural(failed, 'failure')}.` : `Done: ${plural(rows.length, 'image')} relocated.`;
    if (signal.aborted) showError(errBox, { code: 'CANCELLED', message: 'the relocation was cancelled; names are written last, so no image was left half-relocated under its name' }, 'Cancelled');
  } catch (e) {
    status.textContent = e.code === 'CANCELLED' ? 'Relocation cancelled.' : 'Relocation failed.';
    showError(errBox, e, e.code === 'CANCELLED' ? 'Cancelled' : 'Relocation failed:');
  } finally {
    relocating = null;
    setRelocating(false);
  }
  if (rows.length) {
    renderRelocateResult(rows, mapping, document.querySelector('#relocate-result-table tbody'),
      $('relocate-result-summary'), $('relocate-download'), $('relocate-result'));
  }
}

prefixInput.addEventListener('input', () => {
  renderPreview();
  renderThickMapping();
});
refsInput.addEventListener('input', () => {
  if (fromBundle) {
    const refs = currentRefs();
    const same = refs.length === fromBundle.images.size && refs.every((r) => fromBundle.images.has(r));
    setRefsSource(same ? $('refs-source').textContent : `Edited: these references are relocated one by one (the list no longer matches ${fromBundle.name}).`);
  }
  renderPreview();
});
$('lookup').addEventListener('click', lookupSources);
$('relocate-run').addEventListener('click', relocateImages);
$('relocate-cancel').addEventListener('click', () => {
  $('relocate-status').textContent = 'Cancelling…';
  relocating?.abort();
});
$('refs-file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) onRelocateFiles([file]);
  e.target.value = '';
});
dropTarget($('panel-relocate'), $('refs-drop'), onRelocateFiles);

// =============================================================================================
// Thick bundle

const thick = {
  file: null,
  json: null, // bundle.json text
  info: null,
  described: null, // [{ image, digest, ... }] once verified
  job: null, // AbortController of the running job
  token: 0, // increases with every file opened
};
const thickView = new ProgressView($('thick-progress'));

function thickBusy(busy) {
  $('thick-relocate').disabled = busy || !thick.described || !irel?.checkPrefix($('thick-prefix').value.trim()).ok;
  $('thick-cancel').disabled = !busy;
  $('thick-file').disabled = busy && Boolean(thick.job?.relocating);
}

function renderThickImages(verifiedError) {
  const body = document.querySelector('#thick-images tbody');
  body.replaceChildren();
  const described = new Map((thick.described ?? []).map((d) => [d.image, d]));
  const images = thick.info.images.filter((i) => i.relocatable);
  const seen = new Set();
  for (const i of images) {
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
  }
  const n = seen.size;
  $('thick-images-summary').textContent = thick.described
    ? `${plural(n, 'image')}, every blob verified against its digest (${formatBytes(thick.described.reduce((s, d) => s + d.size, 0))}).`
    : verifiedError ? `${plural(n, 'image')}; the bundle failed verification, so nothing can be relocated from it.`
      : `${plural(n, 'image')}; verifying…`;
  const notRelocatable = thick.info.images.filter((i) => !i.relocatable).length;
  if (notRelocatable) $('thick-images-summary').textContent += ` ${notRelocatable} entr${notRelocatable === 1 ? 'y is' : 'ies are'} not a docker or OCI image and stay${notRelocatable === 1 ? 's' : ''} as is.`;
}

function renderThickMapping() {
  if (!thick.json || !irel) return;
  const input = $('thick-prefix');
  const prefix = input.value.trim();
  const body = document.querySelector('#thick-mapping tbody');
  const err = $('thick-prefix-error');
  body.replaceChildren();
  const checked = irel.checkPrefix(prefix);
  input.setAttribute('aria-invalid', String(!checked.ok && prefix !== ''));
  err.hidden = checked.ok || prefix === '';
  err.textContent = checked.ok ? '' : checked.error.message;
  if (!checked.ok) {
    $('thick-mapping-summary').textContent = 'Enter a repository prefix to preview the mapping.';
  } else {
    const { mapping } = irel.openBundle({ json: thick.json }).map(prefix);
    for (const [from, to] of Object.entries(mapping)) {
      const row = body.insertRow();
      cell(row, from, { cls: 'mono' });
      cell(row, to, { cls: 'mono' });
    }
    $('thick-mapping-summary').textContent = `Mapping preview under ${prefix}`;
  }
  thickBusy(Boolean(thick.job));
}

async function openThick(file) {
  if (thick.job?.relocating) {
    $('thick-status').textContent = `A relocation of ${thick.file.name} is running: cancel it before opening ${file.name}.`;
    return;
  }
  thick.job?.abort();
  const token = ++thick.token;
  Object.assign(thick, { file, json: null, info: null, described: null });
  const errBox = $('thick-error');
  clearError(errBox);
  $('thick-report').hidden = true;
  $('thick-result').hidden = true;
  $('thick-progress').hidden = true;
  const info = $('thick-file-info');
  info.hidden = false;
  info.textContent = `${file.name} · ${formatBytes(file.size)}`;
  const status = $('thick-status');
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
  thickBusy(true);
  const meter = new RateMeter();
  const onProgress = (e) => {
    if (token !== thick.token || e.type !== 'archive' || e.phase !== 'verify') return;
    meter.add(e.done);
    bar.max = Math.max(1, e.size);
    bar.value = e.done;
    barText.textContent = progressText(e.done, e.size, meter);
  };
  try {
    const opened = await workers.thick.run('open', { bundle: { file } }, { signal: controller.signal });
    if (token !== thick.token) return;
    if (opened.kind !== 'thick') throw Object.assign(new Error('not a thick bundle'), { code: 'BUNDLE_INVALID' });
    thick.json = opened.json;
    thick.info = opened.info;
    $('thick-title').textContent = `Bundle ${[opened.info.name, opened.info.version].filter(Boolean).join(' ') || file.name}`;
    if (!$('thick-prefix').value.trim() && irel?.checkPrefix(prefixInput.value.trim()).ok) $('thick-prefix').value = prefixInput.value.trim();
    renderThickImages(null);
    renderThickMapping();
    $('thick-report').hidden = false;
    status.textContent = `Verifying every blob of ${file.name}…`;
    const described = await workers.thick.run('describe', { bundle: { file } }, { signal: controller.signal, onProgress });
    if (token !== thick.token) return;
    thick.described = described.images;
    bar.value = bar.max;
    barText.textContent = `${formatBytes(file.size)} read · every blob matches its digest`;
    verify.dataset.state = 'done';
    renderThickImages(null);
    status.textContent = `${file.name}: ${plural(described.images.length, 'image')} verified. Choose a prefix and relocate.`;
  } catch (e) {
    if (token !== thick.token) return;
    verify.dataset.state = 'error';
    barText.textContent = 'verification failed';
    if (thick.info) renderThickImages(e);
    status.textContent = e.code === 'CANCELLED' ? 'Cancelled.' : `${file.name} was refused: nothing will be pushed from it.`;
    showError(errBox, e, e.code === 'CANCELLED' ? 'Cancelled' : 'The bundle was refused:');
  } finally {
    if (token === thick.token) {
      thick.job = null;
      thickBusy(false);
    }
  }
}

async function relocateThick() {
  if (!thick.described || thick.job) return;
  const prefix = $('thick-prefix').value.trim();
  const errBox = $('thick-error');
  clearError(errBox);
  if (!irel.checkPrefix(prefix).ok) {
    $('thick-prefix').focus();
    return;
  }
  const { file } = thick;
  const token = thick.token;
  const args = registryArgs();
  const controller = new AbortController();
  controller.relocating = true;
  thick.job = controller;
  thickBusy(true);
  $('thick-result').hidden = true;
  const status = $('thick-status');
  status.textContent = `Relocating ${file.name} under ${prefix}…`;
  thickView.reset('Progress');
  const pass1 = thickView.bar('Pass 1: verifying every blob');
  const pass2 = thickView.bar('Pass 2: streaming blobs into the registry');
  pass1.set(0, file.size);
  pass2.note('waiting for pass 1');
  const blobs = thickView.group('blobs', 'Blobs the registry lacks', { mono: false });
  const images = new Map();
  for (const d of thick.described) {
    const g = thickView.group(`image:${d.image}`, d.image, { subtitle: `${shortDigest(d.digest, 16)} · ${formatBytes(d.size)}` });
    g.layersEl.remove();
    g.overall.root.remove();
    images.set(d.image, g);
  }
  try {
    const result = await workers.thick.run('relocate', { bundle: { file }, prefix, ...args }, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'archive' && e.phase === 'verify') pass1.set(e.done, e.size);
        else if (e.type === 'archive' && e.phase === 'upload') pass2.set(e.done, e.size);
        else if (e.type === 'plan') {
          pass1.set(file.size, file.size);
          blobs.plan(e.bytes, e.blobs);
          if (!e.blobs) {
            blobs.finish('the registry already has every blob');
            pass2.note('nothing to stream');
          }
          for (const g of images.values()) g.setStatus('waiting for its blobs', 'running');
        } else if (e.type === 'blob') blobs.blob(e);
        else if (e.type === 'image' && e.phase === 'done') {
          blobs.finish('all blobs in the registry');
          images.get(e.image)?.finish(`pushed as ${e.target}`);
        }
      },
    });
    if (token !== thick.token) return;
    pass2.set(pass2.total || file.size, pass2.total || file.size);
    status.textContent = 'Confirming the digests in the target registry…';
    const described = new Map(thick.described.map((d) => [d.image, d.digest]));
    const rows = [];
    for (const img of result.images) {
      rows.push({ image: img.image, target: img.target, sourceDigest: described.get(img.image), ...await confirmDigest(workers.thick, img.target, args) });
    }
    renderRelocateResult(rows, result.mapping, document.querySelector('#thick-result-table tbody'),
      $('thick-result-summary'), $('thick-download'), $('thick-result'));
    thick.mappingJson = result.json;
    setDownload($('thick-download'), result.json);
    status.textContent = `Done: ${plural(result.images.length, 'image')} relocated from ${file.name}.`;
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
      thickBusy(false);
    }
  }
}

function onThickFiles(files) {
  const file = files.find((f) => !isJsonName(f.name)) ?? files[0];
  if (isJsonName(file.name)) {
    selectTab('relocate', { focus: true });
    loadBundleJson(file);
    return;
  }
  openThick(file);
}

$('thick-file').addEventListener('change', (e) => {
  const file = e.target.files?.[0];
  if (file) onThickFiles([file]);
  e.target.value = '';
});
$('thick-prefix').addEventListener('input', renderThickMapping);
$('thick-relocate').addEventListener('click', relocateThick);
$('thick-cancel').addEventListener('click', () => {
  $('thick-status').textContent = 'Cancelling…';
  thick.job?.abort();
});
$('thick-to-check').addEventListener('click', () => {
  setCheckBundle({ file: thick.file, name: thick.file.name });
  $('check-mapping-text').value = thick.mappingJson ?? '';
  $('check-mapping-name').textContent = 'the mapping just written';
  selectTab('check', { focus: true });
});
dropTarget($('panel-thick'), $('thick-drop'), onThickFiles);

// =============================================================================================
// Check a mapping

let checkBundle = null; // { json, name } | { file, name }
let checking = null;

function setCheckBundle(b) {
  checkBundle = b;
  $('check-bundle-name').textContent = b ? b.name : 'bundle.json or a thick archive, or drop it here';
}

async function checkBundleFrom(file) {
  if (isArchiveName(file.name)) return { file, name: file.name };
  const head = new Uint8Array(await file.slice(0, 1).arrayBuffer());
  if (head[0] === 0x7b) return { json: await file.text(), name: file.name };
  return { file, name: file.name };
}

async function setMappingFile(file) {
  $('check-mapping-text').value = await file.text();
  $('check-mapping-name').textContent = file.name;
}

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

async function onCheckFiles(files, target) {
  clearError($('check-error'));
  const zone = target?.closest?.('.dropzone')?.id;
  if (files.length === 1 && zone === 'check-bundle-drop') return setCheckBundle(await checkBundleFrom(files[0]));
  if (files.length === 1 && zone === 'check-mapping-drop') return setMappingFile(files[0]);
  for (const f of files) {
    if ((await classify(f)) === 'mapping') await setMappingFile(f);
    else setCheckBundle(await checkBundleFrom(f));
  }
}

async function runCheck() {
  if (checking) return;
  const errBox = $('check-error');
  clearError(errBox);
  const mapping = $('check-mapping-text').value;
  if (!checkBundle) {
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
  checking = new AbortController();
  try {
    const bundle = checkBundle.file ? { file: checkBundle.file } : { json: checkBundle.json };
    const verdicts = await workers.check.run('check', { bundle, mapping, online, ...registryArgs() }, { signal: checking.signal });
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
      cell(row, v.ok ? (v.digest ? `registry has ${v.digest}` : online ? '' : 'valid (offline check)') : v.problem, { cls: v.ok && v.digest ? 'mono' : '' });
    }
    $('check-summary').textContent = `${plural(verdicts.length, 'image')}: ${failed ? `${failed} FAIL` : 'all ok'} (${online ? 'online' : 'offline'} check of ${checkBundle.name})`;
    $('check-result').hidden = false;
    status.textContent = failed ? `${plural(failed, 'image')} failed the check.` : 'The mapping is good.';
  } catch (e) {
    $('check-result').hidden = true;
    status.textContent = 'The check could not run.';
    showError(errBox, e, 'The check could not run:');
  } finally {
    checking = null;
    $('check-run').disabled = false;
  }
}

$('check-bundle-file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (file) setCheckBundle(await checkBundleFrom(file));
  e.target.value = '';
});
$('check-mapping-file').addEventListener('change', async (e) => {
  const file = e.target.files?.[0];
  if (file) await setMappingFile(file);
  e.target.value = '';
});
$('check-mapping-text').addEventListener('input', () => {
  $('check-mapping-name').textContent = 'pasted mapping';
});
$('check-run').addEventListener('click', runCheck);
dropTarget($('panel-check'), $('check-bundle-drop'), onCheckFiles);

// =============================================================================================
// Start: the core on the main thread for previews.

load().then((loaded) => {
  irel = loaded;
  $('version').textContent = `irel ${irel.version}`;
  renderPreview();
  document.body.dataset.ready = 'true';
}).catch((e) => {
  summary.textContent = `Could not load irel: ${e.message}`;
  showError($('relocate-error'), e, 'Could not load irel:');
});
