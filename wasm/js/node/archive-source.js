// A synchronous file source for openArchive() in Node: fs.readSync in chunks of at most 1 MiB.
// The bytes read() returns are a view of one reused buffer, valid until the next read(): the
// archive reader copies them into wasm memory at once.
import fs from 'node:fs';

const CHUNK = 1 << 20;

export function nodeFileReader(path, { chunkSize = CHUNK } = {}) {
  const fd = fs.openSync(path, 'r');
  const buffer = Buffer.allocUnsafe(chunkSize);
  let closed = false;
  return {
    read(max = chunkSize) {
      if (closed) throw new Error(`${path}: read after close`);
      const want = Math.max(0, Math.min(max, chunkSize));
      if (want === 0) return buffer.subarray(0, 0);
      const n = fs.readSync(fd, buffer, 0, want, null);
      return buffer.subarray(0, n);
    },
    close() {
      if (closed) return;
      closed = true;
      fs.closeSync(fd);
    },
  };
}
