// The package's browser entry (fetch transport, BYOB reads into a reused buffer, upload bodies
// built as Blobs piece by piece) run in Node against real registries, through `irel serve`'s
// proxy and a fault proxy in front of each registry: the re-send and resume paths that the page
// relies on, which Chromium's own tests (tests-e2e/) can't provoke.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { createProxyServer } from '../../proxy/server.js';
import { load as loadBrowserEntry } from '../../wasm/js/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { getManifest, registryHas } from '../helpers/inspect.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage } from '../helpers/seed.js';

const MiB = 1 << 20;
const FAST_RETRY = { attempts: 5, baseMs: 20, maxMs: 200 };

describe('the browser entry through the proxy, with faults injected on both sides', () => {
  let src;
  let dst;
  let srcFaults;
  let dstFaults;
  let proxy;
  let irel;
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    [srcFaults, dstFaults] = await Promise.all([startFaultProxy({ target: src.url }), startFaultProxy({ target: dst.url })]);
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: (l) => process.env.DEBUG_PROXY && console.error(performance.now().toFixed(0), l) });
    irel = await loadBrowserEntry({ wasmBinary: readFileSync(new URL('../../wasm/dist/irel-core.wasm', import.meta.url)) });
  });
  after(async () => {
    irel?.close();
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
      repo: 'faults/chunked', layer: 9 * MiB, options: { chunkSize: 5 * MiB },
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
      const summary = await irel.copy(`${srcFaults.host}/${c.repo}:v1`, `${dstFaults.host}/${c.repo}:v1`,
        { proxyBase: process.env.NOPROXY ? undefined : proxy.proxyBase, retry: FAST_RETRY, ...c.options });
      assert.equal(summary.digest, image.digest);
      await assertCopied(c.repo, image);
      assert.equal(srcFaults.faults.length + dstFaults.faults.length - faultsBefore, c.srcRules.length + c.dstRules.length,
        'every fault fired');
      dstFaults.log.splice(0, logBefore); // only this case's requests
      c.check();
    });
  }
});
