// Progress on standard error: live lines on a terminal, plain periodic lines otherwise, nothing
// when quiet. A terminal shows the totals (bytes, blobs, images) and at most a few active blobs,
// however many a copy moves (a 200-image bundle has thousands): never one line per blob. Referrers
// (signatures, attestations, SBOMs) are items of their own: a line each when copied or failed
// (with the error), printed above a terminal's live lines. Only digests, types, sizes and registry
// errors are shown: never credentials.
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

const short = (digest) => digest.slice(digest.indexOf(':') + 1).slice(0, 12);

/** The key of a referrer of one image (relocate copies many): its subject and digest. */
export const referrerKey = (image, subject, digest) => `${image ?? ''}\n${subject}\n${digest}`;

/**
 * The line for a referrer event that ended (phase 'done' or 'failed'), or null: "referrer D (TYPE)
 * of SUBJECT copied [as tag T]" or "... not copied: MESSAGE [CODE]"; prefixed with the image
 * when the event names one (relocate).
 */
export function referrerLine(e) {
  if (e.type !== 'referrer' || (e.phase !== 'done' && e.phase !== 'failed')) return null;
  const what = `${e.image ? `${e.image}: ` : ''}referrer ${e.digest}${e.artifactType ? ` (${e.artifactType})` : ''} of ${e.subject}`;
  if (e.phase === 'done') return `${what} copied${e.tag ? ` as tag ${e.tag}` : ''}`;
  return `${what} not copied: ${e.error?.message ?? 'unknown error'}${e.error?.code ? ` [${e.error.code}]` : ''}`;
}

/** The lines a terminal shows for `state` ({ plans, blobs, images, started, referrers? }) at time `now`. */
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
  const shown = active.slice(0, MAX_ACTIVE_LINES);
  const lines = shown.map(([digest, b]) => {
    const frac = b.size ? Math.min(1, b.done / b.size) : 1;
    const bar = '#'.repeat(Math.round(frac * width)).padEnd(width, '.');
    return `${short(digest)} [${bar}] ${formatBytes(b.done)}/${formatBytes(b.size)}`;
  });
  // Referrers in flight, within the same few lines (they start once their image is copied).
  const referrers = [...(state.referrers?.values() ?? [])];
  const copying = referrers.filter((r) => r.phase === 'started');
  const shownReferrers = copying.slice(0, MAX_ACTIVE_LINES - shown.length);
  for (const r of shownReferrers) {
    lines.push(`referrer ${short(r.digest)}${r.artifactType ? ` (${r.artifactType})` : ''} of ${short(r.subject)} copying`);
  }
  const more = active.length - shown.length + copying.length - shownReferrers.length;
  if (more > 0) lines.push(`... and ${more} more in flight`);
  const images = state.images.total ? `, ${state.images.done}/${state.images.total} images` : '';
  const failed = referrers.filter((r) => r.phase === 'failed').length;
  const refs = referrers.length
    ? `, ${referrers.length - copying.length}/${referrers.length} referrers${failed ? ` (${failed} failed)` : ''}` : '';
  lines.push(`total ${formatBytes(done)}/${formatBytes(total)}, ${finished}/${Math.max(planned, state.blobs.size)} blobs${images}${refs}, ${formatBytes(rate)}/s`);
  return lines;
}

/**
 * Progress for `stream` (standard error): { onProgress, finish, print, shownFailures }, where
 * shownFailures holds the referrerKey of each referrer failure already printed, so that the
 * final report (reportReferrers) does not print it twice.
 */
export function createProgress(stream, { quiet = false, interval } = {}) {
  if (quiet) return { onProgress: () => {}, finish: () => {}, print: () => {}, shownFailures: new Set() };
  const tty = !!stream.isTTY;
  // plans: one per image (a multi-image copy plans each), summed for the totals.
  // referrers: referrerKey -> { digest, subject, artifactType, phase }.
  const state = { plans: new Map(), blobs: new Map(), images: { done: 0, total: 0 }, referrers: new Map(), started: Date.now() };
  const seenImages = new Set();
  const shownFailures = new Set();
  let drawn = 0;
  let finished = false;

  function render() {
    if (!tty) {
      const last = progressLines(state).pop();
      stream.write(`progress: ${last.slice('total '.length)}\n`);
      return;
    }
    const columns = stream.columns || 80; // a terminal of unknown size says 0
    // A live line never wraps: the cursor goes back up one row per line.
    const lines = progressLines(state, { columns }).map((l) => (l.length < columns ? l : `${l.slice(0, Math.max(1, columns - 2))}…`));
    let out = drawn ? `\x1b[${drawn}A` : '';
    for (const l of lines) out += `\x1b[2K${l}\n`;
    for (let i = lines.length; i < drawn; i++) out += '\x1b[2K\n';
    stream.write(out);
    drawn = Math.max(drawn, lines.length);
  }

  // A line that stays: on a terminal written over the live lines, which are drawn again below it.
  function print(line) {
    if (!tty) {
      stream.write(`${line}\n`);
      return;
    }
    stream.write(`${drawn ? `\x1b[${drawn}A` : ''}\x1b[2K${line}\n\x1b[J`);
    drawn = 0;
    if (!finished) render();
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
      if (e.type === 'referrer') {
        const key = referrerKey(e.image, e.subject, e.digest);
        state.referrers.set(key, { digest: e.digest, subject: e.subject, artifactType: e.artifactType, phase: e.phase });
        const line = referrerLine(e);
        if (line) print(line);
        // Also without the image: a report of many images' referrers at once (a thick bundle's) has none.
        if (e.phase === 'failed') shownFailures.add(key).add(referrerKey('', e.subject, e.digest));
      }
      if (e.type === 'wait' && e.ms >= 1000) {
        print(`waiting ${Math.round(e.ms / 1000)} s: ${e.side} registry ${e.registry} answered ${e.status || 'with a network error'}${e.status === 429 ? ' (rate limited)' : ''}`);
      }
    },
    // Once only (callers finish in a finally too): the last frame stays, and what is written
    // after it (the summary) is never drawn over.
    finish() {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      if (tty && (state.blobs.size || state.referrers.size)) render();
    },
    /** A line of its own (an image relocated), above a terminal's live lines. */
    print,
    shownFailures,
  };
}
