#!/usr/bin/env node
// Benchmark: relocate thick bundles of BENCH_THICK_GIB GiB (default 1; "1,4" for both) made by
// `irel bundle export` from a one-image bundle of 128 MiB layers of incompressible data, into a
// fresh docker-registry, with the original registry stopped; as users run it: the installed bin
// under /usr/bin/time. Prints for each size the relocation time and peak RSS, the floor measured
// in the same run (`gzip -dc BUNDLE | sha256sum`: inflate and hash, no upload) and the ratio.
// Asserts nothing; exits non-zero only if a step fails.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { pushImage } from '../tests/helpers/seed.js';

const MiB = 1024 * 1024;
const SIZES = (process.env.BENCH_THICK_GIB ?? '1').split(',').map(Number);
const LAYER_MIB = 128;
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));

function timed(cmd, args, { shell = false } = {}) {
  const argv = shell ? ['bash', '-c', cmd] : [cmd, ...args];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').pop();
  const [seconds, kib] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { seconds, rssMiB: kib / 1024 };
}

const tmp = mkdtempSync(join(tmpdir(), 'irel-bench-thick-'));
const rows = [];
try {
  for (const gib of SIZES) {
    const upstream = await startRegistry();
    let tgz;
    try {
      const layers = Math.max(1, Math.round((gib * 1024) / LAYER_MIB));
      process.stdout.write(`${gib} GiB: seeding ${layers} layers of ${LAYER_MIB} MiB... `);
      const image = await pushImage(upstream, `bench/thick${gib}:v1`, {
        layers: Array.from({ length: layers }, () => ({ size: LAYER_MIB * MiB, kind: 'raw' })) });
      const json = join(tmp, `b${gib}.json`);
      writeFileSync(json, JSON.stringify({ name: `bench-${gib}`, images: { app: { imageType: 'oci', image: image.ref } } }));
      tgz = join(tmp, `b${gib}.tgz`);
      const exported = spawnSync(process.execPath, [CLI, 'bundle', 'export', json, '-o', tgz, '-q'], { encoding: 'utf8' });
      if (exported.status !== 0) throw new Error(exported.stderr);
      console.log(`bundle ${(statSync(tgz).size / MiB).toFixed(0)} MiB`);
    } finally {
      await upstream.stop(); // from here on the original registry is gone
    }
    spawnSync('sync');
    const floor = timed(`gzip -dc '${tgz}' | sha256sum >/dev/null`, [], { shell: true });
    const gold = await startRegistry();
    try {
      const run = timed(process.execPath, [CLI, 'bundle', 'relocate', tgz, '-r', `${gold.host}/bench`, '-q']);
      rows.push({ gib, bytes: statSync(tgz).size, run, floor });
    } finally {
      await gold.stop();
    }
    rmSync(tgz, { force: true });
  }
  console.log('bundle   relocate s   peak RSS MiB   floor s   ratio   MB/s');
  for (const r of rows) {
    console.log(`${`${r.gib} GiB`.padEnd(8)} ${r.run.seconds.toFixed(2).padStart(10)} ${r.run.rssMiB.toFixed(0).padStart(14)} ` +
      `${r.floor.seconds.toFixed(2).padStart(9)} ${(r.run.seconds / r.floor.seconds).toFixed(2).padStart(7)} ` +
      `${(r.bytes / 1e6 / r.run.seconds).toFixed(0).padStart(6)}`);
  }
  console.log('targets (issue 12): peak RSS <= 300 MiB at every size; time <= 1.5x the floor');
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
