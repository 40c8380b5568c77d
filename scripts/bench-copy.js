#!/usr/bin/env node
// Benchmark: copy a ~1 GiB image of 8 layers between two local registries (Debian
// docker-registry) with `irel copy` and with `skopeo copy --all --preserve-digests`, alternating
// in the same run; then copy again onto a target that already has everything. Prints times,
// ratios and irel's peak RSS. Every copy goes to a fresh target registry, so neither tool profits
// from what an earlier run left there (skopeo's blob-info cache would otherwise mount blobs).
// Asserts nothing; exits non-zero only if a copy fails.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { load } from '../wasm/js/node.js';
import { clearSkopeoCache, timed } from './lib/measure.js';
import { pushImage } from '../tests/helpers/seed.js';

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_LAYER_MIB ?? 128);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));


// BENCH_JOBS: irel's --jobs; unset, its default (as users run it).
const JOBS = process.env.BENCH_JOBS ? ['--jobs', process.env.BENCH_JOBS] : [];
const irel = (src, dst) => timed(process.execPath, [CLI, 'copy', '--quiet', ...JOBS, src, dst]);
const skopeo = (src, dst) => {
  clearSkopeoCache(); // or it would mount blobs it saw before
  return skopeoRun(src, dst);
};
const skopeoRun = (src, dst) => timed('skopeo', ['copy', '--all', '--preserve-digests', '--quiet',
  '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]);

const a = await startRegistry();
try {
  process.stdout.write(`seeding ${LAYERS} layers of ${LAYER_MIB} MiB... `);
  const image = await pushImage(a, 'bench/big:v1', {
    layers: Array.from({ length: LAYERS }, () => ({ size: LAYER_MIB * MiB, kind: 'raw' })),
  });
  const total = image.blobs.reduce((n, x) => n + x.size, 0);
  spawnSync('sync'); // let seeding's writeback finish before anything is timed
  console.log(`${(total / MiB).toFixed(0)} MiB, ${image.digest}`);

  // One untimed copy per tool first: the source registry's first reads are slower for whoever
  // goes first (caches), which would otherwise favour the second tool.
  for (const tool of ['irel', 'skopeo']) {
    const w = await startRegistry();
    try {
      (tool === 'irel' ? irel : skopeo)(image.ref, `${w.host}/warmup/${tool}:v1`);
    } finally {
      await w.stop();
    }
  }
  const rows = [];
  const apiAgain = [];
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which tool goes first so neither always gets a warm page cache.
    const order = round % 2 ? ['skopeo', 'irel'] : ['irel', 'skopeo'];
    for (const tool of order) {
      const b = await startRegistry();
      try {
        const dst = `${b.host}/bench/${tool}:v1`;
        const cold = (tool === 'irel' ? irel : skopeo)(image.ref, dst);
        const warm = (tool === 'irel' ? irel : skopeo)(image.ref, dst); // everything is already there
        rows.push({ tool, round, cold, warm });
        if (tool === 'irel') {
          // The same again through the JS API in a running process: the protocol cost alone.
          const api = await load();
          await api.digest(dst); // connections and scheme probe warmed, as in a long-running tool
          const t = process.hrtime.bigint();
          await api.copy(image.ref, dst);
          apiAgain.push(Number(process.hrtime.bigint() - t) / 1e9);
          api.close();
        }
      } finally {
        await b.stop();
      }
    }
  }
  const best = (tool, key) => Math.min(...rows.filter((r) => r.tool === tool).map((r) => r[key].seconds));
  const peak = Math.max(...rows.filter((r) => r.tool === 'irel').map((r) => Math.max(r.cold.rssMiB, r.warm.rssMiB)));
  console.log('tool    round  copy s   again s  peak RSS MiB');
  for (const r of rows) {
    console.log(`${r.tool.padEnd(7)} ${String(r.round).padStart(5)} ${r.cold.seconds.toFixed(2).padStart(7)} ` +
      `${r.warm.seconds.toFixed(2).padStart(9)} ${Math.max(r.cold.rssMiB, r.warm.rssMiB).toFixed(0).padStart(13)}`);
  }
  const copyRatio = best('irel', 'cold') / best('skopeo', 'cold');
  const againRatio = best('irel', 'warm') / best('skopeo', 'warm');
  console.log(`best copy:  irel ${best('irel', 'cold').toFixed(2)} s, skopeo ${best('skopeo', 'cold').toFixed(2)} s, ` +
    `ratio ${copyRatio.toFixed(2)}; irel throughput ${(total / MiB / best('irel', 'cold')).toFixed(0)} MiB/s`);
  console.log(`best again: irel ${best('irel', 'warm').toFixed(2)} s, skopeo ${best('skopeo', 'warm').toFixed(2)} s, ` +
    `ratio ${againRatio.toFixed(2)}`);
  console.log(`again through the JS API (no process start): ${(Math.min(...apiAgain) * 1000).toFixed(0)} ms, ` +
    `ratio ${(Math.min(...apiAgain) / best('skopeo', 'warm')).toFixed(2)} to skopeo's process`);
  console.log(`irel peak RSS: ${peak.toFixed(0)} MiB (target <= 300)`);
} finally {
  await a.stop();
}
