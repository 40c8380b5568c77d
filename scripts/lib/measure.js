// What the benchmarks measure a command with: its time and peak RSS under /usr/bin/time, as
// users run it; and skopeo's blob-info cache, removed before each skopeo run (skopeo 1.9 keeps it
// as root, then rootless, and would otherwise mount blobs it saw before).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const SKOPEO_CACHES = ['/var/lib/containers/cache/blob-info-cache-v1.boltdb',
  join(homedir(), '.local/share/containers/cache/blob-info-cache-v1.boltdb')];

/** Removes skopeo's blob-info cache. */
export function clearSkopeoCache() {
  for (const f of SKOPEO_CACHES) rmSync(f, { force: true });
}

/** { seconds, rssMiB } of `cmd args` (or, with shell, of the bash command line `cmd`); throws if it fails. */
export function timed(cmd, args = [], { shell = false } = {}) {
  const argv = shell ? ['bash', '-c', cmd] : [cmd, ...args];
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', ...argv], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const last = r.stderr.trim().split('\n').pop();
  const [seconds, kib] = last.split(' ').map(Number);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stderr}`);
  return { seconds, rssMiB: kib / 1024 };
}
