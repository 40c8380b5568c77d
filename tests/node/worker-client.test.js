// The package's worker (irel/worker) driven by its client (irel/worker-client) in Node: the worker
// runs in a worker thread dressed as a Web Worker (self.postMessage, self.addEventListener, fetch
// of its own .wasm), the browser entry inside it talks to real registries through `irel serve`'s
// proxy. What the page does with describeImage and relocateImages, without a browser.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';

import { createProxyServer } from '../../proxy/server.js';
import { WorkerClient } from 'irel/worker-client';
import { listTags, sha256, skopeoInspectRaw } from '../helpers/inspect.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { startRegistry } from '../helpers/registry.js';
import { pushImage, pushIndex } from '../helpers/seed.js';

const WORKER_URL = new URL('../../wasm/js/worker.js', import.meta.url).href;

// Runs in the thread: what a module Web Worker has and the worker entry uses.
const SHIM = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFile } = require('node:fs/promises');
const realFetch = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const url = String(input?.url ?? input);
  if (!url.startsWith('file:')) return realFetch(input, init);
  return new Response(await readFile(new URL(url)), { headers: { 'content-type': 'application/wasm' } });
};
globalThis.self = globalThis;
self.postMessage = (message) => parentPort.postMessage(message);
self.addEventListener = (type, listener) => {
  if (type === 'message') parentPort.on('message', (data) => listener({ data }));
};
import(workerData.url);
`;

const threads = new Set();
function threadWorker() {
  const thread = new Worker(SHIM, { eval: true, workerData: { url: WORKER_URL } });
  threads.add(thread);
  return {
    postMessage: (message) => thread.postMessage(message),
    addEventListener(type, listener) {
      if (type === 'message') thread.on('message', (data) => listener({ data }));
      if (type === 'error') thread.on('error', (e) => listener({ message: e.message }));
    },
    terminate: () => {
      threads.delete(thread);
      return thread.terminate();
    },
  };
}

describe('the worker ops through the worker client', () => {
  let src;
  let dst;
  let slow;
  let proxy;
  let client;
  const images = {};
  before(async () => {
    [src, dst] = await Promise.all([startRegistry(), startRegistry({ auth: 'basic' })]);
    slow = await startFaultProxy({ target: dst.url, rules: [{ method: 'PATCH', delayMs: 2000 }, { method: 'PUT', delayMs: 2000 }] });
    images.app = await pushImage(src, 'team/app:1.0', { layers: [3000, 700] });
    images.multi = await pushIndex(src, 'team/multi:2.0', { platforms: ['linux/amd64', 'linux/arm64'] });
    proxy = await createProxyServer({ port: 0, allowHosts: ['127.0.0.1'], log: () => {} });
    client = new WorkerClient({ createWorker: threadWorker, cancelGraceMs: 5000 });
    await client.ready;
  });
  after(async () => {
    client?.terminate();
    await Promise.all([...threads].map((t) => t.terminate()));
    await proxy?.close();
    await Promise.all([slow?.stop(), src?.stop(), dst?.stop()]);
  });

  const registry = () => ({ proxyBase: proxy.proxyBase, credentials: { [dst.host]: dst.creds }, retry: { attempts: 2, baseMs: 20 } });

  it('describeImage: digest, platforms, size and blob count of an index', async () => {
    const d = await client.run('describeImage', { ref: images.multi.ref, ...registry() });
    assert.equal(d.digest, images.multi.digest);
    assert.deepEqual(d.platforms, ['linux/amd64', 'linux/arm64']);
    assert.ok(d.size > 0 && d.blobs > 0, JSON.stringify(d));
  });

  it('describeImage: a missing image rejects with an IrelError naming the source side', async () => {
    await assert.rejects(client.run('describeImage', { ref: `${src.host}/team/absent:1`, ...registry() }), (e) => {
      assert.equal(e.name, 'IrelError');
      assert.equal(e.side, 'source');
      return true;
    });
  });

  it('relocateImages: one missing image does not stop the others; events carry the image', async () => {
    const prefix = `${dst.host}/worker`;
    const missing = `${src.host}/team/absent:9`;
    const events = [];
    const r = await client.run('relocateImages', { refs: [images.app.ref, missing, images.multi.ref], prefix, jobs: 2, ...registry() },
      { onProgress: (e) => events.push(e) });
    assert.equal(r.failed, 1, JSON.stringify(r.images.map((i) => i.error)));
    assert.deepEqual(r.images.map((i) => [i.image, i.ok]), [[images.app.ref, true], [missing, false], [images.multi.ref, true]]);
    assert.deepEqual(Object.keys(r.mapping).sort(), [images.app.ref, images.multi.ref].sort());
    assert.equal(r.images[1].error.code.length > 0, true);
    assert.equal(r.images[0].summary.sourceDigest, images.app.digest);
    assert.deepEqual(JSON.parse(r.json), Object.fromEntries(Object.entries(r.mapping).sort()));
    for (const image of [images.app, images.multi]) {
      assert.equal(sha256(await skopeoInspectRaw(r.mapping[image.ref], dst)), image.digest);
    }
    const phases = events.filter((e) => e.type === 'image').map((e) => `${e.phase} ${e.image}`);
    assert.deepEqual(phases, [`started ${images.app.ref}`, `done ${images.app.ref}`, `started ${missing}`, `failed ${missing}`,
      `started ${images.multi.ref}`, `done ${images.multi.ref}`]);
    assert.ok(events.some((e) => e.type === 'blob' && e.image === images.app.ref), 'blob events name their image');
  });

  it('relocateImages with dryRun: the plan of each image, nothing written', async () => {
    const prefix = `${dst.host}/dry`;
    const r = await client.run('relocateImages', { refs: [images.app.ref], prefix, dryRun: true, ...registry() });
    assert.equal(r.failed, 0);
    const [planned] = r.images;
    assert.equal(planned.summary, undefined);
    assert.equal(planned.plan.sourceDigest, images.app.digest);
    assert.equal(planned.plan.totals.blobs.upload, planned.plan.blobs.length);
    const target = planned.target;
    assert.deepEqual(await listTags(dst, target.slice(dst.host.length + 1, target.lastIndexOf(':'))), []);
  });

  it('relocateImages: a bad prefix or missing refs reject; an unknown op is refused', async () => {
    await assert.rejects(client.run('relocateImages', { refs: [images.app.ref], prefix: 'Bad Prefix/', ...registry() }),
      (e) => e.code.length > 0 && /prefix/i.test(e.message));
    await assert.rejects(client.run('relocateImages', { prefix: `${dst.host}/x`, ...registry() }), /args\.refs is required/);
    await assert.rejects(client.run('nope', {}), (e) => e.code === 'UNKNOWN_OP');
  });

  it('relocateImages: cancelled while copying, rejects with CANCELLED and writes no tag', async () => {
    const big = await pushImage(src, 'team/big:1', { layers: [{ size: 4 << 20, kind: 'raw' }] });
    const controller = new AbortController();
    const prefix = `${slow.host}/cancel`;
    let target;
    const run = client.run('relocateImages', { refs: [big.ref, images.app.ref], prefix, ...registry(), credentials: { [slow.host]: dst.creds } }, {
      signal: controller.signal,
      onProgress: (e) => {
        if (e.type === 'image' && e.phase === 'started') target ??= e.target;
        if (e.type === 'blob' && e.state === 'started') controller.abort();
      },
    });
    await assert.rejects(run, (e) => e.code === 'CANCELLED');
    assert.ok(target, 'an image had started');
    const repo = target.slice(slow.host.length + 1, target.lastIndexOf(':'));
    assert.deepEqual(await listTags(dst, repo), []);
  });
});
