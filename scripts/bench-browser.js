#!/usr/bin/env node
// Benchmark: relocate a ~1 GiB image (8 layers) between two local registries through the
// forwarding proxy in headless Chromium (the package's browser entry, fetch transport, 16 MiB
// chunks), and the same with `irel copy` in Node, in the same run, each into a fresh target
// registry. Prints both times, throughputs and the ratio (target: browser >= 0.5x Node).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { createServer } from 'node:http';

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
  // Plain headless Chromium, no test harness attached (Playwright's network instrumentation
  // copies request bodies and slows uploads several-fold); web/bench.html reports back here.
  let resolveReport;
  const reported = new Promise((ok) => (resolveReport = ok));
  const sink = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      res.end();
      resolveReport(JSON.parse(body));
    });
  }).listen(0, '127.0.0.1');
  await new Promise((ok) => sink.once('listening', ok));
  const q = new URLSearchParams({ src: image.ref, dst: `${forBrowser.host}/bench/browser:v1`, report: `http://127.0.0.1:${sink.address().port}/` });
  browser = spawn('/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${fileURLToPath(new URL('../build/bench-chromium', import.meta.url))}`,
    `http://127.0.0.1:${PORT}/web/bench.html?${q}`], { stdio: 'ignore' });
  const result = await Promise.race([reported, new Promise((ok) => setTimeout(() => ok({ error: 'timed out after 600 s' }), 600_000))]);
  sink.close();
  if (result.error) throw new Error(`browser copy failed: ${result.error}`);
  const browserSeconds = result.seconds;

  const rate = (s) => (total / MiB / s).toFixed(0);
  console.log(`irel copy in Node:             ${nodeSeconds.toFixed(2)} s  ${rate(nodeSeconds)} MiB/s (process start included)`);
  console.log(`Chromium page through proxy:   ${browserSeconds.toFixed(2)} s  ${rate(browserSeconds)} MiB/s`);
  console.log(`browser/Node throughput ratio: ${(nodeSeconds / browserSeconds).toFixed(2)} (target >= 0.5)`);
} finally {
  browser?.kill('SIGTERM');
  serve?.kill('SIGTERM');
  await Promise.all([src.stop(), ...targets.map((x) => x.stop())]);
}
