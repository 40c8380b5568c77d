#!/usr/bin/env node
// Benchmark: relocate a ~1 GiB image (8 layers) between two local registries through the
// forwarding proxy in headless Chromium (scripts/bench-browser/bench.html, served with the proxy by
// scripts/bench-browser/serve.js: the package's Web Worker, fetch transport), and the same with `irel copy` in Node, alternating in the same run, each copy into
// a fresh target registry, after one untimed warm-up of each. Prints every time, the medians, the
// throughput ratio (target: browser >= 0.5x Node) and where the CPU went in the last round.
// Asserts nothing; exits non-zero only if a copy fails.
//   BENCH_LAYERS (8) x BENCH_LAYER_MIB (128), BENCH_ROUNDS (3), BENCH_JOBS (the default, 4),
//   BENCH_ONLY=browser (skip Node, for tuning the browser path)
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { pushImage } from '../tests/helpers/seed.js';
import { cpuDelta, cpuSnapshot, formatCpu } from './lib/cpu-usage.js';
import { startReportSink } from './lib/report-sink.js';

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 128);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const JOBS = process.env.BENCH_JOBS ?? '';
const ONLY_BROWSER = process.env.BENCH_ONLY === 'browser';
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const SERVE = fileURLToPath(new URL('./bench-browser/serve.js', import.meta.url));
const PROFILE = fileURLToPath(new URL('../build/bench-chromium', import.meta.url));
const PORT = Number(process.env.BENCH_PORT ?? 18480);

// CPU seconds of this process's waited-for children (the `irel copy` runs), from /proc/self/stat.
function childCpuSeconds() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) / 100;
}

function nodeCopy(src, dst) {
  const before = cpuSnapshot();
  const child = childCpuSeconds();
  const t = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [CLI, 'copy', '-q', ...(JOBS ? ['--jobs', JOBS] : []), src, dst], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`irel copy failed: ${r.stderr}`);
  const cpu = cpuDelta(before, cpuSnapshot());
  cpu.push(['irel copy (node)', childCpuSeconds() - child]);
  return { seconds, cpu: cpu.sort((x, y) => y[1] - x[1]) };
}

// Plain headless Chromium, no test harness attached (Playwright's network instrumentation copies
// request bodies and slows uploads several-fold); the bench page reports back to a local sink
// (allowed by the page's Content-Security-Policy with --connect-origin).
const sink = await startReportSink();
const SINK = sink.url;

async function browserCopy(src, dst) {
  const reported = sink.next();
  const q = new URLSearchParams({ src, dst, report: `${SINK}/`, jobs: JOBS });
  const before = cpuSnapshot();
  const browser = spawn('/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${PROFILE}`,
    `http://127.0.0.1:${PORT}/bench/bench.html?${q}`], { stdio: 'ignore' });
  let timer;
  try {
    const result = await Promise.race([reported,
      new Promise((ok) => (timer = setTimeout(() => ok({ error: 'timed out after 600 s' }), 600_000)))]);
    if (result.error) throw new Error(`browser copy failed: ${result.error}`);
    return { seconds: result.seconds, cpu: cpuDelta(before, cpuSnapshot()) };
  } finally {
    clearTimeout(timer);
    browser.kill('SIGTERM');
    await new Promise((ok) => (browser.exitCode !== null ? ok() : browser.once('exit', ok)));
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const src = await startRegistry();
let serve;
try {
  process.stdout.write(`seeding ${LAYERS} layers of ${LAYER_MIB} MiB... `);
  const image = await pushImage(src, 'bench/big:v1', { layers: Array.from({ length: LAYERS }, () => ({ size: LAYER_MIB * MiB, kind: 'raw' })) });
  const total = image.blobs.reduce((n, b) => n + b.size, 0);
  spawnSync('sync'); // let seeding's writeback finish before anything is timed
  console.log(`${(total / MiB).toFixed(0)} MiB`);

  // The proxy may reach the source and every target registry (all on loopback).
  const targets = await Promise.all(Array.from({ length: 2 * (ROUNDS + 1) }, () => startRegistry()));
  const allow = [src, ...targets].flatMap((r) => ['--allow-host', r.host]);
  serve = spawn(process.execPath, [SERVE, '--port', String(PORT), '--connect-origin', SINK, ...allow],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 100; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/bench/bench.html`).then((x) => x.ok, () => false)) break;
    await new Promise((ok) => setTimeout(ok, 100));
  }

  const rate = (s) => `${(total / MiB / s).toFixed(0)} MiB/s`;
  const times = { node: [], browser: [] };
  let last = {};
  for (let round = 0; round <= ROUNDS; round++) {
    const warmup = round === 0;
    // Alternate which goes first so neither always finds the page cache warmer.
    const order = ONLY_BROWSER ? ['browser'] : round % 2 ? ['browser', 'node'] : ['node', 'browser'];
    for (const kind of order) {
      const target = targets.shift();
      const dst = `${target.host}/bench/${kind}:v1`;
      const r = kind === 'node' ? nodeCopy(image.ref, dst) : await browserCopy(image.ref, dst);
      await target.stop();
      console.log(`${warmup ? 'warm-up' : `round ${round}`}  ${kind.padEnd(7)} ${r.seconds.toFixed(2)} s  ${rate(r.seconds)}`);
      if (!warmup) {
        times[kind].push(r.seconds);
        last[kind] = r.cpu;
      }
    }
  }
  console.log('');
  const b = median(times.browser);
  console.log(`Chromium page through proxy (median of ${ROUNDS}): ${b.toFixed(2)} s  ${rate(b)}`);
  if (!ONLY_BROWSER) {
    const n = median(times.node);
    console.log(`irel copy in Node (median of ${ROUNDS}):           ${n.toFixed(2)} s  ${rate(n)} (process start included)`);
    console.log(`browser/Node throughput ratio: ${(n / b).toFixed(2)} (target >= 0.5)`);
    console.log(`CPU seconds in the last round, Node copy:\n${formatCpu(last.node)}`);
  }
  console.log(`CPU seconds in the last round, browser copy (from Chromium's start):\n${formatCpu(last.browser)}`);
} finally {
  serve?.kill('SIGTERM');
  sink.close();
  await src.stop();
}
