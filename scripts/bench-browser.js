#!/usr/bin/env node
// Benchmark: relocate a ~1 GiB image (8 layers) between two local registries through the
// forwarding proxy in headless Chromium (the package's browser entry, fetch transport, 16 MiB
// chunks), and the same with `irel copy` in Node, in the same run, each into a fresh target
// registry. Prints both times, throughputs and the ratio (target: browser >= 0.5x Node).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { startRegistry } from '../tests/helpers/registry.js';
import { pushImage } from '../tests/helpers/seed.js';

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 128);
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const PORT = Number(process.env.BENCH_PORT ?? 18480);

const src = await startRegistry();
const targets = [];
let serve;
let browser;
try {
  process.stdout.write(`seeding ${LAYERS} layers of ${LAYER_MIB} MiB... `);
  const image = await pushImage(src, 'bench/big:v1', { layers: Array.from({ length: LAYERS }, () => ({ size: LAYER_MIB * MiB, kind: 'raw' })) });
  const total = image.blobs.reduce((n, b) => n + b.size, 0);
  spawnSync('sync');
  console.log(`${(total / MiB).toFixed(0)} MiB`);

  const [forNode, forBrowser] = [await startRegistry(), await startRegistry()];
  targets.push(forNode, forBrowser);

  let t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'copy', '-q', image.ref, `${forNode.host}/bench/node:v1`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  const nodeSeconds = Number(process.hrtime.bigint() - t) / 1e9;

  serve = spawn(process.execPath, [CLI, 'serve', '--port', String(PORT), '--allow-host', src.host, '--allow-host', forBrowser.host],
    { stdio: ['ignore', 'ignore', 'ignore'] });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/web/`).then((x) => x.ok, () => false)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
    '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${PORT}/web/?jobs=${process.env.BENCH_BROWSER_JOBS ?? 2}`);
  // In the package's Web Worker, as the page runs long jobs.
  const browserSeconds = await page.evaluate(async ([from, to, proxyBase]) => {
    const worker = new Worker('/wasm/js/worker.js', { type: 'module' });
    await new Promise((ok) => worker.addEventListener('message', function ready({ data }) {
      if (data.type === 'ready') { worker.removeEventListener('message', ready); ok(); }
    }));
    const t0 = performance.now();
    const result = await new Promise((ok, fail) => {
      worker.addEventListener('message', ({ data }) => {
        if (data.id !== 1) return;
        if (data.type === 'result') ok(data.result);
        if (data.type === 'error') fail(new Error(data.error.message));
      });
      worker.postMessage({ id: 1, op: 'copy', args: { src: from, dst: to, proxyBase } });
    });
    if (!result.digest) throw new Error('no digest');
    return (performance.now() - t0) / 1000;
  }, [image.ref, `${forBrowser.host}/bench/browser:v1`, `http://127.0.0.1:${PORT}/proxy`]);

  const rate = (s) => (total / MiB / s).toFixed(0);
  console.log(`irel copy in Node:             ${nodeSeconds.toFixed(2)} s  ${rate(nodeSeconds)} MiB/s (process start included)`);
  console.log(`Chromium page through proxy:   ${browserSeconds.toFixed(2)} s  ${rate(browserSeconds)} MiB/s`);
  console.log(`browser/Node throughput ratio: ${(nodeSeconds / browserSeconds).toFixed(2)} (target >= 0.5)`);
} finally {
  await browser?.close();
  serve?.kill('SIGTERM');
  await Promise.all([src.stop(), ...targets.map((x) => x.stop())]);
}
