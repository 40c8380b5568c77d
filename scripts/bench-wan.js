#!/usr/bin/env node
// Benchmark: `irel copy` against `skopeo copy --all --preserve-digests` over an emulated WAN.
// Two local docker-registry instances (source, target), each behind its own WAN proxy
// (scripts/lib/wan-proxy.js, run in this process): every chunk is delayed BENCH_WAN_DELAY_MS (25)
// each way, each direction of each proxy carries at most BENCH_WAN_MBPS (50) x 1e6 bytes/s shared
// by all its connections, and a new TCP connection costs one round trip before its first byte
// arrives (the TCP handshake; BENCH_WAN_HANDSHAKE=0 turns that off). The source is seeded
// directly, not through its proxy, with four shapes:
//   a  one image of 40 layers of 256 KiB          b  an index of 6 platforms x 6 layers of 512 KiB
//   c  one image of 4 layers of 32 MiB            d  an index of 2 indexes of 2 images each (small layers)
// For each shape and tool: a copy into a new repository of the target, then "again": the same
// copy onto that repository, which now has everything. Both tools run as users run them: the
// installed bin `node wasm/js/cli/main.js copy --quiet SRC DST` (its default --jobs, process start
// and wasm load included) and skopeo, each under /usr/bin/time (wall seconds, peak RSS); skopeo's
// blob-info cache is deleted before every skopeo run (it would mount blobs it saw before). Which
// tool goes first alternates by round and shape; BENCH_WAN_ROUNDS (2) rounds, the best is shown
// with the spread (max - min) in parentheses. Asserts nothing; exits non-zero only if a step fails.
//
// The floor is what a perfect client needs:
//   floor = bytes / (BENCH_WAN_MBPS x 1e6) + (rtts + handshake) x RTT,   RTT = 2 x BENCH_WAN_DELAY_MS.
// Bytes are all blobs and manifests once (download and upload overlap, each on its own link).
// Round trips, counted per shape below (`rtts`): ping (both registries at once), one per manifest
// level read from the source (an index's children fetched in parallel), the existence checks of
// every blob at once (HEAD), upload start (POST, with the source GETs issued alongside), the upload
// (PUT, streamed as the GET arrives), one per manifest level written (children before parents, the
// top one straight under its tag); plus one for the TCP handshake when it is emulated (all
// connections opened at once). No token round trip: the registries run without auth.
// The "again" floor: ping, the source's top manifest, a HEAD of it on the target, the tag PUT = 4
// round trips (+1 handshake).
//
// The proxies count TCP connections, TLS probes (a ClientHello on the plain-HTTP port: both tools
// try HTTPS first on loopback, then fall back) and HTTP requests by method, per run; they are
// printed per tool and shape, and every request (time, side, connection, method, path) is written
// to build/bench-wan/requests-*.txt. Per run also: "1st byte", the time from the tool's start to its
// first connection (process start and wasm load, before any round trip), and "RTTs", the time from
// that connection to the exit less bytes / rate, in round trips.
//
// BENCH_WAN_BROWSER=1 (default when /usr/bin/chromium exists) also copies shapes a and b from
// headless Chromium: the package's Web Worker (scripts/bench-browser/bench.html) through a
// long-running `irel serve` (scripts/bench-browser/serve.js) to the WAN proxies; its time is the
// page's, from the worker's readiness to the copy's result (no process start). irel serve is
// warmed first (its once-per-host TLS probe), as a serve in use would be, and keeps its upstream
// connections between runs; each run has a fresh Chromium profile (blobs by digest are cacheable,
// and a kept profile served them from its disk cache).
// skopeo 1.9 cannot copy shape d (an index listing indexes; it fails "Unexpectedly received a
// manifest list instead of a manifest for a single image"): shown as n/a, not a failure.
// BENCH_WAN_SHAPES=a,c picks shapes; BENCH_WAN_PORT (18490) is irel serve's port.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startRegistry } from '../tests/helpers/registry.js';
import { registryClient } from '../tests/helpers/registry-client.js';
import { MEDIA_TYPES, allBlobs, allManifests, pushImage, pushIndex, putManifest } from '../tests/helpers/seed.js';
import { launchChromium } from './lib/chromium-pipe.js';
import { startReportSink } from './lib/report-sink.js';
import { startWanProxy } from './lib/wan-proxy.js';

const env = process.env;
const DELAY = Number(env.BENCH_WAN_DELAY_MS ?? 25);
const BPS = Number(env.BENCH_WAN_MBPS ?? 50) * 1e6;
const ROUNDS = Number(env.BENCH_WAN_ROUNDS ?? 2);
const HANDSHAKE = env.BENCH_WAN_HANDSHAKE !== '0';
const BROWSER = (env.BENCH_WAN_BROWSER ?? (existsSync('/usr/bin/chromium') ? '1' : '0')) === '1';
const ONLY = env.BENCH_WAN_SHAPES ? new Set(env.BENCH_WAN_SHAPES.split(',')) : null;
const PORT = Number(env.BENCH_WAN_PORT ?? 18490);
const RTT = 2 * DELAY / 1000;
const KiB = 1024;
const MiB = 1024 * KiB;

const CLI = fileURLToPath(new URL('../wasm/js/cli/main.js', import.meta.url));
const SERVE = fileURLToPath(new URL('./bench-browser/serve.js', import.meta.url));
const OUT = fileURLToPath(new URL('../build/bench-wan', import.meta.url));
const PROFILE = fileURLToPath(new URL('../build/bench-chromium-wan-', import.meta.url));
// skopeo 1.9 keeps its blob-info cache here: as root, then rootless.
const SKOPEO_CACHES = ['/var/lib/containers/cache/blob-info-cache-v1.boltdb',
  join(homedir(), '.local/share/containers/cache/blob-info-cache-v1.boltdb')];

const raw = (n, size) => Array.from({ length: n }, () => ({ size, kind: 'raw' }));
const PLATFORMS6 = ['linux/amd64', 'linux/arm64', 'linux/arm/v7', 'linux/ppc64le', 'linux/s390x', 'linux/386'];

const SHAPES = [
  { key: 'a', name: '40 x 256 KiB', browser: true,
    // ping, manifest, HEADs, POST, PUT, manifest PUT
    rtts: 6,
    seed: (reg) => pushImage(reg, 'bench/a:v1', { layers: raw(40, 256 * KiB) }) },
  { key: 'b', name: 'index 6 x 6 x 512 KiB', browser: true,
    // ping, index, 6 manifests (parallel), HEADs, POST, PUT, 6 manifest PUTs (parallel), index PUT
    rtts: 8,
    seed: (reg) => pushIndex(reg, 'bench/b:v1', { platforms: PLATFORMS6, layers: raw(6, 512 * KiB) }) },
  { key: 'c', name: '4 x 32 MiB',
    rtts: 6, // as a
    seed: (reg) => pushImage(reg, 'bench/c:v1', { layers: raw(4, 32 * MiB) }) },
  { key: 'd', name: 'nested 2 x 2 (small)',
    // ping, top index, 2 indexes, 4 manifests, HEADs, POST, PUT, 4 manifest PUTs, 2 index PUTs, top PUT
    rtts: 10,
    seed: seedNested },
].filter((s) => !ONLY || ONLY.has(s.key));
const AGAIN_RTTS = 4;
const EXTRA = HANDSHAKE ? 1 : 0;

/** An OCI index of 2 OCI indexes of 2 platform images each (children pushed by digest). */
async function seedNested(reg) {
  const repo = 'bench/d';
  const inner = [];
  for (const [i, platforms] of [['linux/amd64', 'linux/arm64'], ['linux/arm/v7', 'linux/ppc64le']].entries()) {
    inner.push(await pushIndex(reg, repo, { platforms, layers: [4 * KiB, 8 * KiB], seed: `bench/d/inner${i}` }));
  }
  const index = { schemaVersion: 2, mediaType: MEDIA_TYPES.oci.index,
    manifests: inner.map((c) => ({ mediaType: c.mediaType, size: c.size, digest: c.digest })) };
  const bytes = Buffer.from(JSON.stringify(index, null, 2));
  const digest = await putManifest(registryClient(reg), repo, 'v1', bytes, MEDIA_TYPES.oci.index);
  return { ref: `${reg.host}/${repo}:v1`, repo, tag: 'v1', digest, size: bytes.length, mediaType: MEDIA_TYPES.oci.index,
    blobs: [], children: inner };
}

/** Run a command under /usr/bin/time without blocking this process (the proxies live here). */
function timed(cmd, args) {
  return new Promise((ok, fail) => {
    const child = spawn('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const [seconds, kib] = stderr.trim().split('\n').pop().split(' ').map(Number);
      if (code !== 0) fail(new Error(`${cmd} ${args.join(' ')} failed (${code}):\n${stderr}`));
      else ok({ seconds, rssMiB: kib / 1024 });
    });
  });
}

const diffStats = (a, b) => ({
  connections: b.connections - a.connections, tlsProbes: b.tlsProbes - a.tlsProbes, requests: b.requests - a.requests,
  unparsed: b.unparsed - a.unparsed,
  byMethod: Object.fromEntries(Object.entries(b.byMethod).map(([m, n]) => [m, n - (a.byMethod[m] ?? 0)]).filter(([, n]) => n > 0)),
  log: b.log.slice(a.log.length),
});

let proxies; // { src, dst }: the WAN proxies
let serve; // irel serve for the browser path
let sink;

/** One measured run of `fn` with the requests both proxies saw meanwhile. */
async function measured(fn) {
  const before = { src: proxies.src.stats(), dst: proxies.dst.stats() };
  const start = performance.now();
  const r = await fn();
  const end = performance.now();
  const run = { ...r, start, end, src: diffStats(before.src, proxies.src.stats()), dst: diffStats(before.dst, proxies.dst.stats()) };
  // The first byte either proxy saw (a connection): before it, process start and wasm load.
  run.first = Math.min(...[...run.src.log, ...run.dst.log].map((e) => e.t)) - start;
  return run;
}

const TOOLS = {
  irel: (src, dst) => timed(process.execPath, [CLI, 'copy', '--quiet', src, dst]),
  skopeo: (src, dst) => {
    for (const f of SKOPEO_CACHES) rmSync(f, { force: true });
    return timed('skopeo', ['copy', '--all', '--preserve-digests', '--quiet', '--src-tls-verify=false',
      '--dest-tls-verify=false', `docker://${src}`, `docker://${dst}`]);
  },
  browser: async (src, dst) => {
    const reported = sink.next();
    const q = new URLSearchParams({ src, dst, report: `${sink.url}/` });
    // A fresh profile each time: blobs by digest are cacheable (the registry says so), and a
    // profile kept from an earlier run would serve them from Chromium's disk cache.
    const profile = mkdtempSync(PROFILE);
    const chromium = await launchChromium(`http://127.0.0.1:${PORT}/bench/bench.html?${q}`, { profile });
    let timer;
    try {
      const r = await Promise.race([reported,
        new Promise((ok) => (timer = setTimeout(() => ok({ error: 'timed out after 300 s' }), 300_000)))]);
      if (r.error) throw new Error(`browser copy ${src} -> ${dst} failed: ${r.error}`);
      return { seconds: r.seconds, rssMiB: chromium.peak().totalMiB };
    } finally {
      clearTimeout(timer);
      await chromium.close();
      // Chromium's helpers may still be writing as the browser exits: retry, and never fail on it.
      try { rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); } catch {}
    }
  },
};

async function startServe() {
  sink = await startReportSink();
  const allow = [proxies.src, proxies.dst].flatMap((p) => ['--allow-host', p.host]);
  serve = spawn(process.execPath, [SERVE, '--port', String(PORT), '--connect-origin', sink.url, ...allow],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; ; i++) {
    if (await fetch(`http://127.0.0.1:${PORT}/bench/bench.html`).then((x) => x.ok, () => false)) break;
    if (i === 100) throw new Error('irel serve did not come up');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  // A serve in use has probed each registry's scheme already (once per host, remembered).
  for (const p of [proxies.src, proxies.dst]) {
    const r = await fetch(`http://127.0.0.1:${PORT}/proxy/${p.host}/v2/`);
    if (r.status !== 200) throw new Error(`irel serve -> ${p.host}/v2/: HTTP ${r.status}`);
  }
}

const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : 'n/a');
const pad = (s, n) => String(s).padStart(n);
const methods = (s) => Object.entries(s.byMethod).sort().map(([m, n]) => `${m} ${n}`).join(', ');

function cell(xs) {
  if (!xs.length) return 'n/a';
  const best = Math.min(...xs);
  return xs.length > 1 ? `${f2(best)} (${f2(Math.max(...xs) - best)})` : f2(best);
}

/** Every connection, TLS probe and request of a run, in time order from the tool's start. */
function requestLog(run, label) {
  const lines = [`# ${label}: ${f2(run.seconds)} s; ms from the tool's start, proxy (src/dst), connection, what`];
  const all = [...run.src.log.map((r) => ({ ...r, side: 'src' })), ...run.dst.log.map((r) => ({ ...r, side: 'dst' }))]
    .sort((x, y) => x.t - y.t);
  for (const r of all) {
    const what = r.kind === 'request' ? `${r.method.padEnd(6)} ${r.path}` : r.kind === 'tls' ? '(TLS ClientHello)'
      : r.kind === 'unparsed' ? `(not counted from here: ${r.path})` : '(new connection)';
    lines.push(`${pad((r.t - run.start).toFixed(0), 6)} ms  ${r.side} conn ${pad(r.conn, 4)}  ${what}`);
  }
  writeFileSync(join(OUT, `requests-${label}.txt`), `${lines.join('\n')}\n`);
}

const src = await startRegistry();
const dst = await startRegistry();
try {
  mkdirSync(OUT, { recursive: true });
  proxies = {};
  for (const [side, reg] of [['src', src], ['dst', dst]]) {
    proxies[side] = await startWanProxy({ target: { host: '127.0.0.1', port: reg.port }, delayMs: DELAY, bytesPerSecond: BPS,
      handshake: HANDSHAKE });
  }
  console.log(`WAN: ${DELAY} ms each way (RTT ${RTT * 1000} ms), ${BPS / 1e6} MB/s per direction per registry, ` +
    `TCP handshake ${HANDSHAKE ? 'emulated (+1 RTT per new connection)' : 'free'}; ${ROUNDS} rounds`);
  for (const shape of SHAPES) {
    const seeded = await shape.seed(src);
    shape.bytes = allBlobs(seeded).reduce((n, b) => n + b.size, 0) + allManifests(seeded).reduce((n, m) => n + m.size, 0);
    shape.srcRef = `${proxies.src.host}/${seeded.repo}:${seeded.tag}`;
    shape.floor = shape.bytes / BPS + (shape.rtts + EXTRA) * RTT;
    shape.againFloor = (AGAIN_RTTS + EXTRA) * RTT;
    shape.runs = { irel: [], skopeo: [], browser: [] };
    console.log(`seeded ${shape.key} (${shape.name}): ${(shape.bytes / 1e6).toFixed(1)} MB, ${allManifests(seeded).length} manifests, ` +
      `${allBlobs(seeded).length} blobs`);
  }
  const browserShapes = BROWSER ? SHAPES.filter((s) => s.browser) : [];
  if (browserShapes.length) await startServe();

  for (let round = 0; round < ROUNDS; round++) {
    for (const [si, shape] of SHAPES.entries()) {
      const tools = shape.browser && BROWSER ? ['irel', 'skopeo', 'browser'] : ['irel', 'skopeo'];
      const k = (round + si) % tools.length; // alternate who goes first
      for (const tool of [...tools.slice(k), ...tools.slice(0, k)]) {
        const dstRef = `${proxies.dst.host}/wan/r${round}-${tool}-${shape.key}:v1`;
        if (shape.unsupported?.[tool]) continue;
        let cold;
        try {
          cold = await measured(() => TOOLS[tool](shape.srcRef, dstRef));
        } catch (e) {
          // skopeo 1.9 cannot copy an index that lists an index: a limit of the peer, not a failure here.
          const m = tool === 'skopeo' && /level=fatal msg="(.*manifest list instead of a manifest.*?)"/.exec(e.message);
          if (!m) throw e;
          (shape.unsupported ??= {})[tool] = m[1];
          console.log(`round ${round + 1} ${shape.key} ${tool.padEnd(7)} cannot copy this shape: ${m[1]}`);
          continue;
        }
        const again = await measured(() => TOOLS[tool](shape.srcRef, dstRef));
        shape.runs[tool].push({ cold, again });
        requestLog(cold, `${shape.key}-${tool}-r${round}-copy`);
        requestLog(again, `${shape.key}-${tool}-r${round}-again`);
        console.log(`round ${round + 1} ${shape.key} ${tool.padEnd(7)} copy ${f2(cold.seconds)} s, again ${f2(again.seconds)} s`);
      }
    }
  }

  const best = (runs, key) => (runs.length ? Math.min(...runs.map((r) => r[key].seconds)) : NaN);
  console.log('');
  console.log(`shape                          MB  irel s       skopeo s     ratio  floor s  irel/floor  again irel s  again skopeo s  again ratio  irel peak RSS MiB`);
  for (const s of SHAPES) {
    const { irel, skopeo } = s.runs;
    const ratio = best(irel, 'cold') / best(skopeo, 'cold');
    const againRatio = best(irel, 'again') / best(skopeo, 'again');
    const rss = Math.max(...irel.flatMap((r) => [r.cold.rssMiB, r.again.rssMiB]));
    console.log(`${`${s.key} ${s.name}`.padEnd(26)} ${pad((s.bytes / 1e6).toFixed(1), 6)}  ` +
      `${cell(irel.map((r) => r.cold.seconds)).padEnd(11)}  ${cell(skopeo.map((r) => r.cold.seconds)).padEnd(11)}  ` +
      `${pad(f2(ratio), 5)}  ${pad(f2(s.floor), 7)}  ${pad(f2(best(irel, 'cold') / s.floor), 10)}  ` +
      `${cell(irel.map((r) => r.again.seconds)).padEnd(12)}  ${cell(skopeo.map((r) => r.again.seconds)).padEnd(14)}  ` +
      `${pad(f2(againRatio), 11)}  ${pad(rss.toFixed(0), 17)}`);
  }
  for (const sh of SHAPES) {
    for (const [tool, why] of Object.entries(sh.unsupported ?? {})) console.log(`${sh.key}: ${tool} n/a: ${why}`);
  }
  console.log(`(best of ${ROUNDS}, spread max - min in parentheses; ratio = irel / skopeo; floor = bytes / ${BPS / 1e6} MB/s + ` +
    `round trips x ${RTT * 1000} ms: ${SHAPES.map((s) => `${s.key} ${s.rtts + EXTRA}`).join(', ')} RTT; ` +
    `again floor ${AGAIN_RTTS + EXTRA} RTT = ${f2((AGAIN_RTTS + EXTRA) * RTT)} s)`);

  if (browserShapes.length) {
    console.log('');
    console.log('shape                      browser s    irel copy s  browser/CLI  again browser s  again irel s  Chromium peak RSS MiB (all processes)');
    for (const s of browserShapes) {
      const { irel, browser } = s.runs;
      console.log(`${`${s.key} ${s.name}`.padEnd(26)} ${cell(browser.map((r) => r.cold.seconds)).padEnd(11)}  ` +
        `${cell(irel.map((r) => r.cold.seconds)).padEnd(11)}  ${pad(f2(best(browser, 'cold') / best(irel, 'cold')), 11)}  ` +
        `${cell(browser.map((r) => r.again.seconds)).padEnd(15)}  ${cell(irel.map((r) => r.again.seconds)).padEnd(12)}  ` +
        `${pad(Math.max(...browser.flatMap((r) => [r.cold.rssMiB, r.again.rssMiB])).toFixed(0), 8)}`);
    }
    console.log('(browser: the page\'s time, no process start; the CLI\'s includes node start and wasm load)');
  }

  console.log('');
  console.log(`per run (last round): time; 1st byte = from the tool's start to its first connection (process start, wasm load); ` +
    `RTTs = (time from the first connection to the exit - bytes / rate) / RTT; TCP connections, TLS probes and HTTP requests ` +
    `by method at the source and target proxies; for the browser, the page's time and irel serve's connections`);
  for (const s of SHAPES) {
    for (const tool of ['irel', 'skopeo', 'browser']) {
      const runs = s.runs[tool];
      if (!runs.length) continue;
      const last = runs[runs.length - 1];
      for (const key of ['cold', 'again']) {
        const r = last[key];
        // Round trips on the wire: from the first connection to the tool's exit (the browser: the
        // page's time, its start not included), less the transfer.
        const wire = tool === 'browser' ? r.seconds : (r.end - r.start - r.first) / 1000;
        const spent = (wire - (key === 'cold' ? s.bytes / BPS : 0)) / RTT;
        const first = tool === 'browser' ? '   -' : pad((r.first / 1000).toFixed(2), 4);
        const side = (x) => `${pad(x.connections, 3)} conn ${pad(x.tlsProbes, 2)} tls ${pad(x.requests, 4)} req (${methods(x)})`;
        console.log(`${s.key} ${tool.padEnd(7)} ${(key === 'cold' ? 'copy' : 'again').padEnd(5)}  ${pad(f2(r.seconds), 5)} s, ` +
          `1st byte ${first} s, RTTs ${pad(spent.toFixed(1), 5)}` +
          `  src ${side(r.src)}\n${' '.repeat(58)}dst ${side(r.dst)}`);
      }
    }
  }
  console.log(`(every request with its time: ${OUT}/requests-SHAPE-TOOL-rROUND-{copy,again}.txt)`);
} finally {
  serve?.kill('SIGTERM');
  sink?.close();
  await Promise.all([proxies?.src?.close(), proxies?.dst?.close()]);
  await Promise.all([src.stop(), dst.stop()]);
}
