// Thick bundles through the browser entry (index.js: fetch through the forwarding proxy, Blob
// bodies, WebCrypto), run in Node with the archive read by a plain read() function, as the page's
// worker reads a dropped File. With WebCrypto, each blob that fits the memory budget is read off
// the archive whole, hashed natively, and uploads while the next entries are read; without it,
// blobs stream through the wasm hasher. Either way: the registry ends up with the same digests,
// and a tampered or cut archive pushes no manifest and no tag.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, readSync, readdirSync, truncateSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { createProxyServer } from '../../proxy/server.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { getManifest, listTags } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { forgeLayout } from '../helpers/thick-forge.js';
import { makeTempDir, removeDir } from '../helpers/util.js';

const MiB = 1 << 20;
const wasmBinary = readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url));
const REF = 'registry.example/web/app:1';

// A synchronous source, as fileSource() gives the worker for a File.
function readerOf(file) {
  return () => {
    const fd = openSync(file, 'r');
    let pos = 0;
    return {
      read(max) {
        const b = Buffer.alloc(max);
        const n = readSync(fd, b, 0, max, pos);
        pos += n;
        return b.subarray(0, n);
      },
      close: () => closeSync(fd),
    };
  };
}

// Loads the browser entry with WebCrypto hidden, as in an insecure context (http, not localhost).
async function withoutWebCrypto() {
  const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real?.get?.call(globalThis).getRandomValues(a) }, configurable: true });
  try {
    return await loadBrowserEntry({ wasmBinary });
  } finally {
    Object.defineProperty(globalThis, 'crypto', /** @type {PropertyDescriptor} */ (real));
  }
}

// Runs fn with Blobs taking ms to give their bytes back, as a browser takes its time to store a
// large Blob: the page waits for that before hashing a layer read whole.
async function withSlowBlobs(ms, fn) {
  if (!ms) return fn();
  const real = Blob.prototype.arrayBuffer;
  Blob.prototype.arrayBuffer = async function arrayBuffer() {
    await new Promise((ok) => setTimeout(ok, ms));
    return real.call(this);
  };
  try {
    return await fn();
  } finally {
    Blob.prototype.arrayBuffer = real;
  }
}

describe('thick bundles through the browser entry', () => {
  let tmp;
  let dir;
  let gold;
  let proxy;
  let secure;
  let insecure;
  let root;
  let layers;
  before(async () => {
    tmp = await makeTempDir('irel-thick-browser-');
    dir = join(tmp, 'layout');
    const f = forgeLayout(dir);
    layers = [1, 3, 2, 5, 1].map((mib, i) => f.layer(`web-${i}`, mib * MiB + i));
    root = f.image(layers);
    f.name(REF, root);
    f.finish('web');
    gold = await startRegistry();
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: () => {} });
    secure = await loadBrowserEntry({ wasmBinary });
    insecure = await withoutWebCrypto();
  });
  after(async () => {
    secure?.close();
    insecure?.close();
    await proxy?.close();
    await gold?.stop();
    if (tmp) await removeDir(tmp);
  });

  // host/path:tag -> [path, tag]
  const pathAndTag = (ref) => {
    const rest = ref.slice(gold.host.length + 1);
    return [rest.slice(0, rest.lastIndexOf(':')), rest.slice(rest.lastIndexOf(':') + 1)];
  };
  const blobsDir = () => join(dir, 'artifacts/layout/blobs/sha256');
  const layerPaths = () => layers.map((l) => `artifacts/layout/blobs/sha256/${l.digest.slice(7)}`);
  // As `irel bundle export` writes it (one pass), or with the layers first (two passes).
  const jsonPaths = () => readdirSync(blobsDir()).map((h) => `artifacts/layout/blobs/sha256/${h}`).filter((p) => !layerPaths().includes(p));
  const head = ['bundle.json', 'artifacts/layout/oci-layout', 'artifacts/layout/index.json'];
  const orders = {
    'manifests first': () => [...head, ...jsonPaths(), ...layerPaths()],
    'layers first': () => ['bundle.json', ...layerPaths(), ...head.slice(1), ...jsonPaths()],
  };
  function archive(name, order, damage) {
    const file = join(tmp, `${name}.tgz`);
    let restore = null;
    if (damage?.flip !== undefined) {
      const path = join(dir, layerPaths()[damage.flip]);
      const bytes = readFileSync(path);
      restore = () => writeFileSync(path, bytes);
      const changed = Buffer.from(bytes);
      changed[changed.length >> 1] ^= 0x40;
      writeFileSync(path, changed);
    }
    try {
      const r = spawnSync('tar', ['-czf', file, '-C', dir, ...orders[order]()], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      restore?.();
    }
    if (damage?.cut) truncateSync(file, Math.floor(statSync(file).size * damage.cut));
    return file;
  }

  const good = [
    ['with WebCrypto, manifests first: each layer read whole and uploading while the next is read', () => secure, 'manifests first', true],
    ['with WebCrypto, layers first: the same in the second pass', () => secure, 'layers first', true],
    ['without WebCrypto, manifests first: layers streamed through the wasm hasher', () => insecure, 'manifests first', false],
    // The archive moves on while a layer is still to be hashed: each layer's bytes stay its own.
    ['with WebCrypto and slow Blobs: each layer hashed after the next is read, from its own bytes', () => secure, 'manifests first', true, 100],
  ];
  for (const [name, irel, order, overlapped, blobDelayMs = 0] of good) {
    it(`relocates ${name}, digests preserved`, async () => {
      const repo = `good${good.findIndex((c) => c[0] === name)}`;
      const events = [];
      const bundle = irel().openBundle({ archive: readerOf(archive(repo, order)) });
      const out = await withSlowBlobs(blobDelayMs, () =>
        bundle.relocate(`${gold.host}/${repo}`, { proxyBase: proxy.proxyBase, onProgress: (e) => events.push(e) }));
      assert.equal(out.images[0].digest, root.digest);
      const [repoPath, tag] = pathAndTag(out.images[0].target);
      assert.equal((await getManifest(gold, repoPath, tag)).digest, root.digest);
      // Overlap: some layer starts before the one before it has finished uploading.
      const seq = events.filter((e) => e.type === 'blob' && layers.some((l) => l.digest === e.digest) && ['started', 'uploaded'].includes(e.state))
        .map((e) => `${e.state} ${layers.findIndex((l) => l.digest === e.digest)}`);
      const startedEarly = layers.slice(1).some((_, i) => seq.indexOf(`started ${i + 1}`) < seq.indexOf(`uploaded ${i}`));
      assert.equal(startedEarly, overlapped, seq.join(', '));
      // Read whole, the largest layer's bar moves while it is read, before its one request.
      const big = layers[3];
      if (overlapped) assert.ok(events.some((e) => e.type === 'blob' && e.digest === big.digest && e.state === 'uploading' && e.done > 0 && e.done < big.size),
        'progress within the largest layer');
    });
  }

  const bad = [
    ['a flipped byte in the middle layer', { flip: 2 }, (e) => e.code === 'DIGEST_MISMATCH' && e.message.includes(layers[2].digest) && e.side === 'source'],
    ['a flipped byte in the last layer', { flip: 4 }, (e) => e.code === 'DIGEST_MISMATCH' && e.message.includes(layers[4].digest)],
    ['an archive cut at 70%', { cut: 0.7 }, (e) => /^ARCHIVE_(TRUNCATED|INVALID)$/.test(e.code) && e.side === 'source'],
  ];
  for (const [name, damage, matches] of bad) {
    for (const [engine, irel] of [['WebCrypto', () => secure], ['wasm hasher', () => insecure]]) {
      it(`refuses ${name} (${engine}): a clear error, no manifest and no tag pushed`, async () => {
        const repo = `bad-${engine.split(' ')[0].toLowerCase()}-${bad.findIndex((c) => c[0] === name)}`;
        const bundle = irel().openBundle({ archive: readerOf(archive(repo, 'manifests first', damage)) });
        await assert.rejects(bundle.relocate(`${gold.host}/${repo}`, { proxyBase: proxy.proxyBase }), (e) => {
          assert.ok(matches(e), `${e.code}: ${e.message}`);
          return true;
        });
        assert.deepEqual(await listTags(gold, pathAndTag(bundle.map(`${gold.host}/${repo}`).mapping[REF])[0]), []);
      });
    }
  }
});
