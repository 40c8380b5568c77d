#!/usr/bin/env node
// Benchmark: map 100,000 references (a) through `irel map` reading stdin, process start included,
// (b) through the JS API in one process, and (c) through the same core built natively, as a peer
// measured in the same run. Prints references per second and ratios; asserts nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import { load } from '../wasm/js/node.js';

const N = Number(process.env.BENCH_N ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const PREFIX = 'registry.internal.acme.com/smith';
const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const NATIVE = fileURLToPath(new URL('../build/native/tests/map_native', import.meta.url));
const SHA = 'sha256:1e725169f37aec55908694840bc808fb13ebf02cb1765df225437c56a796f870';

// A mix like real bundles: Docker Hub short names, nested paths, tags, digests, ports.
const shapes = [
  (i) => `busybox${i}`,
  (i) => `projectriff/builder${i}:v${i % 10}`,
  (i) => `gcr.io/cf-elafros/knative-releases/github.com/knative/serving/cmd/app${i}@${SHA}`,
  (i) => `registry.example.com:5000/team${i % 50}/service-${i}:1.${i % 100}.0`,
  (i) => `quay.io/org/deep/path/to/image_${i}:latest@${SHA}`,
];
const refs = Array.from({ length: N }, (_, i) => shapes[i % shapes.length](i));
const input = refs.join('\n') + '\n';

function best(fn) {
  let min = Infinity;
  for (let r = 0; r < RUNS; r++) {
    const t = process.hrtime.bigint();
    fn();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e9);
  }
  return min;
}

function runProcess(cmd, args) {
  return () => {
    const r = spawnSync(cmd, args, { input, maxBuffer: 1 << 30 });
    if (r.status !== 0) throw new Error(`${cmd} exited ${r.status}: ${r.stderr}`);
    const lines = r.stdout.toString().split('\n').length - 1;
    if (lines !== N) throw new Error(`${cmd} printed ${lines} lines, expected ${N}`);
  };
}

const irel = await load();
const results = [
  ['irel map (CLI, stdin, process start included)', best(runProcess(process.execPath, [CLI, 'map', '-r', PREFIX]))],
  ['JS API irel.mapAll (in process)', best(() => {
    for (const r of irel.mapAll(PREFIX, refs)) if (!r.ok) throw new Error(r.input);
  })],
  ['JS API irel.map, one call per reference', best(() => {
    for (const ref of refs) if (!irel.map(PREFIX, ref).ok) throw new Error(ref);
  })],
  ['native core, same C++ (peer, process start included)', best(runProcess(NATIVE, [PREFIX]))],
];

const GO_BAR = 80_000;
console.log(`irel map benchmark: ${N} references, best of ${RUNS} runs`);
for (const [label, seconds] of results) {
  const rate = N / seconds;
  console.log(`${label.padEnd(54)} ${(seconds * 1000).toFixed(0).padStart(6)} ms  ` +
    `${Math.round(rate).toLocaleString('en-US').padStart(10)} refs/s  ` +
    `${(rate / GO_BAR).toFixed(1)}x the Go bar (80,000/s)`);
}
const [cli, api, , native] = results.map(([, s]) => s);
console.log(`ratios: CLI/native time ${(cli / native).toFixed(2)}, API/native time ${(api / native).toFixed(2)}`);
