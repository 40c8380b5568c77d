#!/usr/bin/env node
// End-to-end check of the Vite example: installs (if needed) and builds it, serves dist/ on a
// loopback port, and drives Debian Chromium through playwright-core: the mapping table, then a
// real copy between two local registries through the forwarding proxy (proxy/server.js).
// Prints one line per check and "N passed, N failed" last; exits non-zero on any failure.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createConnection } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = resolve(HERE, '../..');
const DIST = join(HERE, 'dist');
const ARTIFACTS = join(HERE, 'artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const PREFIX = 'registry.internal.acme.com/smith';
const MAP_INPUT = 'docker.io/istio/proxyv2';
const MAP_EXPECTED = 'registry.internal.acme.com/smith/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0';

const t0 = Date.now();
const elapsed = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;
const log = (msg) => console.log(`# ${msg}`);
const results = [];
const cleanups = []; // run in reverse order, always

async function check(name, fn) {
  const start = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok - ${name} (${elapsed(start)})`);
  } catch (err) {
    results.push(false);
    console.log(`not ok - ${name} (${elapsed(start)})\n${indent(err?.stack ?? String(err))}`);
  }
}
const indent = (text) => String(text).trimEnd().split('\n').map((l) => `    ${l}`).join('\n');

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Runs a command to completion; rejects with its output on a non-zero exit. */
function exec(cmd, args, { cwd = HERE, timeoutMs = 300_000 } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { out += d; });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => { clearTimeout(timer); reject(err); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise(out);
      else reject(new Error(`${cmd} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${out}`));
    });
  });
}

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

/** A static server for dist/ on 127.0.0.1; records what was served. */
async function serveDist() {
  const served = [];
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(DIST, path));
    try {
      if (!file.startsWith(DIST + sep)) throw new Error('outside dist');
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      const type = TYPES[extname(file)] ?? 'application/octet-stream';
      res.writeHead(200, { 'content-type': type, 'content-length': info.size, 'cache-control': 'no-store' });
      res.end(await readFile(file));
      served.push({ path, type, status: 200 });
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      served.push({ path, status: 404 });
    }
  });
  await new Promise((ok, fail) => server.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { server, served, origin: `http://127.0.0.1:${port}` };
}

async function freePort() {
  const s = createServer();
  await new Promise((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address();
  await new Promise((ok) => s.close(ok));
  return port;
}

function portOpen(port) {
  return new Promise((ok) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.destroy(); ok(true); });
    socket.on('error', () => ok(false));
  });
}

/** Starts proxy/server.js with the given flags; resolves once it listens, rejects if it exits. */
async function startProxy(args) {
  const port = await freePort();
  const child = spawn(process.execPath, [join(REPO, 'proxy/server.js'), '--port', String(port), ...args],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exit = new Promise((ok) => child.on('exit', (code, signal) => { exited = signal ?? `exit ${code}`; ok(); }));
  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exit;
      clearTimeout(timer);
    }
  };
  cleanups.push(stop);
  const deadline = Date.now() + 10_000;
  while (!(await portOpen(port))) {
    if (exited !== null) {
      throw new Error(`proxy/server.js ${['--port', port, ...args].join(' ')} stopped (${exited}) before listening` +
        ` (does it support --allow-host / --allow-origin yet?):\n${output}`);
    }
    if (Date.now() > deadline) throw new Error(`proxy/server.js did not listen on ${port} within 10 s:\n${output}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return { port, output: () => output };
}

async function main() {
  // 1. Install and build.
  if (!existsSync(join(HERE, 'node_modules'))) {
    const start = Date.now();
    log('node_modules missing: npm ci');
    await exec('npm', ['ci', '--no-audit', '--no-fund']);
    log(`npm ci: ${elapsed(start)}`);
  }
  let start = Date.now();
  await exec('npm', ['run', 'build', '--silent']);
  log(`vite build: ${elapsed(start)}`);

  let wasmAsset;
  await check('vite build emits the .wasm asset and the bundle points at it', async () => {
    const assets = await readdir(join(DIST, 'assets'));
    wasmAsset = assets.find((f) => /^irel-core.*\.wasm$/.test(f));
    assert(wasmAsset, `no irel-core*.wasm in dist/assets: ${assets.join(', ')}`);
    const bytes = await readFile(join(DIST, 'assets', wasmAsset));
    assert(bytes.subarray(0, 4).equals(Buffer.from([0, 0x61, 0x73, 0x6d])), `${wasmAsset} is not WebAssembly`);
    const js = await Promise.all(assets.filter((f) => f.endsWith('.js')).map((f) => readFile(join(DIST, 'assets', f), 'utf8')));
    assert(js.some((text) => text.includes(wasmAsset)), `no JavaScript chunk references ${wasmAsset}`);
  });

  // 2. Serve dist/ and open it in Chromium.
  const site = await serveDist();
  cleanups.push(() => new Promise((ok) => { site.server.closeAllConnections(); site.server.close(ok); }));
  log(`serving dist/ at ${site.origin}`);

  const { chromium } = await import('playwright-core').catch((err) => {
    throw new Error(`cannot import playwright-core (run npm ci at the repository root): ${err.message}`);
  });
  start = Date.now();
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
  cleanups.push(() => browser.close());
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') pageErrors.push(`console: ${msg.text()} ${msg.location()?.url ?? ''}`.trimEnd());
  });
  await mkdir(ARTIFACTS, { recursive: true });

  await check('the page loads irel from the bundled .wasm and maps references', async () => {
    await page.goto(`${site.origin}/`);
    await page.waitForFunction(() => /^irel \d/.test(document.querySelector('#version').textContent), null,
      { timeout: 20_000 }).catch((err) => {
      throw new Error(`irel did not load: #version never showed a version (${err.message})\n${pageErrors.join('\n')}`);
    });
    log(`Chromium launched and irel loaded: ${elapsed(start)} (${await page.textContent('#version')})`);
    const wasm = site.served.find((r) => r.path.endsWith('.wasm'));
    assert(wasm?.path === `/assets/${wasmAsset}` && wasm.status === 200 && wasm.type === 'application/wasm',
      `the page did not fetch /assets/${wasmAsset} as application/wasm: ${JSON.stringify(site.served)}`);

    await page.fill('#prefix', PREFIX);
    await page.fill('#refs', MAP_INPUT);
    const row = page.locator('#mapped tbody tr');
    await row.first().waitFor();
    await page.waitForFunction((expected) => document.querySelector('#mapped tbody tr td:nth-child(2)')?.textContent === expected,
      MAP_EXPECTED, { timeout: 5000 }).catch(() => {});
    const cells = await row.first().locator('td').allTextContents();
    await page.screenshot({ path: join(ARTIFACTS, 'map.png'), fullPage: true });
    assert((await row.count()) === 1, `expected 1 row, got ${await row.count()}`);
    assert(cells[0] === MAP_INPUT && cells[1] === MAP_EXPECTED,
      `mapped row is ${JSON.stringify(cells)}, expected ${JSON.stringify([MAP_INPUT, MAP_EXPECTED])}`);
    assert(pageErrors.length === 0, `errors in the page:\n${pageErrors.join('\n')}`);
  });

  await check('the page copies an image between two registries through the proxy', async () => {
    const { startRegistry } = await import(join(REPO, 'tests/helpers/registry.js'));
    const { pushImage } = await import(join(REPO, 'tests/helpers/seed.js'));
    let begin = Date.now();
    const [src, dst] = await Promise.all([startRegistry(), startRegistry()]);
    cleanups.push(() => src.stop(), () => dst.stop());
    const pushed = await pushImage(src, 'demo/app:v1', { layers: [2000, 5000] });
    log(`registries ${src.host} and ${dst.host} up, ${pushed.ref} pushed (${pushed.digest}): ${elapsed(begin)}`);

    const proxy = await startProxy(['--allow-host', src.host, '--allow-host', dst.host, '--allow-origin', site.origin]);
    const proxyBase = `http://127.0.0.1:${proxy.port}/proxy`;
    log(`proxy at ${proxyBase}`);

    const target = `${dst.host}/demo/app:v1`;
    await page.fill('#copy [name=src]', pushed.ref);
    await page.fill('#copy [name=dst]', target);
    await page.fill('#copy [name=proxy]', proxyBase);
    begin = Date.now();
    await page.click('#copy button[type=submit]');
    await page.waitForFunction(() => ['done', 'error'].includes(document.querySelector('#status').dataset.state),
      null, { timeout: 60_000 });
    log(`copy in the page: ${elapsed(begin)}`);
    await page.screenshot({ path: join(ARTIFACTS, 'copy.png'), fullPage: true });
    const status = await page.textContent('#status');
    const shown = await page.textContent('#digest');
    assert(await page.getAttribute('#status', 'data-state') === 'done',
      `the copy failed in the page: ${status}\n${pageErrors.join('\n')}\n--- proxy output ---\n${proxy.output()}`);
    assert(shown === pushed.digest, `the page shows digest ${JSON.stringify(shown)}, pushed ${pushed.digest}`);

    // The target registry itself serves the manifest under that digest.
    const res = await fetch(`${dst.url}/v2/demo/app/manifests/v1`, { method: 'HEAD',
      headers: { accept: pushed.mediaType } });
    const served = res.headers.get('docker-content-digest');
    assert(res.ok && served === pushed.digest, `target registry answers ${res.status} with digest ${served}`);
    log(`copied: ${status}`);
  });
}

let fatal = null;
const onSignal = (signal) => { fatal ??= new Error(`interrupted by ${signal}`); void finish(130); };
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);

let finishing;
function finish(forcedCode) {
  finishing ??= (async () => {
    for (const stop of cleanups.reverse()) {
      await Promise.race([stop(), new Promise((ok) => setTimeout(ok, 10_000))]).catch((err) => log(`cleanup: ${err.message}`));
    }
    if (fatal) {
      results.push(false);
      console.log(`not ok - setup\n${indent(fatal.stack ?? fatal)}`);
    }
    const passed = results.filter(Boolean).length;
    const failed = results.length - passed;
    log(`total ${elapsed(t0)}`);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(forcedCode ?? (failed || passed === 0 ? 1 : 0));
  })();
  return finishing;
}

main().catch((err) => { fatal = err; }).finally(() => finish());
