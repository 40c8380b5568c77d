// A streaming writer of gzip'd ustar archives: files are streamed in, never held whole in memory,
// and the archive appears at its path only when complete (written to a temporary file, renamed).
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';

import { createAtomicFile } from './atomic-file.js';

function header(path, size) {
  const h = Buffer.alloc(512);
  if (Buffer.byteLength(path) > 100) throw new RangeError(`archive path too long: ${path}`);
  h.write(path, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136); // mtime 0: the same content gives the same archive
  h.write('        ', 148); // checksum placeholder
  h.write('0', 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

export async function createTarGz(outPath) {
  const file = await createAtomicFile(outPath);
  const tar = new PassThrough();
  const done = pipeline(tar, createGzip({ level: 6 }), file.handle.createWriteStream());
  const write = (chunk) => (tar.write(chunk) ? undefined : new Promise((r) => tar.once('drain', r)));
  return {
    async addBytes(path, bytes) {
      await write(header(path, bytes.length));
      await write(Buffer.from(bytes));
      if (bytes.length % 512) await write(Buffer.alloc(512 - (bytes.length % 512)));
    },
    async addFile(path, file, size) {
      await write(header(path, size));
      for await (const chunk of createReadStream(file)) await write(chunk);
      if (size % 512) await write(Buffer.alloc(512 - (size % 512)));
    },
    async finish() {
      tar.end(Buffer.alloc(1024));
      await done;
      await file.commit();
    },
    async abort() {
      tar.destroy();
      await done.catch(() => {});
      await file.abort();
    },
  };
}
