// A tiny zip writer for downloads: entries stored as they are (no compression), each with its
// CRC-32, UTF-8 names, Unix modes. No ZIP64: up to 65535 entries and 4 GiB in all, which manifests
// and charts never come near. No DOM: it runs in pages, workers and Node alike.

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** The CRC-32 (ISO 3309, as zip and gzip use it) of `bytes`, continuing from `crc`. */
export function crc32(bytes, crc = 0) {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** MS-DOS time and date of `date` (local time, 2-second steps, 1980 to 2107). */
function dosTime(date) {
  const year = Math.min(2107, Math.max(1980, date.getFullYear()));
  return {
    time: (date.getHours() << 11) | (date.getMinutes() << 5) | (date.getSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getMonth() + 1) << 5) | date.getDate(),
  };
}

const encoder = new TextEncoder();
const FLAG_UTF8 = 0x0800;
const UNIX = 3;
const VERSION = 20; // 2.0: directories

/**
 * A zip archive of `entries` ([{ name, data: Uint8Array | string } | { name, directory: true }],
 * optional `mode`: Unix permission bits, 0o644 for files and 0o755 for directories by default),
 * their order kept. options.date: the entries' time (now by default). Returns a Uint8Array.
 * Throws for names that are empty, absolute or climb out ("..") and for a duplicate name.
 */
export function zip(entries, { date = new Date() } = {}) {
  const when = dosTime(date);
  const seen = new Set();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const entry of entries) {
    const directory = Boolean(entry.directory);
    let name = String(entry.name ?? '').replace(/\\/g, '/');
    if (directory && !name.endsWith('/')) name += '/';
    if (!name || name === '/' || name.startsWith('/') || name.split('/').includes('..')) {
      throw new TypeError(`zip: unsafe entry name ${JSON.stringify(entry.name)}`);
    }
    if (seen.has(name)) throw new TypeError(`zip: duplicate entry ${JSON.stringify(name)}`);
    seen.add(name);
    const nameBytes = encoder.encode(name);
    const data = directory ? new Uint8Array(0) : typeof entry.data === 'string' ? encoder.encode(entry.data) : entry.data;
    if (!(data instanceof Uint8Array)) throw new TypeError(`zip: ${name}: data must be a string or a Uint8Array`);
    const crc = crc32(data);
    const mode = (entry.mode ?? (directory ? 0o755 : 0o644)) | (directory ? 0o040000 : 0o100000);

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, VERSION, true);
    local.setUint16(6, FLAG_UTF8, true);
    local.setUint16(8, 0, true); // stored
    local.setUint16(10, when.time, true);
    local.setUint16(12, when.date, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, nameBytes.length, true);
    local.setUint16(28, 0, true);

    const head = new DataView(new ArrayBuffer(46));
    head.setUint32(0, 0x02014b50, true);
    head.setUint16(4, (UNIX << 8) | VERSION, true);
    head.setUint16(6, VERSION, true);
    head.setUint16(8, FLAG_UTF8, true);
    head.setUint16(10, 0, true);
    head.setUint16(12, when.time, true);
    head.setUint16(14, when.date, true);
    head.setUint32(16, crc, true);
    head.setUint32(20, data.length, true);
    head.setUint32(24, data.length, true);
    head.setUint16(28, nameBytes.length, true);
    // extra, comment, disk number, internal attributes: 0
    head.setUint32(38, ((mode << 16) | (directory ? 0x10 : 0)) >>> 0, true);
    head.setUint32(42, offset, true);

    parts.push(new Uint8Array(local.buffer), nameBytes, data);
    central.push(new Uint8Array(head.buffer), nameBytes);
    offset += 30 + nameBytes.length + data.length;
    if (offset > 0xffffffff) throw new RangeError('zip: over 4 GiB (no ZIP64 here)');
  }
  if (seen.size > 0xffff) throw new RangeError('zip: over 65535 entries (no ZIP64 here)');
  const centralSize = central.reduce((n, p) => n + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, seen.size, true);
  end.setUint16(10, seen.size, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);

  const out = new Uint8Array(offset + centralSize + 22);
  let at = 0;
  for (const p of [...parts, ...central, new Uint8Array(end.buffer)]) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
