#!/usr/bin/env node
// Benchmark: image archives with `irel copy` against `skopeo copy`, in the same run, as users run
// them (the CLI under /usr/bin/time, skopeo's blob-info cache removed before each run, a fresh
// target registry each time): a ~1 GiB image of 8 random layers (BENCH_ARCHIVE_LAYERS x
// BENCH_ARCHIVE_LAYER_MIB) written into an OCI archive (registry -> oci-archive:), read from one
// (oci-archive: -> registry), and a docker save tarball (Docker 25+ shape) read into a registry
// (skopeo reads its legacy side, recompressing the layers: shown, not a like-for-like ratio).
// Prints each time beside peak RSS, the ratio to skopeo, and a floor (sha256sum of the archive).
// Asserts nothing; exits non-zero only if a step fails.
import { spawnSync } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { dockerSaveOci } from '../tests/helpers/archives.js';
import { clearSkopeoCache, timed } from './lib/measure.js';
import { startRegistry } from '../tests/helpers/registry.js';
import { pushImage } from '../tests/helpers/seed.js';
import { makeTempDir, removeDir } from '../tests/helpers/util.js';

const MiB = 1024 * 1024;
const LAYERS = Number(process.env.BENCH_ARCHIVE_LAYERS ?? 8);
const LAYER_MIB = Number(process.env.BENCH_ARCHIVE_LAYER_MIB ?? 128);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const irel = (src, dst) => timed(process.execPath, [CLI, 'copy', '--quiet', src, dst]);
const skopeo = (src, dst) => {
  clearSkopeoCache();
  return timed('skopeo', ['copy', '--all', '--preserve-digests', '--quiet', '--src-tls-verify=false', '--dest-tls-verify=false', src, dst]);
};
const withRegistry = async (fn) => {
  const r = await startRegistry();
  try {
    return await fn(r);
  } finally {
    await r.stop();
  }
};

const src = await startRegistry();
const tmp = await makeTempDir('irel-bench-archive-');
try {
  process.stdout.write(`seeding ${LAYERS} layers of ${LAYER_MIB} MiB... `);
  const image = await pushImage(src, 'bench/big:v1', { layers: Array.from({ length: LAYERS }, () => ({ size: LAYER_MIB * MiB, kind: 'raw' })) });
  const oci = join(tmp, 'seed.tar');
  irel(image.ref, `oci-archive:${oci}:v1`);
  const save = await dockerSaveOci([{ reg: src, ref: 'bench/big:v1' }], join(tmp, 'save.tar'));
  spawnSync('sync');
  console.log(`${image.digest}; OCI archive ${(statSync(oci).size / MiB).toFixed(0)} MiB, docker save ${(statSync(save.path).size / MiB).toFixed(0)} MiB`);
  const floor = (path) => timed('sha256sum', [path]);

  const shapes = [
    ['registry -> oci-archive', (tool, n) => [image.ref, `oci-archive:${join(tmp, `out-${tool}-${n}.tar`)}`], () => floor(oci), 'oci-archive'],
    ['oci-archive -> registry', (tool, n, reg) => [`oci-archive:${oci}`, `${tool === 'skopeo' ? 'docker://' : ''}${reg.host}/bench/${tool}${n}:v1`], () => floor(oci)],
    ['docker save -> registry', (tool, n, reg) => [`docker-archive:${save.path}`, `${tool === 'skopeo' ? 'docker://' : ''}${reg.host}/bench/${tool}${n}:v1`], () => floor(save.path)],
  ];
  console.log('shape                     irel s  RSS MiB   skopeo s  RSS MiB   ratio   floor s');
  for (const [name, args, floorOf] of shapes) {
    const runs = { irel: [], skopeo: [] };
    for (let n = 0; n < ROUNDS; n++) {
      for (const tool of n % 2 ? ['skopeo', 'irel'] : ['irel', 'skopeo']) {
        await withRegistry(async (reg) => {
          const [from, to] = args(tool, n, reg);
          const skopeoFrom = from.startsWith('oci-archive:') || from.startsWith('docker-archive:') ? from : `docker://${from}`;
          runs[tool].push(tool === 'irel' ? irel(from, to) : skopeo(skopeoFrom, to));
          for (const f of [join(tmp, `out-${tool}-${n}.tar`)]) rmSync(f, { force: true });
        });
      }
    }
    const best = (tool) => runs[tool].reduce((a, b) => (b.seconds < a.seconds ? b : a));
    const i = best('irel');
    const s = best('skopeo');
    const f = floorOf();
    console.log(`${name.padEnd(24)} ${i.seconds.toFixed(2).padStart(7)} ${i.rssMiB.toFixed(0).padStart(8)} ${s.seconds.toFixed(2).padStart(10)} ` +
      `${s.rssMiB.toFixed(0).padStart(8)} ${(i.seconds / s.seconds).toFixed(2).padStart(7)} ${f.seconds.toFixed(2).padStart(9)}`);
  }
} finally {
  await src.stop();
  await removeDir(tmp);
}
