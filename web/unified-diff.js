// Reading a unified diff (as irel.rewrite writes it: `--- a/PATH`, `+++ b/PATH`, hunks `@@ -A,B
// +C,D @@`, `\ No newline at end of file`) into rows for a side-by-side view: unchanged lines on
// both sides, a run of removed lines paired with the run of added lines that follows it.

/** "a/monitoring/values.yaml" -> "monitoring/values.yaml" (the a/ and b/ of the convention). */
const stripSide = (name) => name.replace(/\t.*$/, '').replace(/^[ab]\//, '');

/**
 * parseUnifiedDiff(text) -> [{ path, hunks: [{ header, oldStart, newStart, rows }] }]; a row is
 * { kind: 'same' | 'changed' | 'removed' | 'added', old?: { line, text }, new?: { line, text } }.
 */
export function parseUnifiedDiff(text) {
  const files = [];
  let file = null;
  let hunk = null;
  let oldLine = 0;
  let newLine = 0;
  let removed = []; // the pending run of '-' lines
  let added = [];

  const flush = () => {
    if (!hunk) return;
    const n = Math.max(removed.length, added.length);
    for (let i = 0; i < n; i++) {
      const o = removed[i];
      const a = added[i];
      hunk.rows.push({ kind: o && a ? 'changed' : o ? 'removed' : 'added', ...(o ? { old: o } : {}), ...(a ? { new: a } : {}) });
    }
    removed = [];
    added = [];
  };

  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.startsWith('--- ') && lines[i + 1]?.startsWith('+++ ')) {
      flush();
      file = { path: stripSide(lines[i + 1].slice(4)), hunks: [] };
      files.push(file);
      hunk = null;
      i++;
      continue;
    }
    const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (h && file) {
      flush();
      oldLine = Number(h[1]);
      newLine = Number(h[2]);
      hunk = { header: line, oldStart: oldLine, newStart: newLine, rows: [] };
      file.hunks.push(hunk);
      continue;
    }
    if (!hunk) continue;
    const op = line[0];
    const body = line.slice(1);
    if (op === '-') removed.push({ line: oldLine++, text: body });
    else if (op === '+') added.push({ line: newLine++, text: body });
    else if (op === '\\') {
      // "\ No newline at end of file": about the line before it; nothing to show as a row.
    } else {
      flush();
      hunk.rows.push({ kind: 'same', old: { line: oldLine++, text: body }, new: { line: newLine++, text: body } });
    }
  }
  flush();
  return files;
}

/** Characters of a YAML plain value (an image reference): a highlight never cuts through them. */
const VALUE_CHAR = /[^\s"'#,[\]{}]/;

/**
 * Where two versions of a line differ: [prefix, oldMiddle, newMiddle, suffix]. The common start
 * and end stay out of the highlight, which grows to whole values (a reference changed in its port
 * is highlighted whole, not from the middle of the host).
 */
export function lineDifference(a, b) {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++;
  while (start > 0 && VALUE_CHAR.test(a[start - 1])) start--;
  while (end > 0 && VALUE_CHAR.test(a[a.length - end])) end--;
  return [a.slice(0, start), a.slice(start, a.length - end), b.slice(start, b.length - end), a.slice(a.length - end)];
}
