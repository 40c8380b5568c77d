// The page's zip writer (web/zip.js) in Chromium: CRC-32 against known values, and archives it
// writes read back by independent readers (Info-ZIP's unzip -t and zipinfo, Python's zipfile):
// names (UTF-8, nested), bytes, modes, directory entries; unsafe and duplicate names refused.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { ARTIFACTS } from './fixtures.js';

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout;
}

test.beforeEach(async ({ page }) => {
  await page.goto('/web/');
});

test('crc32 matches the check values of CRC-32/ISO-HDLC', async ({ page }) => {
  const got = await page.evaluate(async () => {
    const { crc32 } = await import('/web/zip.js');
    const enc = new TextEncoder();
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 7) & 0xff);
    const half = big.length >> 1;
    return {
      check: crc32(enc.encode('123456789')),
      empty: crc32(new Uint8Array(0)),
      fox: crc32(enc.encode('The quick brown fox jumps over the lazy dog')),
      // Continued in two pieces = in one.
      whole: crc32(big),
      pieces: crc32(big.subarray(half), crc32(big.subarray(0, half))),
    };
  });
  expect(got.check).toBe(0xcbf43926);
  expect(got.empty).toBe(0);
  expect(got.fox).toBe(0x414fa339);
  expect(got.pieces).toBe(got.whole);
});

test('archives written in the browser are read back by unzip and Python', async ({ page }) => {
  const bytes = await page.evaluate(async () => {
    const { zip } = await import('/web/zip.js');
    const binary = new Uint8Array(300).map((_, i) => (i * 31) & 0xff);
    const out = zip([
      { name: 'chart', directory: true },
      { name: 'chart/values.yaml', data: 'image: registry.example/app:1 # ü\n' },
      { name: 'chart/charts/sub-0.1.0.tgz', data: binary, mode: 0o600 },
      { name: 'chart/templates/', directory: true },
      { name: 'chart/empty.txt', data: '' },
      { name: 'naïve/файл.yaml', data: 'a: 1\n' },
    ], { date: new Date(2024, 1, 29, 13, 45, 58) });
    return [...out];
  });
  const path = join(ARTIFACTS, 'zip-writer.zip');
  writeFileSync(path, Buffer.from(bytes));
  expect(run('unzip', ['-t', path])).toContain('No errors detected');
  const info = run('zipinfo', [path]);
  expect(info).toMatch(/drwxr-xr-x .* stor 24-Feb-29 13:45 chart\//);
  expect(info).toMatch(/-rw------- .* 300 b- stor .* chart\/charts\/sub-0\.1\.0\.tgz/);
  const py = run('python3', ['-c', `
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([{ "name": i.filename, "mode": i.external_attr >> 16, "dir": i.is_dir(), "size": i.file_size,
  "crc": i.CRC, "data": list(z.read(i)) if not i.is_dir() else None, "time": list(i.date_time) } for i in z.infolist()]))
`, path]);
  const entries = JSON.parse(py);
  expect(entries.map((e) => e.name)).toEqual(['chart/', 'chart/values.yaml', 'chart/charts/sub-0.1.0.tgz', 'chart/templates/',
    'chart/empty.txt', 'naïve/файл.yaml']);
  expect(entries.map((e) => e.dir)).toEqual([true, false, false, true, false, false]);
  expect(entries.map((e) => e.mode.toString(8))).toEqual(['40755', '100644', '100600', '40755', '100644', '100644']);
  expect(Buffer.from(entries[1].data).toString('utf8')).toBe('image: registry.example/app:1 # ü\n');
  expect(entries[2].data).toEqual(Array.from({ length: 300 }, (_, i) => (i * 31) & 0xff));
  expect(entries[4].size).toBe(0);
  expect(entries[1].time).toEqual([2024, 2, 29, 13, 45, 58]);
});

test('unsafe and duplicate names are refused', async ({ page }) => {
  const errors = await page.evaluate(async () => {
    const { zip } = await import('/web/zip.js');
    const tryZip = (entries) => {
      try {
        zip(entries);
        return 'written';
      } catch (e) {
        return e.message;
      }
    };
    return [
      tryZip([{ name: '/etc/passwd', data: 'x' }]),
      tryZip([{ name: 'chart/../../x', data: 'x' }]),
      tryZip([{ name: '', data: 'x' }]),
      tryZip([{ name: 'a.yaml', data: 'x' }, { name: 'a.yaml', data: 'y' }]),
      tryZip([{ name: 'a.yaml', data: 42 }]),
    ];
  });
  expect(errors[0]).toMatch(/unsafe entry name/);
  expect(errors[1]).toMatch(/unsafe entry name/);
  expect(errors[2]).toMatch(/unsafe entry name/);
  expect(errors[3]).toMatch(/duplicate entry "a.yaml"/);
  expect(errors[4]).toMatch(/data must be a string or a Uint8Array/);
});
