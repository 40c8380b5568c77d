#!/usr/bin/env node
// Benchmark: relocate thick bundles of BENCH_THICK_GIB GiB of image content (default "1,4")
// made by `irel bundle export` from a one-image bundle of 128 MiB layers, half random data and
// half text-like files (which gzip halves), into a fresh docker-registry with the original
// registry stopped; as users run it: the installed bin under /usr/bin/time. Prints for each size
// the archive's size, the relocation time and peak RSS, the floor measured in the same run
// (`gzip -dc BUNDLE | sha256sum`: inflate and hash, no upload) and the ratio; then, for the first
// size, the same relocation in headless Chromium through `irel serve` (the package's worker, the
// file chosen in an <input type=file>): its time, its largest process's and all its processes'
// peak RSS, the worker's WebAssembly memory, and its speed against the CLI's.
// Asserts nothing; exits non-zero only if a step fails. BENCH_THICK_BROWSER=0 skips Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { pushImage } from '../tests/helpers/seed.js';
import { launchChromium } from './lib/chromium-pipe.js';
import { profileWorkers } from './lib/cpu-profile.js';
import { cpuDelta, cpuSnapshot, formatCpu } from './lib/cpu-usage.js';
import { timed } from './lib/measure.js';
import { startReportSink } from './lib/report-sink.js';

const MiB = 1024 * 1024;
const SIZES = (process.env.BENCH_THICK_GIB ?? '1,4').split(',').map(Number);
const BROWSER = process.env.BENCH_THICK_BROWSER !== '0';
const LAYER_MIB = 128;
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const SERVE = fileURLToPath(new URL('./bench-browser/serve.js', import.meta.url));
const PROFILE = fileURLToPath(new URL('../build/bench-chromium-thick', import.meta.url));
const PORT = Number(process.env.BENCH_PORT ?? 18481);
// BENCH_THICK_KEEP=DIR keeps the bundles in DIR and reuses them in later runs (for iterating).
const KEEP = process.env.BENCH_THICK_KEEP;
// BENCH_THICK_PROFILE=1 prints where the page's worker spent its time (a V8 CPU profile).
const PROFILE_WORKER = process.env.BENCH_THICK_PROFILE === '1';
// BENCH_THICK_CLI=0 skips the CLI and the floor (for iterating on the page alone).
const CLI_RUNS = process.env.BENCH_THICK_CLI !== '0';

async function makeBundle(gib, tmp) {
  const kept = KEEP && join(KEEP, `b${gib}.tgz`);
  if (kept && existsSync(kept)) return kept;
  const upstream = await startRegistry();
  try {
    const layers = Math.max(2, Math.round((gib * 1024) / LAYER_MIB));
    process.stdout.write(`${gib} GiB: seeding ${layers} layers of ${LAYER_MIB} MiB (half random, half text)... `);
    const image = await pushImage(upstream, `bench/thick${gib}:v1`, {
      layers: Array.from({ length: layers }, (_, i) => ({ size: LAYER_MIB * MiB, kind: i % 2 ? 'text' : 'raw' })) });
    const json = join(tmp, `b${gib}.json`);
    writeFileSync(json, JSON.stringify({ name: `bench-${gib}`, images: { app: { imageType: 'oci', image: image.ref } } }));
    const tgz = kept || join(tmp, `b${gib}.tgz`);
    const exported = spawnSync(process.execPath, [CLI, 'bundle', 'export', json, '-o', tgz, '-q'], { encoding: 'utf8' });
    if (exported.status !== 0) throw new Error(exported.stderr);
    console.log(`archive ${(statSync(tgz).size / MiB).toFixed(0)} MiB`);
    return tgz;
  } finally {
    await upstream.stop(); // from here on the original registry is gone
  }
}

// The page reports to a local sink (allowed by its CSP through --connect-origin).
async function browserRelocate(tgz) {
  const sink = await startReportSink();
  const SINK = sink.url;
  const reported = sink.next();
  const gold = await startRegistry();
  const serve = spawn(process.execPath, [SERVE, '--port', String(PORT), '--connect-origin', SINK, '--allow-host', gold.host],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  let chromium;
  try {
    for (let i = 0; i < 100; i++) {
      if (await fetch(`http://127.0.0.1:${PORT}/bench/thick.html`).then((x) => x.ok, () => false)) break;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    const q = new URLSearchParams({ prefix: `${gold.host}/browser`, report: `${SINK}/` });
    const cpuBefore = cpuSnapshot({ threads: true });
    chromium = await launchChromium(`http://127.0.0.1:${PORT}/bench/thick.html?${q}`, { profile: PROFILE });
    const session = await chromium.page();
    const stopProfile = PROFILE_WORKER ? await profileWorkers(chromium, session) : null;
    await chromium.setInputFile(session, '#bundle', tgz);
    let timer;
    const result = await Promise.race([reported,
      new Promise((ok) => (timer = setTimeout(() => ok({ error: 'timed out after 900 s' }), 900_000)))]);
    clearTimeout(timer);
    if (result.error) throw new Error(`browser relocation failed: ${result.error}`);
    const cpuAfter = cpuSnapshot({ threads: true });
    if (stopProfile) console.log(`the worker's time by function:\n${formatCpu((await stopProfile()).slice(0, 20))}`);
    return { ...result, ...chromium.peak(), cpu: cpuDelta(cpuBefore, cpuAfter), threads: cpuDelta(cpuBefore, cpuAfter, { threads: true }) };
  } finally {
    await chromium?.close();
    serve.kill('SIGTERM');
    sink.close();
    await gold.stop();
  }
}

const tmp = mkdtempSync(join(tmpdir(), 'irel-bench-thick-'));
if (KEEP) mkdirSync(KEEP, { recursive: true });
const rows = [];
let browser = null;
try {
  for (const gib of SIZES) {
    const tgz = await makeBundle(gib, tmp);
    spawnSync('sync');
    if (!CLI_RUNS) {
      if (BROWSER && !browser) browser = { gib, bytes: statSync(tgz).size, ...(await browserRelocate(tgz)) };
      continue;
    }
    const floor = timed(`gzip -dc '${tgz}' | sha256sum >/dev/null`, [], { shell: true });
    const gold = await startRegistry();
    try {
      const run = timed(process.execPath, [CLI, 'bundle', 'relocate', tgz, '-r', `${gold.host}/bench`, '-q']);
      rows.push({ gib, bytes: statSync(tgz).size, run, floor });
    } finally {
      await gold.stop();
    }
    if (BROWSER && !browser) browser = { gib, bytes: statSync(tgz).size, ...(await browserRelocate(tgz)) };
    if (!KEEP) rmSync(tgz, { force: true });
  }
  console.log('\ncontent  archive MiB  relocate s  peak RSS MiB  floor s  ratio  archive MB/s');
  for (const r of rows) {
    console.log(`${`${r.gib} GiB`.padEnd(8)} ${(r.bytes / MiB).toFixed(0).padStart(11)} ${r.run.seconds.toFixed(2).padStart(11)} ` +
      `${r.run.rssMiB.toFixed(0).padStart(13)} ${r.floor.seconds.toFixed(2).padStart(8)} ${(r.run.seconds / r.floor.seconds).toFixed(2).padStart(6)} ` +
      `${(r.bytes / 1e6 / r.run.seconds).toFixed(0).padStart(13)}`);
  }
  console.log('targets (issue 12): CLI peak RSS <= 300 MiB at every size; time <= 1.5x the floor');
  if (browser) {
    const cli = rows.find((r) => r.gib === browser.gib) ?? { run: { seconds: NaN } };
    console.log(`\nChromium, ${browser.gib} GiB: relocated in ${browser.seconds.toFixed(2)} s (${(browser.bytes / 1e6 / browser.seconds).toFixed(0)} MB/s), ` +
      `largest process ${browser.largestMiB.toFixed(0)} MiB (${browser.largestType}), all processes ${browser.totalMiB.toFixed(0)} MiB, ` +
      `worker wasm memory ${(browser.wasmBytes / MiB).toFixed(0)} MiB`);
    const parts = browser.largestParts;
    console.log(`largest process at its peak: ${parts.anonMiB.toFixed(0)} MiB anonymous, ${parts.fileMiB.toFixed(0)} MiB file-backed, ${parts.shmemMiB.toFixed(0)} MiB shared memory`);
    console.log(`peak per process type: ${Object.entries(browser.byTypeMiB).filter(([, m]) => m >= 50).map(([t, m]) => `${t} ${m.toFixed(0)} MiB (${browser.byTypeAnonMiB[t].toFixed(0)} anonymous)`).join(', ')}`);
    console.log(`page/CLI speed: ${(cli.run.seconds / browser.seconds).toFixed(2)} (targets: >= 0.5; largest process <= 600 MiB)`);
    console.log(`CPU seconds during the page's relocation:\n${formatCpu(browser.cpu.slice(0, 8))}`);
    console.log(`Chromium's busiest threads:\n${formatCpu(browser.threads.slice(0, 8))}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
