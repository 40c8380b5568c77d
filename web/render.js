// Shared rendering of the page: table cells, error boxes, download links, drop zones, and the
// result table of a relocation (relocated images with their digests confirmed in the target, and
// what became of their referrers).
import { plural, shortDigest } from './format.js';
import { referrerKind } from './referrer-kind.js';

export const $ = (id) => document.getElementById(id);

export function cell(row, text, { cls, title, header } = {}) {
  const td = document.createElement(header ? 'th' : 'td');
  if (header) td.scope = 'row';
  td.textContent = text;
  if (cls) td.className = cls;
  if (title) td.title = title;
  row.append(td);
  return td;
}

export function digestCell(row, digest) {
  const td = cell(row, digest ? shortDigest(digest, 16) : '', { cls: 'mono digest', title: digest || '' });
  if (digest) td.dataset.digest = digest;
  return td;
}

/** An error as plain data (an IrelError, a worker's error, anything thrown). */
export function errorData(e) {
  return { code: e?.code || 'ERROR', message: e?.message || String(e), side: e?.side || '' };
}

export function showError(box, e, lead = '') {
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

export function clearError(box) {
  box.hidden = true;
  box.replaceChildren();
}

const downloads = new WeakMap();
export function setDownload(link, json) {
  const old = downloads.get(link);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
  downloads.set(link, url);
  link.href = url;
}

export const isArchiveName = (name) => /\.(tgz|tar|tar\.gz|tar\.zst|tzst|tar\.xz|txz|tar\.bz2|tbz2)$/i.test(name);
export const isJsonName = (name) => /\.json$/i.test(name);

// Drag and drop: each panel takes files dropped anywhere on it; drops elsewhere do nothing
// (instead of the browser navigating away to the file).
for (const type of ['dragover', 'drop']) window.addEventListener(type, (e) => e.preventDefault());

export function dropTarget(panel, zone, onFiles) {
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

/** The digest of `ref` in its registry, read back after relocating: { targetDigest } or { error }. */
export async function confirmDigest(worker, ref, args) {
  try {
    return { targetDigest: await worker.run('digest', { ref, ...args }) };
  } catch (e) {
    return { error: errorData(e) };
  }
}

/** One failure of a ReferrersSummary, in words. */
export function referrerFailureText(f) {
  const why = `${f.error?.code ?? 'ERROR'}: ${f.error?.message ?? ''}`;
  if (f.kind === 'discovery') return `the referrers of ${f.digest} could not be listed: ${why}`;
  const what = `${referrerKind(f.artifactType, f.tag)} ${f.digest}${f.subject ? ` of ${f.subject}` : ''}`;
  if (f.kind === 'fallback-tag') return `${what} copied, but not listed under the target's tag ${f.tag}: ${why}`;
  return `${what} not copied: ${why}`;
}

/**
 * A row under an image's: its referrers copied (signatures, attestations, SBOMs), each one not
 * copied with its error, and the copy's note. Only when it had any, or a note, or a failure.
 */
function referrersRow(body, r, columns) {
  const s = r.referrers;
  const failed = s?.failed ?? [];
  if (!s || !(s.count || failed.length || s.note)) return;
  const notCopied = failed.filter((f) => f.kind === 'referrer' || f.kind === 'tag').length;
  const row = body.insertRow();
  row.className = 'referrers';
  row.dataset.image = r.image;
  row.dataset.copied = String(s.copied ?? 0);
  row.dataset.failed = String(notCopied);
  const td = cell(row, `↳ ${plural(s.copied ?? 0, 'referrer')} copied (signatures, attestations, SBOMs)` +
    `${notCopied ? `, ${notCopied} not copied` : ''}${s.filtered ? `, ${s.filtered} left out by type` : ''}`);
  td.colSpan = columns;
  if (failed.length) {
    const list = document.createElement('ul');
    list.className = 'referrer-failures';
    list.setAttribute('aria-label', `Referrers of ${r.image} not copied`);
    for (const f of failed) {
      const li = document.createElement('li');
      li.textContent = referrerFailureText(f);
      li.dataset.referrer = f.digest;
      list.append(li);
    }
    td.append(list);
  }
  if (s.note) {
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = `Referrers: ${s.note}`;
    td.append(note);
  }
}

/**
 * The result table: rows [{ image, target, sourceDigest, targetDigest, referrers? } | { image, target,
 * error }] (referrers: the copy's ReferrersSummary); mapping: the images relocated, offered for
 * download as relocation-mapping.json.
 */
export function renderRelocateResult(rows, mapping, { body, summary, link, container }) {
  body.replaceChildren();
  let preserved = 0;
  const referrers = { copied: 0, notCopied: 0, any: false };
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
    referrersRow(body, r, row.cells.length);
    if (r.referrers) {
      referrers.any ||= Boolean(r.referrers.count || r.referrers.failed?.length);
      referrers.copied += r.referrers.copied ?? 0;
      referrers.notCopied += (r.referrers.failed ?? []).filter((f) => f.kind === 'referrer' || f.kind === 'tag').length;
    }
  }
  const n = Object.keys(mapping).length;
  summary.textContent = `${plural(n, 'image')} relocated of ${rows.length}; ${preserved} with ${preserved === 1 ? 'its' : 'their'} digest confirmed in the target registry.` +
    (n ? ' The mapping lists the relocated images.' : '') +
    (referrers.any ? ` ${plural(referrers.copied, 'referrer')} copied${referrers.notCopied ? `, ${referrers.notCopied} not copied` : ''}.` : '');
  if (n) setDownload(link, `${JSON.stringify(mapping, null, 2)}\n`);
  link.hidden = !n;
  container.hidden = false;
}
