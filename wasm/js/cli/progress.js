// Progress on standard error: live bars on a terminal, plain periodic lines otherwise, nothing
// when quiet. Only digests and sizes are shown: never credentials.
const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

export function createProgress(stream, { quiet = false, interval } = {}) {
  if (quiet) return { onProgress: () => {}, finish: () => {} };
  const tty = !!stream.isTTY;
  const blobs = new Map(); // digest -> { size, done, state }
  let plan = null;
  let drawn = 0;
  const started = Date.now();
  const totals = () => {
    let done = 0;
    for (const b of blobs.values()) done += b.done;
    return done;
  };

  function render() {
    const total = plan?.bytes ?? 0;
    const done = totals();
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    if (!tty) {
      stream.write(`progress: ${formatBytes(done)} of ${formatBytes(total)} (${formatBytes(rate)}/s)\n`);
      return;
    }
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 50));
    const lines = [];
    for (const [digest, b] of blobs) {
      if (b.state === 'uploaded' || b.state === 'exists' || b.state === 'mounted' || b.state === 'foreign') continue;
      const frac = b.size ? Math.min(1, b.done / b.size) : 1;
      const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
      lines.push(`${digest.slice(7, 19)} [${bar}] ${formatBytes(b.done)}/${formatBytes(b.size)}`);
    }
    const finished = [...blobs.values()].filter((b) => b.state !== 'started' && b.state !== 'uploading').length;
    lines.push(`total ${formatBytes(done)}/${formatBytes(total)}, ${finished}/${plan?.blobs ?? blobs.size} blobs, ${formatBytes(rate)}/s`);
    let out = drawn ? `\x1b[${drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < drawn; i++) out += '\x1b[2K\n';
    stream.write(out);
    drawn = Math.max(drawn, lines.length);
  }

  const timer = setInterval(render, interval ?? (tty ? 150 : 2000));
  timer.unref?.();
  return {
    onProgress(e) {
      if (e.type === 'plan') plan = e;
      if (e.type === 'blob') blobs.set(e.digest, { size: e.size, done: e.done, state: e.state });
      if (e.type === 'wait' && !quiet && e.ms >= 1000) {
        stream.write(`waiting ${Math.round(e.ms / 1000)} s: ${e.side} registry ${e.registry} answered ${e.status || 'with a network error'}${e.status === 429 ? ' (rate limited)' : ''}\n`);
      }
    },
    finish() {
      clearInterval(timer);
      if (tty && blobs.size) render();
    },
  };
}
