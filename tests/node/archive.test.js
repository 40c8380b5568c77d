// Thick-bundle archives made by the system tar (and python3's tarfile for hostile entries), read
// back through the WebAssembly libarchive reader with a synchronous Node file source.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { load } from 'irel';

import createIrelCore from '../../wasm/dist/irel-core.js';
import { openArchive } from '../../wasm/js/archive/archive-file.js';
import { IrelError } from '../../wasm/js/errors.js';
import { nodeFileReader } from '../../wasm/js/node/archive-source.js';

const core = await createIrelCore({
  wasmBinary: fs.readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)),
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const hasZstd = spawnSync('zstd', ['--version']).status === 0;
const MiB = 1 << 20;

let dir;
let tree;  // the bundle's files: relative path -> bytes

function writeTree(root, files) {
  for (const [rel, bytes] of Object.entries(files)) {
    fs.mkdirSync(path.join(root, path.dirname(rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), bytes);
  }
}

function tar(args) {
  execFileSync('tar', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

// Every entry of the archive at `file`, its data hashed with node:crypto as it streams by.
function readArchive(file, { readSize = MiB, options } = {}) {
  const source = nodeFileReader(file);
  const archive = openArchive(core, source, options);
  const entries = [];
  try {
    for (let e = archive.next(); e; e = archive.next()) {
      const hash = createHash('sha256');
      let size = 0;
      for (let chunk = archive.read(readSize); chunk.length; chunk = archive.read(readSize)) {
        assert.ok(chunk.length <= readSize);
        hash.update(chunk);
        size += chunk.length;
      }
      assert.equal(size, e.size, e.path);
      entries.push({ ...e, sha256: hash.digest('hex') });
    }
    return entries;
  } finally {
    archive.close();
  }
}

function expectCode(fn, code, mentions) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof IrelError, String(err));
    assert.equal(err.code, code, err.message);
    if (mentions) assert.ok(err.message.includes(mentions), err.message);
    return true;
  });
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'irel-archive-'));
  const blob = randomBytes(3 * MiB + 17);
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, layers: [] }));
  tree = {
    'bundle.json': Buffer.from(JSON.stringify({ schemaVersion: 'v1.0.0', name: 'demo', version: '0.1.0' })),
    'artifacts/layout/oci-layout': Buffer.from('{"imageLayoutVersion":"1.0.0"}'),
    'artifacts/layout/index.json': Buffer.from('{"schemaVersion":2,"manifests":[]}'),
    [`artifacts/layout/blobs/sha256/${sha256(blob)}`]: blob,
    [`artifacts/layout/blobs/sha256/${sha256(manifest)}`]: manifest,
    'artifacts/layout/blobs/sha256/empty': Buffer.alloc(0),
  };
  writeTree(path.join(dir, 'bundle'), tree);
});

after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('archive reader (wasm libarchive)', () => {
  const formats = [
    { name: 'bundle.tar', args: [] },
    { name: 'bundle.tgz', args: ['-z'] },
    { name: 'bundle.tar.xz', args: ['-J'] },
    { name: 'bundle.tar.bz2', args: ['-j'] },
    { name: 'bundle.tar.zst', args: ['--zstd'], skip: !hasZstd && 'zstd not installed' },
  ];
  for (const { name, args, skip } of formats) {
    it(`reads ${name} made by tar: names, sizes and SHA-256 of every file`, { skip }, () => {
      const file = path.join(dir, name);
      tar([...args, '-cf', file, '-C', path.join(dir, 'bundle'), '.']);
      for (const readSize of [7, 65536, MiB]) {
        if (readSize === 7 && name !== 'bundle.tgz') continue;  // odd small reads: once is enough
        const entries = readArchive(file, { readSize });
        const files = entries.filter((e) => e.type === 'file');
        assert.deepEqual(files.map((e) => e.path).sort(), Object.keys(tree).sort());
        for (const e of files) {
          assert.equal(e.size, tree[e.path].length, e.path);
          assert.equal(e.sha256, sha256(tree[e.path]), e.path);
        }
        const dirs = entries.filter((e) => e.type === 'dir').map((e) => e.path);
        assert.ok(dirs.includes('.') && dirs.includes('artifacts/layout'), dirs.join());
      }
    });
  }

  it('readAll returns small entries whole and skip() passes over large ones', () => {
    const file = path.join(dir, 'small.tgz');
    tar(['-czf', file, '-C', path.join(dir, 'bundle'), '.']);
    const archive = openArchive(core, nodeFileReader(file));
    const seen = {};
    for (let e = archive.next(); e; e = archive.next()) {
      if (e.type !== 'file') continue;
      if (e.size <= 4096) {
        seen[e.path] = Buffer.from(archive.readAll(4096));
      } else {
        expectCode(() => archive.readAll(4096), 'ARCHIVE_ENTRY_TOO_LARGE', e.path);
        assert.equal(archive.skip(), true);
      }
    }
    archive.close();
    assert.deepEqual(JSON.parse(seen['bundle.json']), JSON.parse(tree['bundle.json']));
    assert.equal(Object.keys(seen).length, Object.keys(tree).length - 1);
  });

  it('a truncated .tgz fails with ARCHIVE_TRUNCATED', () => {
    const file = path.join(dir, 'cut.tgz');
    tar(['-czf', file, '-C', path.join(dir, 'bundle'), '.']);
    const whole = fs.readFileSync(file);
    for (const fraction of [0.3, 0.6, 0.95]) {
      fs.writeFileSync(file, whole.subarray(0, Math.floor(whole.length * fraction)));
      expectCode(() => readArchive(file), 'ARCHIVE_TRUNCATED');
    }
  });

  it('garbage fails with ARCHIVE_INVALID', () => {
    const file = path.join(dir, 'garbage.tgz');
    fs.writeFileSync(file, randomBytes(50000));
    expectCode(() => readArchive(file), 'ARCHIVE_INVALID');
  });

  it('entries with ".." or absolute paths fail with ARCHIVE_ENTRY_UNSAFE naming them; links are reported', () => {
    const file = path.join(dir, 'hostile.tar');
    const py = `
import io, sys, tarfile
with tarfile.open(sys.argv[1], 'w:gz' if sys.argv[1].endswith('gz') else 'w') as t:
    for name in sys.argv[2:]:
        ti = tarfile.TarInfo(name)
        if name.startswith('link'):
            ti.type, ti.linkname = tarfile.SYMTYPE, '../../etc/passwd'
            t.addfile(ti)
        else:
            ti.size = 2
            t.addfile(ti, io.BytesIO(b'hi'))
`;
    execFileSync('python3', ['-c', py, file, 'ok', 'link', '../evil']);
    const archive = openArchive(core, nodeFileReader(file));
    assert.equal(archive.next().path, 'ok');
    assert.deepEqual(archive.next(), { path: 'link', type: 'symlink', size: 0, linkTarget: '../../etc/passwd' });
    expectCode(() => archive.next(), 'ARCHIVE_ENTRY_UNSAFE', '"../evil"');
    expectCode(() => archive.next(), 'ARCHIVE_ENTRY_UNSAFE');  // errors are sticky
    archive.close();

    const abs = path.join(dir, 'absolute.tgz');
    execFileSync('python3', ['-c', py, abs, '/etc/passwd']);
    expectCode(() => readArchive(abs), 'ARCHIVE_ENTRY_UNSAFE', 'absolute');
  });

  it('limits: entry size and entry count', () => {
    const file = path.join(dir, 'limits.tgz');
    tar(['-czf', file, '-C', path.join(dir, 'bundle'), '.']);
    expectCode(() => readArchive(file, { options: { maxEntryBytes: MiB } }), 'ARCHIVE_ENTRY_TOO_LARGE', 'blobs/sha256/');
    expectCode(() => readArchive(file, { options: { maxEntries: 3 } }), 'ARCHIVE_TOO_MANY_ENTRIES');
    expectCode(() => readArchive(file, { options: { maxTotalBytes: MiB } }), 'ARCHIVE_TOO_LARGE');
  });

  it("a source that throws gives ARCHIVE_IO_ERROR carrying the source's error", () => {
    const archive = openArchive(core, () => {
      throw new Error('disk on fire');
    });
    assert.throws(() => archive.next(), (err) => {
      assert.equal(err.code, 'ARCHIVE_IO_ERROR');
      assert.match(err.message, /disk on fire/);
      assert.equal(err.cause.message, 'disk on fire');
      return true;
    });
    archive.close();
    expectCode(() => archive.next(), 'ARCHIVE_CLOSED');
  });

  it('memory stays bounded: a 300 MiB entry read in 1 MiB reads', () => {
    const big = path.join(dir, 'big');
    fs.mkdirSync(big);
    fs.closeSync(fs.openSync(path.join(big, 'zeros'), 'w'));
    fs.truncateSync(path.join(big, 'zeros'), 300 * MiB);  // sparse: no 300 MiB written to disk
    const file = path.join(dir, 'big.tgz');
    tar(['-I', 'gzip -1', '-cf', file, '-C', big, 'zeros']);
    fs.rmSync(big, { recursive: true });

    const source = nodeFileReader(file);
    const archive = openArchive(core, source);
    const entry = archive.next();
    assert.equal(entry.size, 300 * MiB);
    archive.read(MiB);  // warm-up: buffers allocated, wasm memory grown once
    const base = process.memoryUsage().rss;
    let peak = base;
    let total = MiB;
    const hash = createHash('sha256');
    const started = performance.now();
    for (let chunk = archive.read(MiB); chunk.length; chunk = archive.read(MiB)) {
      hash.update(chunk);
      total += chunk.length;
      if ((total & (16 * MiB - 1)) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
    const seconds = (performance.now() - started) / 1000;
    archive.close();
    assert.equal(total, 300 * MiB);
    const growth = (peak - base) / MiB;
    console.log(`# 300 MiB entry: rss growth ${growth.toFixed(1)} MiB, ${(300 / seconds).toFixed(0)} MiB/s`);
    assert.ok(growth < 64, `rss grew by ${growth.toFixed(1)} MiB`);
  });

  it('throughput: tar.gz read + SHA-256 (printed, not asserted)', () => {
    // Layer-like data that gzip compresses to about a third: random runs between repeated text.
    const src = path.join(dir, 'tp');
    const files = {};
    for (let i = 0; i < 4; i++) {
      const parts = [];
      for (let k = 0; k < 16 * 64; k++) {
        parts.push(randomBytes(5 * 1024), Buffer.from(`line ${k} of layer ${i}: the quick brown fox\n`.repeat(256)));
      }
      files[`artifacts/layout/blobs/sha256/blob${i}`] = Buffer.concat(parts);
    }
    writeTree(src, files);
    const file = path.join(dir, 'tp.tgz');
    tar(['-czf', file, '-C', src, '.']);
    fs.rmSync(src, { recursive: true });
    const compressed = fs.statSync(file).size;
    const uncompressed = Object.values(files).reduce((n, b) => n + b.length, 0);
    const started = performance.now();
    const entries = readArchive(file);
    const seconds = (performance.now() - started) / 1000;
    for (const e of entries.filter((x) => x.type === 'file')) assert.equal(e.sha256, sha256(files[e.path]));
    console.log(`# tar.gz read + SHA-256: ${(compressed / 1e6 / seconds).toFixed(0)} MB/s compressed, ` +
      `${(uncompressed / 1e6 / seconds).toFixed(0)} MB/s uncompressed ` +
      `(${(compressed / 1e6).toFixed(1)} MB -> ${(uncompressed / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s)`);
  });
});

// Hostile inputs whose cost the archive's own headers choose: decoder memory, JSON nesting.
describe('archive reader: decoder memory and nesting (wasm)', () => {
  // `tar -cf - | COMPRESSOR` from a pipe: the size is unknown, so zstd keeps the 2 GiB window
  // --long=31 asks for (from a file it would shrink it to the input's size), and xz keeps any dict.
  function compressed(name, compressor) {
    const file = path.join(dir, name);
    execFileSync('sh', ['-c', `tar -cf - -C "$1" . | ${compressor} > "$2"`, 'sh', path.join(dir, 'bundle'), file]);
    return file;
  }
  const cases = [
    { label: 'xz with a 1536 MiB dictionary', name: 'dict1536.tar.xz', compressor: 'xz --lzma2=dict=1536MiB',
      code: 'ARCHIVE_MEMORY_LIMIT',
      message: 'archive: the xz stream needs 1537 MiB to decode (its dictionary), over the limit of 128 MiB (maxDecoderBytes)' },
    { label: 'xz with a 64 MiB dictionary (as xz -9) reads', name: 'dict64.tar.xz', compressor: 'xz --lzma2=dict=64MiB' },
    { label: 'xz with a 64 MiB dictionary over maxDecoderBytes: 32 MiB', name: 'dict64.tar.xz',
      compressor: 'xz --lzma2=dict=64MiB', options: { maxDecoderBytes: 32 * MiB }, code: 'ARCHIVE_MEMORY_LIMIT',
      message: 'archive: the xz stream needs 65 MiB to decode (its dictionary), over the limit of 32 MiB (maxDecoderBytes)' },
    { label: 'zstd --long=31 (a 2 GiB window)', name: 'long31.tar.zst', compressor: 'zstd -q --long=31',
      options: { maxDecoderBytes: 4096 * MiB }, code: 'ARCHIVE_MEMORY_LIMIT', skip: !hasZstd && 'zstd not installed',
      message: "archive: the zstd stream's window is over 128 MiB, libzstd's limit for decoding (zstd --long=28 and up " +
        'make such windows): recompress it with --long=27 or less' },
    { label: 'zstd --long=27 reads', name: 'long27.tar.zst', compressor: 'zstd -q --long=27', skip: !hasZstd && 'zstd not installed' },
  ];
  for (const { label, name, compressor, options, code, message, skip } of cases) {
    it(`${label}: ${code ?? 'every file comes back'}`, { skip }, () => {
      const file = compressed(name, compressor);
      if (code) {
        const before = core.HEAPU8?.length;
        expectCode(() => readArchive(file, { options }), code, message);
        if (before !== undefined) assert.equal(core.HEAPU8.length, before, 'wasm memory grew');
        return;
      }
      const files = readArchive(file, { options }).filter((e) => e.type === 'file');
      assert.deepEqual(files.map((e) => e.path).sort(), Object.keys(tree).sort());
      for (const e of files) assert.equal(e.sha256, sha256(tree[e.path]), e.path);
    });
  }

  it('archiveLimits.maxDecoderBytes reaches the reader (a non-number is refused)', () => {
    assert.throws(() => openArchive(core, () => new Uint8Array(0), { maxDecoderBytes: 'lots' }), TypeError);
  });

  const nested = (levels, open, close) => `${open.repeat(levels)}1${close.repeat(levels)}`;
  const deep = [
    { label: '1,000,000 nested [', value: nested(1e6, '[', ']'), code: 'BUNDLE_INVALID' },
    { label: '1,000,000 nested {"a":', value: nested(1e6, '{"a":', '}'), code: 'BUNDLE_INVALID' },
    { label: '127 levels (128 in all) are parsed', value: nested(127, '[', ']') },
  ];
  for (const { label, value, code } of deep) {
    it(`bundle.json with ${label} in a .tgz: ${code ?? 'opens'}`, async () => {
      const root = path.join(dir, 'deep');
      fs.rmSync(root, { recursive: true, force: true });
      writeTree(root, {
        ...tree,
        'bundle.json': Buffer.from(`{"schemaVersion":"v1.0.0","name":"deep","version":"1","custom":${value}}`),
      });
      const file = path.join(dir, 'deep.tgz');
      tar(['-czf', file, '-C', root, '.']);
      const irel = await load();
      if (!code) {
        assert.equal(irel.openBundle(file).info.name, 'deep');
        return;
      }
      assert.throws(() => irel.openBundle(file), (err) => {
        assert.equal(err.code, code, err.message);
        assert.equal(err.message, 'invalid bundle.json: JSON nested deeper than 128 levels');
        return true;
      });
    });
  }

  it('a layout index.json nested 1,000,000 levels deep: LAYOUT_INVALID', () => {
    const index = new TextEncoder().encode(`{"schemaVersion":2,"manifests":[],"x":${nested(1e6, '[', ']')}}`);
    const r = core.findInLayout(index, 'docker.io/library/busybox:1');
    assert.equal(r.ok, false);
    assert.equal(r.error.code, 'LAYOUT_INVALID');
    assert.equal(r.error.message, 'index.json: invalid manifest: JSON nested deeper than 128 levels');
  });
});
