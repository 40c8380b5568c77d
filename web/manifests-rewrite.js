// "Rewrite" in the Manifests tab: the worker's rewrite op (irel.rewrite) over the files read, to
// the names under the prefix (or the mapping of the relocation just run), optionally under a pull
// prefix and pinned to digests; then the side-by-side diff per file, the unified diff, what was
// left as it was (and why), and the rewritten files to download.
import { renderDiff } from './diff-view.js';
import { plural } from './format.js';
import { locationCell, reasonCell } from './manifests-found.js';
import { rewrittenDownload } from './manifests-download.js';
import { $, errorData } from './render.js';

const LOOKUP_RETRY = { attempts: 2, baseMs: 200 };

/**
 * The digest of each image in its source registry (the worker's digest op), for pinning without a
 * relocation just run: relocation keeps digests. Resolves { pins: { image: digest }, failed: [{ image, error }] }.
 */
export async function lookUpPins(worker, images, args, signal) {
  const pins = {};
  const failed = [];
  await Promise.all(images.map(async (image) => {
    try {
      pins[image] = await worker.run('digest', { ref: image, ...args, retry: LOOKUP_RETRY }, { signal });
    } catch (e) {
      failed.push({ image, error: errorData(e) });
    }
  }));
  return { pins, failed };
}

/** The worker's rewrite: job { input, prefix | mapping, pullPrefix, pin }. */
export function rewrite(worker, { input, prefix, mapping, pullPrefix, pin }, signal) {
  return worker.run('rewrite', {
    input,
    ...(mapping ? { mapping } : { prefix }),
    ...(pullPrefix ? { pullPrefix } : {}),
    ...(pin && Object.keys(pin).length ? { pin } : {}),
  }, { signal });
}

const downloads = new WeakMap();
function setBlobLink(link, blob, name) {
  const old = downloads.get(link);
  if (old) URL.revokeObjectURL(old);
  const url = URL.createObjectURL(blob);
  downloads.set(link, url);
  link.href = url;
  link.download = name;
}

const skipKey = (s) => `${s.file}|${s.line}|${s.path}|${s.reason?.code}`;

/**
 * Shows a RewriteResult: summary, diff views, unified diff, values left (beyond `known`: the keys
 * of those the images table already lists as not rewritable), download links. input: readInput()'s.
 * notes: lines for the summary (pins that could not be looked up...).
 */
export function renderRewrite(result, input, { known = new Set(), notes = [], pinned = false } = {}) {
  const changedFiles = result.files.filter((f) => f.changed);
  const rewritten = Object.keys(result.mapping).length;
  $('manifests-rewrite-summary').textContent = changedFiles.length
    ? `${plural(result.changes.length, 'value')} changed in ${plural(changedFiles.length, 'file')}: ` +
      `${plural(rewritten, 'image')} rewritten${pinned ? ', pinned to digests' : ''}; nothing else in the files changed.`
    : 'Nothing to change: no image was rewritten.';
  const notesEl = $('manifests-rewrite-notes');
  notesEl.replaceChildren(...notes.map((n) => Object.assign(document.createElement('li'), { textContent: n })));
  notesEl.hidden = !notes.length;

  renderDiff($('manifests-diff'), result.diff);
  $('manifests-unified').textContent = result.diff || '(no changes)';
  $('manifests-unified-details').hidden = !result.diff;
  setBlobLink($('manifests-diff-download'), new Blob([result.diff], { type: 'text/x-diff' }), 'relocated.patch');

  // What the rewrite left that the images table does not already say (not mapped, not pinned...).
  const body = document.querySelector('#manifests-left tbody');
  body.replaceChildren();
  const left = result.skipped.filter((s) => !known.has(skipKey(s)));
  for (const s of left) {
    const row = body.insertRow();
    locationCell(row, s);
    const td = document.createElement('td');
    td.className = 'mono';
    td.textContent = s.image ?? s.value ?? '';
    row.append(td);
    reasonCell(row, s.reason);
  }
  $('manifests-left-wrap').hidden = !left.length;

  const dl = rewrittenDownload(result, input);
  const link = $('manifests-download');
  setBlobLink(link, dl.blob, dl.name);
  link.textContent = dl.kind === 'zip' ? `Download ${dl.name}` : `Download ${dl.name} (rewritten)`;
  const note = $('manifests-download-note');
  note.textContent = dl.note;
  note.hidden = !dl.note;
  $('manifests-rewrite-result').hidden = false;
}

export const notRewritableKeys = (found) => new Set([...found.skipped, ...found.images.filter((i) => !i.rewritable)].map(skipKey));
