// Progress on standard error: live lines on a terminal, plain periodic lines otherwise, nothing
// when quiet. A terminal shows the totals (bytes, blobs, images) and at most a few active blobs,
// however many a copy moves (a 200-image bundle has thousands): never one line per blob. Only
// digests and sizes are shown: never credentials.
const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
export function formatBytes(n) {
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

const ACTIVE = new Set(['started', 'uploading']);
const MAX_ACTIVE_LINES = 6;

/** The lines a terminal shows for `state` ({ plans, blobs, images, started }) at time `now`. */
export function progressLines(state, { columns = 80, now = Date.now() } = {}) {
  let total = 0;
  let planned = 0;
  for (const p of state.plans.values()) {
    total += p.bytes ?? 0;
    planned += p.blobs ?? 0;
  }
  let done = 0;
  let finished = 0;
  const active = [];
  for (const [digest, b] of state.blobs) {
    done += b.done;
    if (ACTIVE.has(b.state)) active.push([digest, b]);
    else finished++;
  }
  const seconds = (now - state.started) / 1000;
  const rate = seconds > 0 ? done / seconds : 0;
  const width = Math.max(10, Math.min(30, columns - 50));
  // The furthest along first: those are the ones about to finish.
  active.sort((x, y) => y[1].done / (y[1].size || 1) - x[1].done / (x[1].size || 1));
  const lines = active.slice(0, MAX_ACTIVE_LINES).map(([digest, b]) => {
    const frac = b.size ? Math.min(1, b.done / b.size) : 1;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    return `${digest.slice(digest.indexOf(':') + 1).slice(0, 12)} [${bar}] ${formatBytes(b.done)}/${formatBytes(b.size)}`;
  });
  if (active.length > MAX_ACTIVE_LINES) lines.push(`... and ${active.length - MAX_ACTIVE_LINES} more in flight`);
  const images = state.images.total ? `, ${state.images.done}/${state.images.total} images` : '';
  lines.push(`total ${formatBytes(done)}/${formatBytes(total)}, ${finished}/${Math.max(planned, state.blobs.size)} blobs${images}, ${formatBytes(rate)}/s`);
  return lines;
}

export function createProgress(stream, { quiet = false, interval } = {}) {
  if (quiet) return { onProgress: () => {}, finish: () => {} };
  const tty = !!stream.isTTY;
  // plans: one per image (a multi-image copy plans each), summed for the totals.
  const state = { plans: new Map(), blobs: new Map(), images: { done: 0, total: 0 }, started: Date.now() };
  const seenImages = new Set();
  let drawn = 0;

  function render() {
    if (!tty) {
      const last = progressLines(state).pop();
      stream.write(`progress: ${last.slice('total '.length)}\n`);
      return;
    }
    const lines = progressLines(state, { columns: stream.columns ?? 80 });
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
      if (e.type === 'plan') {
        state.plans.set(e.image ?? '', e);
        if (e.images) state.images.total = Math.max(state.images.total, e.images);
      }
      if (e.type === 'blob') state.blobs.set(e.digest, { size: e.size, done: e.done, state: e.state });
      if (e.type === 'image') {
        if (!seenImages.has(e.image)) {
          seenImages.add(e.image);
          state.images.total = Math.max(state.images.total, seenImages.size);
        }
        if (e.phase === 'done') state.images.done++;
      }
      if (e.type === 'wait' && e.ms >= 1000) {
        stream.write(`waiting ${Math.round(e.ms / 1000)} s: ${e.side} registry ${e.registry} answered ${e.status || 'with a network error'}${e.status === 429 ? ' (rate limited)' : ''}\n`);
      }
    },
    finish() {
      clearInterval(timer);
      if (tty && state.blobs.size) render();
    },
  };
}
