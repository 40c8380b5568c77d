// The package's browser entry (fetch transport, BYOB reads into a reused buffer, upload bodies
// built as Blobs piece by piece) run in Node against real registries, through `irel serve`'s
// proxy and a fault proxy in front of each registry: the re-send and resume paths that the page
// relies on, which Chromium's own tests (tests-e2e/) can't provoke.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { createProxyServer } from '../../proxy/server.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { byteBudget } from '../../wasm/js/registry/byte-budget.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { getManifest, listTags, registryHas, tamperStoredBlob } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';

const MiB = 1 << 20;
const FAST_RETRY = { attempts: 5, baseMs: 20, maxMs: 200 };

describe('the memory budget for blobs read whole', () => {
  const settled = async (p) => Promise.race([p.then((v) => ({ v })), new Promise((ok) => setImmediate(() => ok(null)))]);
  const cases = [
    { name: 'grants what fits at once', total: 10, steps: [['reserve', 4, true], ['reserve', 6, true]], free: 0 },
    { name: 'refuses at once more than the whole budget', total: 10, steps: [['reserve', 11, false]], free: 10 },
    { name: 'makes a request wait until enough is released', total: 10,
      steps: [['reserve', 8, true], ['reserve', 5, 'waits'], ['release', 8], ['granted', 1]], free: 5 },
    { name: 'serves waiters first come first served, a small one behind a big one included', total: 10,
      steps: [['reserve', 8, true], ['reserve', 6, 'waits'], ['reserve', 1, 'waits'], ['release', 8], ['granted', 1], ['granted', 2]], free: 3 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const budget = byteBudget(c.total);
      const pending = [];
      for (const [op, n, expect] of c.steps) {
        if (op === 'release') budget.release(n);
        else if (op === 'granted') assert.deepEqual(await settled(pending[n - 1]), { v: true }, `waiter ${n}`);
        else {
          const p = budget.reserve(n);
          if (expect === 'waits') {
            assert.equal(await settled(p), null, `reserve(${n}) waits`);
            pending.push(p);
          } else {
            assert.deepEqual(await settled(p), { v: expect }, `reserve(${n})`);
          }
        }
      }
      assert.equal(budget.free, c.free);
    });
  }
});

describe('the browser entry through the proxy, with faults injected on both sides', () => {
  let src;
  let dst;
  let srcFaults;
  let dstFaults;
  let proxy;
  let irel;
  let insecure; // as on a page from a non-secure origin (http://lan-host): no WebCrypto, every blob streams through wasm
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    [srcFaults, dstFaults] = await Promise.all([startFaultProxy({ target: src.url }), startFaultProxy({ target: dst.url })]);
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: (l) => process.env.DEBUG_PROXY && console.error(performance.now().toFixed(0), l) });
    const wasmBinary = readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url));
    irel = await loadBrowserEntry({ wasmBinary });
    const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
    Object.defineProperty(globalThis, 'crypto', { value: { getRandomValues: (a) => real.get.call(globalThis).getRandomValues(a) }, configurable: true });
    try {
      insecure = await loadBrowserEntry({ wasmBinary });
    } finally {
      Object.defineProperty(globalThis, 'crypto', real);
    }
  });
  after(async () => {
    irel?.close();
    insecure?.close();
    await proxy?.close();
    await Promise.all([srcFaults?.stop(), dstFaults?.stop(), src?.stop(), dst?.stop()]);
  });

  const uploads = (method) => dstFaults.log.filter((l) => l.method === method && /\/blobs\/uploads\//.test(l.path));

  async function assertCopied(repo, image) {
    assert.equal((await getManifest(dst, repo, 'v1')).digest, image.digest);
    for (const b of image.blobs) assert.equal(await registryHas(dst, repo, b.digest), true, `blob ${b.digest}`);
  }

  const cases = [
    {
      name: 'chunks of several pieces are re-sent after a 503 and after a connection cut mid-body',
      repo: 'faults/chunked', layer: 9 * MiB, options: { chunkSize: 5 * MiB }, insecure: true,
      srcRules: [{ method: 'GET', path: /\/blobs\/sha256:/, nth: 2, dropResponseAfter: 3 * MiB }],
      dstRules: [
        { method: 'PATCH', path: /\/blobs\/uploads\//, nth: 1, status: 503, headers: { 'Retry-After': '0' } },
        { method: 'PATCH', path: /\/blobs\/uploads\//, nth: 3, dropRequestAfter: MiB },
      ],
      // 9 MiB in 5 MiB chunks: 2 PATCHes, plus the re-sent one and the interrupted one.
      check: () => assert.ok(uploads('PATCH').length >= 4, `${uploads('PATCH').length} PATCHes`),
    },
    {
      name: 'a blob under the 64 MiB chunk goes in one PUT, re-sent whole after a cut',
      repo: 'faults/whole', layer: 9 * MiB, options: {},
      srcRules: [],
      dstRules: [{ method: 'PUT', path: /\/blobs\/uploads\/.*digest=sha256/, nth: 2, dropRequestAfter: 5 * MiB }],
      check: () => assert.equal(uploads('PATCH').length, 0),
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const image = await pushImage(src, `${c.repo}:v1`, { layers: [{ size: c.layer, kind: 'raw' }, 700] });
      srcFaults.rules.length = 0;
      dstFaults.rules.length = 0;
      srcFaults.rules.push(...c.srcRules);
      dstFaults.rules.push(...c.dstRules);
      const [faultsBefore, logBefore] = [srcFaults.faults.length + dstFaults.faults.length, dstFaults.log.length];
      const events = [];
      const summary = await (c.insecure ? insecure : irel).copy(`${srcFaults.host}/${c.repo}:v1`, `${dstFaults.host}/${c.repo}:v1`,
        { proxyBase: proxy.proxyBase, retry: FAST_RETRY, onProgress: (e) => events.push(e), ...c.options });
      assert.equal(summary.digest, image.digest);
      // The layer's bar moves while it downloads (half of `done`), not only when a request ends.
      const layer = image.blobs.find((b) => b.size === c.layer);
      const steps = events.filter((e) => e.type === 'blob' && e.digest === layer.digest && e.state === 'uploading').map((e) => e.done);
      assert.ok(steps.filter((d) => d <= c.layer / 2).length >= 4, `download-phase progress: ${steps}`);
      assert.ok(steps.every((d, i) => i === 0 || d >= steps[i - 1]) && steps.at(-1) <= c.layer, `monotonic: ${steps}`);
      await assertCopied(c.repo, image);
      assert.equal(srcFaults.faults.length + dstFaults.faults.length - faultsBefore, c.srcRules.length + c.dstRules.length,
        'every fault fired');
      dstFaults.log.splice(0, logBefore); // only this case's requests
      c.check();
    });
  }

  const tampered = [
    { name: 'read whole and hashed by WebCrypto', repo: 'tampered/whole', options: {} },
    { name: 'read whole and sent in chunks', repo: 'tampered/whole-chunked', options: { chunkSize: 5 * MiB } },
    { name: 'without WebCrypto, streamed through the wasm hash in chunks', repo: 'tampered/chunked', options: { chunkSize: 5 * MiB }, insecure: true },
  ];
  for (const c of tampered) {
    it(`refuses a source blob whose bytes don't match its digest (${c.name}): nothing committed, no tag`, async () => {
      srcFaults.rules.length = 0;
      dstFaults.rules.length = 0;
      const image = await pushImage(src, `${c.repo}:v1`, { layers: [{ size: 9 * MiB, kind: 'raw' }] });
      const layer = image.blobs.find((b) => b.size === 9 * MiB);
      tamperStoredBlob(src, layer.digest, 9 * MiB - 10);
      await assert.rejects((c.insecure ? insecure : irel).copy(`${src.host}/${c.repo}:v1`, `${dst.host}/${c.repo}:v1`,
        { proxyBase: proxy.proxyBase, retry: FAST_RETRY, ...c.options }), (e) => {
        assert.equal(e.code, 'DIGEST_MISMATCH');
        assert.equal(e.side, 'source');
        assert.match(e.message, new RegExp(`source blob ${layer.digest} has content that hashes to sha256:`));
        return true;
      });
      assert.equal(await registryHas(dst, c.repo, layer.digest), false);
      assert.deepEqual(await listTags(dst, c.repo), []);
    });
  }
});
