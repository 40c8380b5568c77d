// The unified diff of rewritten files: Myers' shortest edit script (checked against every small
// case by brute force), hunks with 3 lines of context as GNU diff -u writes them (ranges, empty
// ranges, merged hunks, no newline at end of file), and patch(1) turning the old text into the new.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { diffLines, splitLines, unifiedDiff } from '../../wasm/js/manifests/unified-diff.js';

// Deterministic pseudo-random texts (xorshift), lines from a small alphabet so that they repeat.
function random(seed) {
  let x = seed || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function randomText(rnd, maxLines) {
  const n = Math.floor(rnd() * (maxLines + 1));
  let text = '';
  for (let i = 0; i < n; i++) text += `${'abcd'[Math.floor(rnd() * 4)]}\n`;
  return rnd() < 0.2 && text ? text.slice(0, -1) : text;
}

// The length of a longest common subsequence, by dynamic programming: the edit script must be
// as short as n + m - 2 * LCS.
function lcs(a, b) {
  const dp = Array.from({ length: a.length + 1 }, () => new Array(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) dp[i][j] = a[i - 1] === b[j - 1] ? dp[i - 1][j - 1] + 1 : Math.max(dp[i - 1][j], dp[i][j - 1]);
  }
  return dp[a.length][b.length];
}

describe('diffLines', () => {
  it('gives a shortest edit script that turns a into b, for 2000 random pairs', () => {
    const rnd = random(7);
    for (let t = 0; t < 2000; t++) {
      const a = splitLines(randomText(rnd, 9));
      const b = splitLines(randomText(rnd, 9));
      const script = diffLines(a, b);
      assert.deepEqual(script.filter((e) => e.op !== '+').map((e) => e.line), a);
      assert.deepEqual(script.filter((e) => e.op !== '-').map((e) => e.line), b);
      assert.equal(script.filter((e) => e.op !== ' ').length, a.length + b.length - 2 * lcs(a, b));
    }
  });

  it('cuts long inputs at lines unique to both sides: still a script from a to b, for 20 random long pairs', () => {
    const rnd = random(3);
    for (let t = 0; t < 20; t++) {
      // Unique lines (anchors) among repeated ones, some moved, some dropped.
      const base = Array.from({ length: 1500 }, (_, i) => (rnd() < 0.3 ? `unique ${i}\n` : `${'abc'[Math.floor(rnd() * 3)]}\n`));
      const a = base.filter(() => rnd() < 0.9);
      const b = base.map((l) => (rnd() < 0.05 ? 'changed\n' : l)).filter(() => rnd() < 0.9);
      const script = diffLines(a, b);
      assert.deepEqual(script.filter((e) => e.op !== '+').map((e) => e.line), a);
      assert.deepEqual(script.filter((e) => e.op !== '-').map((e) => e.line), b);
    }
  });

  it('diffs a manifest of 3000 documents with 6000 rewritten lines quickly, each change its own lines', () => {
    const doc = (i, image) => `---\nkind: Deployment\nmetadata:\n  name: app-${i}\nspec:\n  containers:\n  - image: ${image}:${i}\n  - image: envoy\n`;
    const before = Array.from({ length: 3000 }, (_, i) => doc(i, 'app')).join('');
    const after = Array.from({ length: 3000 }, (_, i) => doc(i, 'r.io/team/app')).join('').replace(/image: envoy/g, 'image: r.io/envoy');
    const started = performance.now();
    const script = diffLines(splitLines(before), splitLines(after));
    assert.ok(performance.now() - started < 5000, `${performance.now() - started} ms`);
    assert.equal(script.filter((e) => e.op === '-').length, 6000);
    assert.equal(script.filter((e) => e.op === '+').length, 6000);
  });

  const cases = [
    ['equal inputs: no edits', ['x\n', 'y\n'], ['x\n', 'y\n'], '  '],
    ['both empty', [], [], ''],
    ['from empty: all inserted', [], ['x\n'], '+'],
    ['to empty: all deleted', ['x\n', 'y\n'], [], '--'],
    ['a line replaced: deleted, then inserted', ['a\n', 'b\n', 'c\n'], ['a\n', 'B\n', 'c\n'], ' -+ '],
    ['a last line without newline differs from one with', ['a\n', 'b'], ['a\n', 'b\n'], ' -+'],
  ];
  for (const [what, a, b, ops] of cases) {
    it(what, () => assert.equal(diffLines(a, b).map((e) => e.op).join(''), ops));
  }
});

describe('unifiedDiff', () => {
  const lines = (n, change = {}) => Array.from({ length: n }, (_, i) => `${change[i + 1] ?? i + 1}\n`).join('');
  const cases = [
    ['nothing for equal texts', 'a\nb\n', 'a\nb\n', ''],
    ['one changed line with 3 lines of context each side', lines(9), lines(9, { 5: 'five' }),
      '--- a\n+++ b\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n'],
    ['context cut at the start and the end of the file', lines(3), lines(3, { 1: 'one' }),
      '--- a\n+++ b\n@@ -1,3 +1,3 @@\n-1\n+one\n 2\n 3\n'],
    ['two changes 6 lines apart: one hunk (their contexts touch)', lines(12), lines(12, { 2: 'x', 9: 'y' }),
      '--- a\n+++ b\n@@ -1,12 +1,12 @@\n 1\n-2\n+x\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+y\n 10\n 11\n 12\n'],
    ['two changes 7 lines apart: two hunks', lines(14), lines(14, { 2: 'x', 10: 'y' }),
      '--- a\n+++ b\n@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+y\n 11\n 12\n 13\n'],
    ['a range of one line is its number alone', 'a\n', 'b\n', '--- a\n+++ b\n@@ -1 +1 @@\n-a\n+b\n'],
    ['an empty range names the line before it', '', 'x\n', '--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n'],
    ['lines appended: the old range is the context alone', 'a\n', 'a\nb\n', '--- a\n+++ b\n@@ -1 +1,2 @@\n a\n+b\n'],
    ['a file without a final newline is marked', 'a\nb', 'a\nc', '--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n'],
    ['a newline added at the end', 'a', 'a\n', '--- a\n+++ b\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n'],
    ['CRLF lines keep their \\r', 'a\r\nb\r\n', 'a\r\nc\r\n', '--- a\n+++ b\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n'],
  ];
  for (const [what, before, after, want] of cases) {
    it(what, () => assert.equal(unifiedDiff(before, after), want));
  }

  it('names the files in the --- and +++ headers', () => {
    assert.match(unifiedDiff('a\n', 'b\n', { fromFile: 'a/values.yaml', toFile: 'b/values.yaml' }), /^--- a\/values\.yaml\n\+\+\+ b\/values\.yaml\n@@ /);
  });

  it('is what GNU diff -u writes for a one-line change in a long file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irel-diff-'));
    try {
      const before = lines(40);
      const after = lines(40, { 20: 'twenty', 21: 'twenty-one' });
      writeFileSync(join(dir, 'a'), before);
      writeFileSync(join(dir, 'b'), after);
      let gnu = '';
      try {
        execFileSync('diff', ['-u', '--label', 'a', '--label', 'b', join(dir, 'a'), join(dir, 'b')]);
      } catch (e) {
        gnu = e.stdout.toString(); // diff exits 1 when the files differ
      }
      assert.equal(unifiedDiff(before, after), gnu);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is applied by patch(1) to give the new text, for 300 random pairs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'irel-patch-'));
    try {
      const rnd = random(99);
      for (let t = 0; t < 300; t++) {
        const before = randomText(rnd, 30);
        const after = randomText(rnd, 30);
        const diff = unifiedDiff(before, after);
        if (!diff) {
          assert.equal(before, after);
          continue;
        }
        writeFileSync(join(dir, 'file'), before);
        execFileSync('patch', ['-s', '-f', join(dir, 'file')], { input: diff });
        assert.equal(readFileSync(join(dir, 'file'), 'utf8'), after, diff);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
