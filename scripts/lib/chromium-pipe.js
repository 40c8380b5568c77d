// Headless Chromium driven over the DevTools protocol on a pipe (--remote-debugging-pipe: JSON
// messages ending in NUL on fds 3 and 4), for benchmarks: it can choose a file in an <input
// type=file> as a user would, with no test harness attached (Playwright's network instrumentation
// copies request bodies and slows uploads several-fold), and it reports the processes' peak
// memory, read from /proc while the page works.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set of every process whose parent chain leads to `root`: [{ pid, rssKiB, type }]. */
export function processTree(root) {
  const procs = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(status)?.[1]);
      const rss = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
      const part = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      const type = /--type=([\w-]+)/.exec(cmd)?.[1] ?? 'browser';
      procs.push({ pid: Number(name), ppid, rssKiB: rss, type, anonKiB: part('RssAnon'), fileKiB: part('RssFile'), shmemKiB: part('RssShmem') });
    } catch {
      // gone meanwhile
    }
  }
  const inTree = new Set([root]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) {
      if (!inTree.has(p.pid) && inTree.has(p.ppid)) {
        inTree.add(p.pid);
        grew = true;
      }
    }
  }
  return procs.filter((p) => inTree.has(p.pid));
}

/**
 * Starts Chromium on `url`. Returns { send(method, params, sessionId), page() -> sessionId,
 * setInputFile(sessionId, selector, path), peak() -> { largestMiB, largestType, totalMiB, byTypeMiB },
 * close() }.
 */
export async function launchChromium(url, { profile, args = [] } = {}) {
  const child = spawn('/usr/bin/chromium', ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--remote-debugging-pipe',
    `--user-data-dir=${profile}`, ...args, url], { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
  const toBrowser = child.stdio[3];
  const fromBrowser = child.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const listeners = [];
  let buffered = '';
  fromBrowser.setEncoding('utf8');
  fromBrowser.on('data', (text) => {
    buffered += text;
    for (let end = buffered.indexOf('\0'); end >= 0; end = buffered.indexOf('\0')) {
      const msg = JSON.parse(buffered.slice(0, end));
      buffered = buffered.slice(end + 1);
      if (msg.id && pending.has(msg.id)) {
        const { ok, fail } = pending.get(msg.id);
        pending.delete(msg.id);
        if (msg.error) fail(new Error(`${msg.error.message} (${msg.error.code})`));
        else ok(msg.result);
      } else {
        for (const l of listeners) l(msg);
      }
    }
  });
  const send = (method, params = {}, sessionId) => new Promise((ok, fail) => {
    const id = nextId++;
    pending.set(id, { ok, fail });
    toBrowser.write(`${JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) })}\0`);
  });

  // Peak memory, sampled every 100 ms: the largest single process, and all of them together.
  let largest = { rssKiB: 0, type: '' };
  let total = 0;
  const byType = {}; // type -> the peak of the largest process of that type, KiB
  const sample = () => {
    const tree = processTree(child.pid);
    for (const p of tree) {
      if (p.rssKiB > largest.rssKiB) largest = p;
      if (p.rssKiB > (byType[p.type]?.rssKiB ?? 0)) byType[p.type] = p;
    }
    total = Math.max(total, tree.reduce((n, p) => n + p.rssKiB, 0));
  };
  const sampler = setInterval(sample, 100);

  return {
    send,
    on: (fn) => listeners.push(fn),
    async page() {
      for (let i = 0; i < 100; i++) {
        const { targetInfos } = await send('Target.getTargets');
        const page = targetInfos.find((t) => t.type === 'page' && t.url.startsWith(url.split('?')[0]));
        if (page) return (await send('Target.attachToTarget', { targetId: page.targetId, flatten: true })).sessionId;
        await new Promise((ok) => setTimeout(ok, 100));
      }
      throw new Error(`no page for ${url}`);
    },
    async setInputFile(sessionId, selector, path) {
      // By a remote object, not a DOM node id: ids lapse when the document is replaced while loading.
      for (let i = 0; i < 100; i++) {
        const found = await send('Runtime.evaluate', {
          expression: `document.readyState === 'complete' ? document.querySelector(${JSON.stringify(selector)}) : null` }, sessionId)
          .catch(() => null); // no execution context yet: the page is still loading
        const objectId = found?.result?.objectId;
        if (objectId) return send('DOM.setFileInputFiles', { objectId, files: [path] }, sessionId);
        await new Promise((ok) => setTimeout(ok, 100));
      }
      throw new Error(`no ${selector} on the page`);
    },
    peak() {
      sample();
      return { largestMiB: largest.rssKiB / 1024, largestType: largest.type, totalMiB: total / 1024,
        largestParts: { anonMiB: largest.anonKiB / 1024, fileMiB: largest.fileKiB / 1024, shmemMiB: largest.shmemKiB / 1024 },
        byTypeMiB: Object.fromEntries(Object.entries(byType).map(([t, p]) => [t, p.rssKiB / 1024])),
        byTypeAnonMiB: Object.fromEntries(Object.entries(byType).map(([t, p]) => [t, p.anonKiB / 1024])) };
    },
    async close() {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.once('exit', ok)));
    },
  };
}
