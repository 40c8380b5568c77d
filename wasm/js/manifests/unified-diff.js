// A line diff in the unified format (diff -u, git diff): Myers' O(ND) shortest edit script, hunks
// with 3 lines of context, `\ No newline at end of file` where a file ends without one. Rewrites
// change a few scalar values in files of up to a few thousand lines, so D is small and this is fast.

/** Lines of `text`, each with its terminator ('\n'; a '\r' before it stays part of the line). */
export function splitLines(text) {
  const lines = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    lines.push(text.slice(at, end));
    at = end;
  }
  return lines;
}

/**
 * The shortest edit script from a to b (arrays compared with ===): [{ op: ' ' | '-' | '+', line }]
 * in order. Myers 1986, forward greedy search keeping each round's V for the backtrack.
 */
export function diffLines(a, b) {
  const n = a.length;
  const m = b.length;
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const trace = []; // trace[d]: V before round d
  search: for (let d = 0; d <= n + m; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1] < v[offset + k + 1]) ? v[offset + k + 1] : v[offset + k - 1] + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) break search;
    }
  }
  // Backtrack from (n, m): each round's move, and the diagonal (equal lines) after it.
  const out = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const vd = trace[d];
    const k = x - y;
    const prevK = k === -d || (k !== d && vd[offset + k - 1] < vd[offset + k + 1]) ? k + 1 : k - 1;
    const prevX = vd[offset + prevK];
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      out.push({ op: ' ', line: a[x] });
    }
    if (d === 0) break;
    if (x === prevX) out.push({ op: '+', line: b[prevY] });
    else out.push({ op: '-', line: a[prevX] });
    x = prevX;
    y = prevY;
  }
  return out.reverse();
}

// GNU and git write a range of one line as its number alone, an empty range as the line before it.
function range(start, count) {
  if (count === 1) return `${start}`;
  return `${count === 0 ? start - 1 : start},${count}`;
}

function emit(op, line) {
  if (line.endsWith('\n')) return `${op}${line}`;
  return `${op}${line}\n\\ No newline at end of file\n`;
}

/**
 * The unified diff of two texts, '' when they are equal. options: fromFile, toFile (the `---` and
 * `+++` names: 'a/PATH' and 'b/PATH' by convention), context (3).
 */
export function unifiedDiff(before, after, { fromFile = 'a', toFile = 'b', context = 3 } = {}) {
  if (before === after) return '';
  const script = diffLines(splitLines(before), splitLines(after));
  // Positions (in the script) of the changes, grouped into hunks whose contexts touch.
  const changes = [];
  script.forEach((e, i) => { if (e.op !== ' ') changes.push(i); });
  const hunks = [];
  for (const i of changes) {
    const last = hunks[hunks.length - 1];
    if (last && i - last.end - 1 <= 2 * context) last.end = i; // at most 6 equal lines between
    else hunks.push({ start: i, end: i });
  }
  let out = `--- ${fromFile}\n+++ ${toFile}\n`;
  // Line numbers before each script position.
  const oldLine = new Int32Array(script.length + 1);
  const newLine = new Int32Array(script.length + 1);
  script.forEach((e, i) => {
    oldLine[i + 1] = oldLine[i] + (e.op !== '+' ? 1 : 0);
    newLine[i + 1] = newLine[i] + (e.op !== '-' ? 1 : 0);
  });
  for (const h of hunks) {
    const from = Math.max(0, h.start - context);
    const to = Math.min(script.length, h.end + context + 1);
    const oldCount = oldLine[to] - oldLine[from];
    const newCount = newLine[to] - newLine[from];
    out += `@@ -${range(oldLine[from] + 1, oldCount)} +${range(newLine[from] + 1, newCount)} @@\n`;
    for (let i = from; i < to; i++) out += emit(script[i].op, script[i].line);
  }
  return out;
}
