// The images the Manifests tab found: a table of the rewritable ones with where each is (file,
// line, YAML document, path) and the name it is relocated as under the prefix (the core's map, as
// the other tabs preview it; with a pull prefix, the name the manifests will say), and a table of
// the values that cannot be rewritten, each with why (templated, invalid, written in a template...).
import { plural } from './format.js';
import { cell } from './render.js';

/** Short words for why a value is not rewritable; the library's message says the rest. */
const WHY = {
  IMAGE_TEMPLATED: 'templated',
  IMAGE_IN_TEMPLATE: 'in a template',
  IMAGE_IN_PACKAGED_CHART: 'in a packaged sub-chart',
  IMAGE_EMPTY: 'empty',
  IMAGE_BLOCK_SCALAR: 'a block scalar',
  YAML_INVALID: 'not valid YAML',
  HINT_INVALID: 'a bad hint',
  HINT_NOT_FOUND: 'a hint that finds nothing',
  GLOBAL_REGISTRY_CONFLICT: 'global registry conflict',
  VALUE_SHARED: 'a shared value',
  IMAGE_NOT_MAPPED: 'not relocated',
  PIN_NO_FIELD: 'not pinned',
  DIGEST_MISMATCH: 'digest mismatch',
  DIGEST_INVALID: 'bad digest',
  REWRITE_UNVERIFIED: 'not verified',
};
export const whyWords = (code) => WHY[code] ?? 'invalid';

/** "shop.yaml:27" over "document 2 · spec.template.spec.containers[0].image · chart monitoring". */
export function locationCell(row, item) {
  const td = cell(row, '');
  td.className = 'location';
  const head = document.createElement('span');
  head.className = 'mono';
  head.textContent = item.file ? `${item.file}${item.line ? `:${item.line}` : ''}` : '(hints)';
  const details = [
    Number.isInteger(item.document) ? `document ${item.document + 1}` : '',
    item.path ? item.path : '',
    item.kind ? item.kind : '',
    item.chart ? `chart ${item.chart}` : '',
    item.hint ? `hint ${item.hint}` : '',
  ].filter(Boolean);
  td.append(head);
  if (details.length) {
    const sub = document.createElement('span');
    sub.className = 'sub';
    sub.textContent = details.join(' · ');
    td.append(sub);
  }
  for (const key of ['file', 'line', 'document', 'path']) if (item[key] !== undefined) td.closest('tr').dataset[key] = String(item[key]);
  return td;
}

/** The reason of a value not rewritten: the short words, the code, the library's message. */
export function reasonCell(row, reason) {
  const td = cell(row, '');
  td.className = 'reason';
  const words = document.createElement('strong');
  words.textContent = whyWords(reason?.code);
  const code = document.createElement('code');
  code.textContent = reason?.code ?? 'ERROR';
  const message = document.createElement('span');
  message.className = 'sub';
  message.textContent = reason?.message ?? '';
  td.append(words, ' ', code, message);
  td.closest('tr').dataset.reason = reason?.code ?? 'ERROR';
  return td;
}

/**
 * The relocated name of `image` under `prefix` ({ ok, target, pull? } or { ok: false, error }),
 * pull: the name the manifests will say under `pullPrefix` (the library's rule: the prefix replaced).
 */
export function previewTarget(irel, prefix, pullPrefix, image) {
  const m = irel.map(prefix, image);
  if (!m.ok) return { ok: false, error: m.error };
  const pull = pullPrefix && m.output.startsWith(`${prefix}/`) ? `${pullPrefix}${m.output.slice(prefix.length)}` : '';
  return { ok: true, target: m.output, ...(pull ? { pull } : {}) };
}

/**
 * Renders found ({ images, skipped }) into the two tables. target: image -> previewTarget() result
 * or null (no usable prefix). Returns { rewritable, notRewritable } counts.
 */
export function renderFound(found, target, { imagesBody, imagesSummary, skippedBody, skippedSummary, skippedWrap }) {
  imagesBody.replaceChildren();
  skippedBody.replaceChildren();
  const rewritable = found.images.filter((i) => i.rewritable);
  for (const image of rewritable) {
    const row = imagesBody.insertRow();
    row.dataset.image = image.image;
    locationCell(row, image);
    cell(row, image.image, { cls: 'mono' });
    const t = target(image.image);
    if (!t) {
      cell(row, '—', { cls: 'muted' });
    } else if (!t.ok) {
      row.className = 'invalid';
      cell(row, `${t.error.code}: ${t.error.message}`);
    } else {
      const td = cell(row, t.target, { cls: 'mono target' });
      if (t.pull) {
        const pull = document.createElement('span');
        pull.className = 'sub';
        pull.textContent = `manifests say ${t.pull}`;
        td.append(pull);
      }
    }
  }
  const distinct = new Set(rewritable.map((i) => i.image)).size;
  imagesSummary.textContent = rewritable.length
    ? `${plural(distinct, 'image')} to relocate and rewrite, in ${plural(rewritable.length, 'place')}.`
    : 'No rewritable image found.';

  // Not rewritable: values that are no usable reference, and images the files cannot change.
  const rows = [...found.skipped.map((s) => ({ ...s, value: s.value ?? s.image ?? '' })),
    ...found.images.filter((i) => !i.rewritable).map((i) => ({ ...i, value: i.image }))];
  rows.sort((a, b) => (a.file ?? '').localeCompare(b.file ?? '') || (a.line ?? 0) - (b.line ?? 0));
  for (const s of rows) {
    const row = skippedBody.insertRow();
    locationCell(row, s);
    cell(row, s.value, { cls: 'mono' });
    reasonCell(row, s.reason);
  }
  skippedSummary.textContent = `${plural(rows.length, 'value')} not rewritable, left as they are.`;
  skippedWrap.hidden = !rows.length;
  return { rewritable: rewritable.length, distinct, notRewritable: rows.length };
}
