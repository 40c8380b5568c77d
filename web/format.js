// Small display helpers: sizes, rates, durations, digests, platform lists.
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n) {
  if (!Number.isFinite(n)) return '—';
  let i = 0;
  let v = n;
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${UNITS[i]}`;
}

export function formatRate(bytesPerSecond) {
  return Number.isFinite(bytesPerSecond) && bytesPerSecond > 0 ? `${formatBytes(bytesPerSecond)}/s` : '';
}

export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 1) return 'under 1 s';
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const m = Math.floor(seconds / 60);
  const s = Math.round(seconds % 60);
  if (m < 60) return `${m} min ${s} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** sha256:0123456789ab… for tables; the full digest goes in a title attribute. */
export function shortDigest(digest, hex = 12) {
  if (!digest) return '';
  const i = digest.indexOf(':');
  return i < 0 ? digest : `${digest.slice(0, i + 1 + hex)}…`;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Bytes per second over the last few seconds of samples, and the time left for `total`. */
export class RateMeter {
  #samples = [];

  constructor(windowMs = 4000) {
    this.windowMs = windowMs;
  }

  add(done, now = performance.now()) {
    this.#samples.push([now, done]);
    while (this.#samples.length > 2 && now - this.#samples[0][0] > this.windowMs) this.#samples.shift();
  }

  get rate() {
    if (this.#samples.length < 2) return NaN;
    const [t0, d0] = this.#samples[0];
    const [t1, d1] = this.#samples[this.#samples.length - 1];
    return t1 > t0 ? ((d1 - d0) * 1000) / (t1 - t0) : NaN;
  }

  left(done, total) {
    const r = this.rate;
    return r > 0 ? (total - done) / r : NaN;
  }
}

/** "12.0 MiB of 96.0 MiB · 40.1 MiB/s · 2 s left" */
export function progressText(done, total, meter) {
  const parts = [`${formatBytes(done)} of ${formatBytes(total)}`];
  if (meter && done < total) {
    const rate = formatRate(meter.rate);
    if (rate) parts.push(rate);
    const left = formatDuration(meter.left(done, total));
    if (left) parts.push(`${left} left`);
  }
  return parts.join(' · ');
}
