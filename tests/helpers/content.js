// Deterministic test content: random-looking bytes from a seed (AES-256-CTR keystream), a minimal
// ustar writer, and layer blobs (gzip'd tar in memory, or plain tar / raw bytes streamed in chunks
// so memory stays flat for big layers).
import { createCipheriv, createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

const CHUNK = 1 << 20;
const ZEROS = Buffer.alloc(CHUNK);

/** Chunks (≤ 1 MiB) of `size` deterministic random-looking bytes for `seed` (a string). */
export function* randomChunks(seed, size) {
  const key = createHash('sha256').update(`irel-test-content:${seed}`).digest();
  const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
  for (let left = size; left > 0; left -= CHUNK) yield cipher.update(ZEROS.subarray(0, Math.min(CHUNK, left)));
}

/** `size` deterministic random bytes as one Buffer (small sizes only). */
export function randomBytesFor(seed, size) {
  return Buffer.concat([...randomChunks(seed, size)]);
}

/** One 512-byte ustar header ('0' file or '5' directory), mtime 0, root-owned. */
export function tarHeader(name, size, type = '0', mode = type === '5' ? 0o755 : 0o644) {
  if (Buffer.byteLength(name) > 100) throw new Error(`tar name too long for this writer: ${name}`);
  const h = Buffer.alloc(512);
  const put = (off, len, s) => h.write(s, off, len, 'utf8');
  const oct = (off, len, n) => put(off, len - 1, n.toString(8).padStart(len - 1, '0'));
  put(0, 100, name);
  oct(100, 8, mode);
  oct(108, 8, 0);
  oct(116, 8, 0);
  oct(124, 12, size);
  oct(136, 12, 0);
  h.fill(0x20, 148, 156); // checksum computed with this field as spaces
  put(156, 1, type);
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(265, 32, 'root');
  put(297, 32, 'root');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** Zero padding that completes a tar entry of `size` bytes to a 512-byte boundary. */
export function tarPadding(size) {
  return Buffer.alloc((512 - (size % 512)) % 512);
}

/** End-of-archive marker: two zero blocks. */
export const TAR_END = Buffer.alloc(1024);

/** A blob held in memory: { bytes, digest, size, open() } (open yields the bytes once). */
export function memoryBlob(bytes) {
  const b = Buffer.from(bytes);
  return { bytes: b, size: b.length, digest: sha256Hex(b), open: () => [b] };
}

function sha256Hex(b) {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

/** Digest and size of a re-openable chunk stream, computed by one streaming pass. */
function measure(open) {
  const h = createHash('sha256');
  let size = 0;
  for (const c of open()) { h.update(c); size += c.length; }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

/**
 * A small gzip'd tar layer (in memory): directories etc/ and data/, a text file naming the seed,
 * and two random files totalling `size` bytes (so the blob is about `size` + ~100 bytes).
 * Returns { bytes, digest, size, open(), diffId, compressed: true }.
 */
export function tarGzLayer(seed, size) {
  const a = Math.floor(size / 2);
  const text = Buffer.from(`irel test layer\nseed: ${seed}\n`);
  const parts = [tarHeader('etc/', 0, '5'), tarHeader('etc/irel-seed.txt', text.length), text, tarPadding(text.length),
    tarHeader('data/', 0, '5')];
  for (const [name, n] of [['data/a.bin', a], ['data/b.bin', size - a]]) {
    parts.push(tarHeader(name, n), randomBytesFor(`${seed}/${name}`, n), tarPadding(n));
  }
  parts.push(TAR_END);
  const tar = Buffer.concat(parts);
  const blob = memoryBlob(gzipSync(tar, { level: 1 }));
  return { ...blob, diffId: sha256Hex(tar), compressed: true };
}

// A MiB of text-like bytes: lines of pseudo-words from a 4,096-word vocabulary (gzip takes it
// to about half, as it does source code and configuration files).
function textBlock(seed) {
  const rnd = randomBytesFor(`${seed}/text`, 1 << 20);
  const vocab = Array.from({ length: 4096 }, (_, i) => (i * 2654435761 >>> 0).toString(36).slice(0, 3 + (i % 7)));
  let text = '';
  for (let i = 0; text.length < (1 << 20); i += 2) {
    text += vocab[((rnd[i % rnd.length] << 8) | rnd[(i + 1) % rnd.length]) & 4095];
    text += rnd[(i + 7) % rnd.length] < 24 ? '\n' : ' ';
  }
  return Buffer.from(text.slice(0, 1 << 20));
}

/**
 * An uncompressed tar layer of one text-like file data/text.txt, streamed: compressible, as image
 * content mostly is. Each MiB is the seed's block rotated (never repeating within gzip's window).
 * Same shape and size rule as streamedTarLayer.
 */
export function textTarLayer(seed, size) {
  const n = Math.max(0, Math.floor(size / 512) * 512 - 1536);
  const block = textBlock(seed);
  function* open() {
    yield tarHeader('data/text.txt', n);
    for (let k = 0, left = n; left > 0; k++) {
      const at = (k * 7919 * 64) % block.length;
      const piece = Buffer.concat([block.subarray(at), block.subarray(0, at)]);
      yield piece.subarray(0, Math.min(left, piece.length));
      left -= piece.length;
    }
    yield tarPadding(n);
    yield TAR_END;
  }
  const m = measure(open);
  return { ...m, open, diffId: m.digest, compressed: false };
}

/**
 * An uncompressed tar layer streamed in 1 MiB chunks: one random file data/blob.bin. The blob
 * size is exactly `size` when `size` is a multiple of 512 and ≥ 1536, otherwise the next tar
 * boundary. Returns { digest, size, open(), diffId (= digest), compressed: false }.
 */
export function streamedTarLayer(seed, size) {
  const n = Math.max(0, Math.floor(size / 512) * 512 - 1536);
  function* open() {
    yield tarHeader('data/blob.bin', n);
    yield* randomChunks(`${seed}/blob.bin`, n);
    yield tarPadding(n);
    yield TAR_END;
  }
  const m = measure(open);
  return { ...m, open, diffId: m.digest, compressed: false };
}

/** Exactly `size` raw random bytes streamed in chunks (not a valid tar). Same shape as streamedTarLayer. */
export function rawLayer(seed, size) {
  const open = () => randomChunks(`${seed}/raw`, size);
  const m = measure(open);
  return { ...m, open, diffId: m.digest, compressed: false };
}
