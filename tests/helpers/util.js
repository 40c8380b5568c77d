// Small process, port, file and HTTP utilities shared by the test helpers (Node built-ins only).
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** sha256 of bytes as an OCI digest string ("sha256:<hex>"). */
export function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A fresh directory under the OS temp dir; the caller removes it (see removeDir). */
export function makeTempDir(prefix = 'irel-test-') {
  return mkdtemp(join(tmpdir(), prefix));
}

/** Recursively remove a directory, ignoring "not found". */
export function removeDir(dir) {
  return rm(dir, { recursive: true, force: true });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (bind port 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
  });
}

/** Run a command to completion; rejects with its stderr on a non-zero exit. Returns { stdout, stderr } as Buffers. */
export function run(cmd, args, { input, timeoutMs = 30_000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs, env },
      (err, stdout, stderr) => {
        if (err) {
          err.message = `${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr.toString()}`;
          reject(err);
        } else resolve({ stdout, stderr });
      });
    if (input !== undefined) child.stdin.end(input);
  });
}

/** Daemons still running; killed if this process exits without stopping them (e.g. a crash). */
const liveDaemons = new Set();
process.on('exit', () => { for (const c of liveDaemons) c.kill('SIGKILL'); });

/**
 * Start a long-running child process whose stdout+stderr go to logFile.
 * Returns { child, exited: Promise<{code, signal}>, stop(timeoutMs) } where stop sends SIGTERM,
 * waits for exit and escalates to SIGKILL after timeoutMs.
 */
export function spawnDaemon(cmd, args, logFile) {
  const fd = openSync(logFile, 'a');
  const child = spawn(cmd, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  child.unref(); // a daemon nobody stopped must not keep the test process alive; the exit hook kills it
  liveDaemons.add(child);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => { liveDaemons.delete(child); resolve({ code, signal }); }));
  child.once('error', () => {}); // reported through `exited` (code null) and the log
  let stopping;
  const stop = (timeoutMs = 5000) => {
    stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    })();
    return stopping;
  };
  return { child, exited, stop };
}

/**
 * Whether process `pid` owns the socket listening on 127.0.0.1:`port` (Linux /proc; true where
 * /proc cannot tell). Guards against probing some other server that grabbed a "free" port.
 */
export async function ownsListeningPort(pid, port) {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const table = await readFile('/proc/net/tcp', 'utf8');
    const inodes = new Set();
    for (const line of table.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === `0100007F:${hexPort}` && f[3] === '0A') inodes.add(`socket:[${f[9]}]`);
    }
    const fds = await readdir(`/proc/${pid}/fd`);
    for (const fd of fds) {
      if (inodes.has(await readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''))) return true;
    }
    return false;
  } catch {
    return true;
  }
}

/** The last `max` characters of a log file, for error messages ('' when unreadable). */
export async function tailFile(file, max = 4000) {
  try {
    const s = await readFile(file, 'utf8');
    return s.length > max ? `…${s.slice(-max)}` : s;
  } catch {
    return '';
  }
}

/**
 * One HTTP(S) request with node:http/https (global fetch cannot take a private CA without extra
 * packages). `body` is a Buffer/string, or a function returning an (async) iterable of Buffers so
 * it can be re-sent after an auth challenge; give Content-Length in headers for streamed bodies.
 * Resolves { status, headers (lower-case keys), body: Buffer }. `ca` is PEM text for https.
 */
export function httpRequest(url, { method = 'GET', headers = {}, body, ca, timeoutMs = 60_000 } = {}) {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(u, { method, headers, ca, timeout: timeoutMs, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    if (body === undefined || body === null) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body) || body instanceof Uint8Array) req.end(body);
    else {
      (async () => {
        for await (const chunk of body()) {
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch((e) => req.destroy(e));
    }
  });
}

/** Poll `probe` (async, truthy when ready) every intervalMs until timeoutMs; an error with `fatal` set stops at once. */
export async function waitUntil(probe, { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      if (await probe()) return;
    } catch (e) {
      if (e.fatal) throw e;
      lastErr = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ''}`);
    await sleep(intervalMs);
  }
}
