// The side-by-side view of a rewrite's unified diff: per file, a table of its hunks with the line
// as it was (left) and as it is now (right), the changed lines highlighted and, within them, the
// part that changed (<del>, <ins>); unchanged context lines in plain text.
import { plural } from './format.js';
import { lineDifference, parseUnifiedDiff } from './unified-diff.js';

function el(tag, { cls, text } = {}, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  e.append(...children);
  return e;
}

/** A visually hidden word for screen readers ("removed", "added"). */
const spoken = (text) => el('span', { cls: 'visually-hidden', text: `${text}: ` });

function lineCells(tr, side, part, kind, other) {
  tr.append(el('td', { cls: 'ln', text: part ? String(part.line) : '' }));
  const td = el('td', { cls: `code ${side}` });
  if (!part) {
    td.classList.add('empty');
  } else if (kind === 'same') {
    td.textContent = part.text;
  } else if (kind === 'changed') {
    const [pre, oldMid, newMid, post] = lineDifference(side === 'old' ? part.text : other.text, side === 'old' ? other.text : part.text);
    const mark = side === 'old' ? el('del', { text: oldMid }) : el('ins', { text: newMid });
    td.append(spoken(side === 'old' ? 'was' : 'now'), pre, mark, post);
  } else {
    td.append(spoken(side === 'old' ? 'removed' : 'added'), el(side === 'old' ? 'del' : 'ins', { text: part.text }));
  }
  tr.append(td);
}

/** One file's table. */
function fileTable(file) {
  const table = el('table', { cls: 'diff' });
  table.append(el('caption', { cls: 'visually-hidden', text: `${file.path}: before on the left, after on the right` }));
  const head = el('tr');
  for (const [text, cls] of [['Line', 'ln'], ['Before', ''], ['Line', 'ln'], ['After', '']]) {
    const th = el('th', { cls, text });
    th.scope = 'col';
    head.append(th);
  }
  table.append(el('thead', {}, head));
  const body = el('tbody');
  for (const hunk of file.hunks) {
    const sep = el('tr', { cls: 'hunk' });
    const td = el('td', { text: hunk.header });
    td.colSpan = 4;
    sep.append(td);
    body.append(sep);
    for (const row of hunk.rows) {
      const tr = el('tr', { cls: row.kind });
      tr.dataset.kind = row.kind;
      lineCells(tr, 'old', row.old, row.kind, row.new);
      lineCells(tr, 'new', row.new, row.kind, row.old);
      body.append(tr);
    }
  }
  table.append(body);
  return table;
}

/**
 * Renders `diffText` (unified) into `container`, a section per file. Returns the files parsed, with
 * the number of changed lines of each ({ path, hunks, changed }).
 */
export function renderDiff(container, diffText) {
  const files = parseUnifiedDiff(diffText);
  container.replaceChildren();
  for (const file of files) {
    file.changed = file.hunks.reduce((n, h) => n + h.rows.filter((r) => r.kind !== 'same').length, 0);
    const section = el('section', { cls: 'diff-file' });
    section.dataset.path = file.path;
    section.append(el('h4', {}, el('span', { cls: 'mono', text: file.path }), ' ',
      el('span', { cls: 'muted', text: `(${plural(file.changed, 'line')} changed)` })));
    const wrap = el('div', { cls: 'table-wrap' });
    wrap.append(fileTable(file));
    section.append(wrap);
    container.append(section);
  }
  return files;
}
