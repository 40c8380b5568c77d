// CPU seconds spent by each kind of process between two snapshots of /proc (Linux only), so a
// benchmark can say where the machine's cores went: registries, proxy, browser, the copy itself.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

// With threads, Chromium's processes are also split by thread name (a worker's thread is
// "DedicatedWorker thread", network I/O "Chrome_IOThread"), under keys pid/tid.
export function cpuSnapshot({ threads = false } = {}) {
  const out = new Map();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const l = label(cmd, stat.slice(stat.indexOf('(') + 1, close));
      out.set(pid, { label: l, ticks: Number(fields[11]) + Number(fields[12]) });
      if (threads && l.startsWith('chromium')) threadTicks(pid, l, out);
    } catch {
      // the process ended between listing and reading
    }
  }
  return out;
}

function threadTicks(pid, processLabel, out) {
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const open = stat.indexOf('(');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      const name = stat.slice(open + 1, close).replace(/\d+$/, '');
      out.set(`${pid}/${tid}`, { label: `${processLabel} · ${name}`, thread: true, ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the thread ended meanwhile
    }
  }
}

function label(cmd, comm) {
  const args = cmd.join(' ');
  if (comm.startsWith('chrom') || args.includes('/chromium')) {
    const type = /--type=([a-z-]+)/.exec(args)?.[1];
    const sub = /--utility-sub-type=([a-zA-Z.]+)/.exec(args)?.[1];
    return `chromium ${type === 'utility' && sub ? sub.split('.').pop() : type ?? 'browser'}`;
  }
  if (comm === 'docker-registry') return 'docker-registry';
  if (args.includes(' serve ')) return 'irel serve (proxy)';
  if (args.includes(' copy ')) return 'irel copy (node)';
  return comm;
}

/**
 * CPU seconds per label between two snapshots, largest first; processes under 0.05 s left out.
 * threads: per-thread rows (see cpuSnapshot) instead of per-process ones.
 */
export function cpuDelta(before, after, { threads = false } = {}) {
  const sums = new Map();
  for (const [pid, a] of after) {
    if (Boolean(a.thread) !== threads) continue;
    const d = (a.ticks - (before.get(pid)?.ticks ?? 0)) / TICKS;
    sums.set(a.label, (sums.get(a.label) ?? 0) + d);
  }
  return [...sums].filter(([, s]) => s >= 0.05).sort((x, y) => y[1] - x[1]);
}

export function formatCpu(rows) {
  return rows.map(([l, s]) => `    ${l.padEnd(28)} ${s.toFixed(1)} s`).join('\n');
}
