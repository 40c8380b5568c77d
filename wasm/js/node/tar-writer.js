// A streaming writer of ustar archives, plain, gzip'd or zstd'd: files are streamed in, never held
// whole in memory, and the archive appears at its path only when complete (written to a temporary
// file created exclusively, renamed).
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { PassThrough } from 'node:stream';
import { createGzip } from 'node:zlib';

import { IrelError } from '../errors.js';
import { createAtomicFile } from './atomic-file.js';

/** How a file name says to compress: 'gzip' (.tgz, .gz), 'zstd' (.zst, .zstd) or 'none'. */
export function compressionFor(path) {
  if (/\.(tgz|gz)$/i.test(path)) return 'gzip';
  if (/\.(zst|zstd)$/i.test(path)) return 'zstd';
  return 'none';
}

// zstd through the zstd program (Node 20's zlib has none); its output is the file. exited
// settles when the program ends: resolved on success, else rejected with what went wrong.
function zstdStream() {
  const child = spawn('zstd', ['-q', '-c', '-3', '-T0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve, reject) => {
    child.once('error', (e) => reject(new IrelError({ code: 'UNSUPPORTED', side: 'target',
      message: `writing a .zst archive needs the zstd program (${e.code === 'ENOENT' ? 'not installed' : e.message})` })));
    child.once('exit', (code) => (code ? reject(new Error(`zstd exited with ${code}: ${stderr.trim()}`)) : resolve()));
  });
  exited.catch(() => {});
  return { input: child.stdin, output: child.stdout, exited };
}

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

export function createTarGz(outPath) {
  return createTar(outPath, { compress: 'gzip' });
}

/** compress: 'gzip', 'zstd' or 'none'. */
export async function createTar(outPath, { compress = 'gzip' } = {}) {
  const file = await createAtomicFile(outPath);
  const tar = new PassThrough();
  const out = file.handle.createWriteStream();
  let done;
  if (compress === 'gzip') done = pipeline(tar, createGzip({ level: 6 }), out);
  else if (compress === 'zstd') {
    const z = zstdStream();
    // A pipe error (EPIPE when zstd is missing) says less than the program's own failure.
    done = Promise.all([pipeline(tar, z.input), pipeline(z.output, out), z.exited])
      .catch((e) => z.exited.then(() => { throw e; }));
  } else done = pipeline(tar, out);
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
