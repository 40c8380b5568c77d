// findImages and rewrite in Chromium, in a module worker that imports the package's modules by URL
// as the page's worker does: the bare `import('yaml')` cannot resolve there, so the yaml package
// comes from /vendor/yaml/ on the page's server; the results are the ones Node gives. Also as ops
// of the package's own worker through its client, a chart archive read from a File.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';

import { chromium } from 'playwright-core';

import { createProxyServer } from '../../proxy/server.js';
import { load } from '../../wasm/js/node.js';

const FIXTURES = new URL('../fixtures/manifests/', import.meta.url);
const WORKER = '/web/manifests-test-worker.js';

describe('manifests in a browser worker', () => {
  let server;
  let browser;
  let page;
  before(async () => {
    server = await createProxyServer({ port: 0, extraFiles: new Map([[WORKER, new URL('../helpers/manifests-worker.js', import.meta.url).pathname]]) });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    page = await browser.newPage();
    await page.goto(`${server.url}/web/`);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  // Posts one job to a fresh worker of the page and resolves its answer.
  const inWorker = (job) => page.evaluate(([url, message]) => new Promise((resolve, reject) => {
    const worker = new Worker(url, { type: 'module' });
    worker.onmessage = ({ data }) => {
      worker.terminate();
      resolve(data);
    };
    worker.onerror = (e) => reject(new Error(e.message));
    worker.postMessage(message);
  }), [WORKER, job]);

  it('finds and rewrites a multi-document manifest as Node does', async () => {
    const text = readFileSync(new URL('k8s/shop.yaml', FIXTURES), 'utf8');
    const got = await inWorker({ text, prefix: 'registry.acme.internal/shop' });
    assert.equal(got.ok, true, JSON.stringify(got.error));
    const irel = await load();
    assert.deepEqual(got.refs, (await irel.findImages(text)).refs);
    assert.equal(got.files[0].text, readFileSync(new URL('expected/k8s/shop.yaml', FIXTURES), 'utf8'));
    assert.equal(got.diff, (await irel.rewrite(text, { prefix: 'registry.acme.internal/shop' })).diff);
  });

  it('runs as ops of the package\'s worker (irel/worker), a chart archive read from its File', async () => {
    const archive = [...readFileSync(new URL('charts/monitoring-1.2.0.tgz', FIXTURES))];
    const hints = readFileSync(new URL('charts/legacy-app.hints.yaml', FIXTURES), 'utf8');
    const legacy = ['Chart.yaml', 'values.yaml'].map((p) => ({ path: `legacy-app/${p}`, text: readFileSync(new URL(`charts/legacy-app/${p}`, FIXTURES), 'utf8') }));
    const got = await page.evaluate(async ([bytes, files, hintsText]) => {
      const { WorkerClient } = await import('/wasm/js/worker-client.js');
      const client = new WorkerClient();
      try {
        const file = new File([new Uint8Array(bytes)], 'monitoring-1.2.0.tgz');
        const found = await client.run('findImages', { input: { file } });
        const rewritten = await client.run('rewrite', { input: files, hints: hintsText, prefix: 'registry.acme.internal/legacy' });
        const refused = await client.run('rewrite', { input: 'image: a' }).catch((e) => e.code);
        return { refs: found.refs, source: found.source, values: rewritten.files.find((f) => f.path === 'legacy-app/values.yaml').text, refused };
      } finally {
        client.terminate();
      }
    }, [archive, legacy, hints]);
    assert.deepEqual(got.refs, ['ghcr.io/acme/textfile-collector:0.2.1', 'quay.io/prometheus-operator/prometheus-config-reloader:v0.71.2',
      'quay.io/prometheus/prometheus:v2.50.1', 'docker.io/prom/node-exporter:v1.7.0']);
    assert.deepEqual(got.source, { kind: 'archive', name: 'monitoring-1.2.0.tgz' });
    assert.equal(got.values, readFileSync(new URL('expected/charts/legacy-app/values.yaml', FIXTURES), 'utf8'));
    assert.equal(got.refused, 'REWRITE_NO_TARGET');
  });

  it('reads a chart archive dropped in the page, its packaged sub-chart included', async () => {
    const archive = [...readFileSync(new URL('charts/monitoring-1.2.0.tgz', FIXTURES))];
    const got = await inWorker({ archive, prefix: 'registry.acme.internal/mon' });
    assert.equal(got.ok, true, JSON.stringify(got.error));
    assert.deepEqual(got.notRewritable, ['IMAGE_IN_PACKAGED_CHART', 'IMAGE_IN_TEMPLATE']);
    assert.deepEqual(got.files, [{ path: 'monitoring/values.yaml', text: readFileSync(new URL('expected/charts/monitoring/values.yaml', FIXTURES), 'utf8') }]);
  });
});
