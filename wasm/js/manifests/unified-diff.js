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
 * An edit script from a to b (arrays compared with ===): [{ op: ' ' | '-' | '+', line }] in order.
 * Lines both share at the start and the end are set aside first; between them, Myers 1986 gives
 * the shortest script. Its time and memory grow with the square of the number of edits, so a long
 * stretch (a manifest of thousands of rewritten images) is first cut at the lines that occur once
 * on each side, in the same order (patience diff's anchors), and each piece diffed alone.
 */
export function diffLines(a, b) {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const same = (from, to) => a.slice(from, to).map((line) => ({ op: ' ', line }));
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const anchors = midA.length + midB.length > LONG ? uniqueAnchors(midA, midB) : [];
  const middle = [];
  let i = 0;
  let j = 0;
  for (const [ai, bj] of anchors) {
    middle.push(...diffLines(midA.slice(i, ai), midB.slice(j, bj)), { op: ' ', line: midA[ai] });
    i = ai + 1;
    j = bj + 1;
  }
  middle.push(...(anchors.length ? diffLines(midA.slice(i), midB.slice(j)) : myers(midA, midB)));
  return [...same(0, head), ...middle, ...same(a.length - tail, a.length)];
}

// Lines (both sides together) beyond which a stretch is cut at anchors before Myers runs.
const LONG = 2000;

// Pairs [i, j] with a[i] === b[j] occurring once in a and once in b, the longest run of them
// increasing on both sides (patience sorting).
function uniqueAnchors(a, b) {
  const seen = new Map();
  a.forEach((line, i) => {
    const e = seen.get(line);
    if (e) e.a = -1;
    else seen.set(line, { a: i, b: -2 });
  });
  b.forEach((line, j) => {
    const e = seen.get(line);
    if (e) e.b = e.b === -2 ? j : -1;
  });
  const pairs = [...seen.values()].filter((e) => e.a >= 0 && e.b >= 0).sort((x, y) => x.a - y.a);
  // Longest increasing subsequence of the b positions.
  const tails = [];
  const back = new Array(pairs.length);
  pairs.forEach((p, k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]].b < p.b) lo = mid + 1;
      else hi = mid;
    }
    back[k] = lo > 0 ? tails[lo - 1] : -1;
    tails[lo] = k;
  });
  const out = [];
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = back[k]) out.push([pairs[k].a, pairs[k].b]);
  return out.reverse();
}

function myers(a, b) {
  const n = a.length;
  const m = b.length;
  const offset = n + m + 1;
  const v = new Int32Array(2 * offset + 1);
  const trace = []; // trace[d]: V before round d, diagonals -d..d
  search: for (let d = 0; d <= n + m; d++) {
    trace.push(v.slice(offset - d, offset + d + 1));
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
    const at = (k) => trace[d][k + d];
    const k = x - y;
    const prevK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : at(prevK);
    const prevY = d === 0 ? 0 : prevX - prevK;
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
