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

// ustar splits a long path at a '/' into prefix (155 bytes) and name (100 bytes).
function splitPath(path) {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: '' };
  for (let i = path.indexOf('/'); i >= 0; i = path.indexOf('/', i + 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name) return { name, prefix };
  }
  throw new RangeError(`archive path too long: ${path}`);
}

function header(path, size, { mode = 0o644, type = '0' } = {}) {
  const h = Buffer.alloc(512);
  const { name, prefix } = splitPath(path);
  h.write(name, 0, 100, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136); // mtime 0: the same content gives the same archive
  h.write('        ', 148); // checksum placeholder
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  if (prefix) h.write(prefix, 345, 155, 'utf8');
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
    /** options.mode: the file's permission bits (0644). */
    async addBytes(path, bytes, options) {
      await write(header(path, bytes.length, options));
      await write(Buffer.from(bytes));
      if (bytes.length % 512) await write(Buffer.alloc(512 - (bytes.length % 512)));
    },
    /** A directory entry (path ends with '/'), mode 0755 unless options.mode. */
    async addDirectory(path, { mode = 0o755 } = {}) {
      await write(header(path.endsWith('/') ? path : `${path}/`, 0, { mode, type: '5' }));
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
