// Writing a rewrite's files (irel.rewrite's result) back: a chart archive with the entries in the
// order they were read (ustar, mode 0644 for files and 0755 for directories, as `helm package`
// writes them; the reader does not report modes), a directory with each file replaced atomically,
// or one file. Nothing is written outside the target: file names are checked first.
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { IrelError } from '../errors.js';
import { createAtomicFile } from './atomic-file.js';
import { compressionFor, createTar } from './tar-writer.js';

const ARCHIVE_NAME = /\.(tgz|tar\.gz|tar|tar\.zst)$/i;

function checkPath(path) {
  const parts = path.split('/');
  if (!path || path.startsWith('/') || path.includes('\\') || path.includes('\0') ||
      parts.some((p, i) => p === '..' || p === '.' || (p === '' && i !== parts.length - 1))) {
    throw new IrelError({ code: 'WRITE_PATH_UNSAFE', side: 'target', message: `refusing to write ${JSON.stringify(path)}: not a plain relative path` });
  }
}

const bytesOf = (f) => (typeof f.text === 'string' ? Buffer.from(f.text, 'utf8') : Buffer.from(f.bytes));

// Atomically, keeping the permission bits of the file it replaces (a script stays executable).
async function writeFileAtomic(path, bytes) {
  const mode = (await stat(path).catch(() => null))?.mode;
  const file = await createAtomicFile(path);
  try {
    await file.handle.writeFile(bytes);
    if (mode !== undefined) await file.handle.chmod(mode & 0o7777);
    await file.commit();
  } catch (e) {
    await file.abort();
    throw e;
  }
}

async function isDirectory(path) {
  return (await stat(path).catch(() => null))?.isDirectory() ?? false;
}

/**
 * Writes result.files to `out`, or back where they came from (result.source) when out is omitted.
 * out ending in .tgz/.tar.gz/.tar/.tar.zst: an archive (a directory's files under its name, as a
 * chart archive holds them); otherwise a directory (or the file, for one file read). Resolves
 * { format: 'archive' | 'directory' | 'file', path, written: [paths] }.
 */
export async function writeRewrite(result, out) {
  const source = result?.source ?? { kind: 'files' };
  const files = result?.files;
  if (!Array.isArray(files)) throw new TypeError('writeRewrite: a rewrite result expected');
  const target = out ?? source.path;
  if (!target) throw new IrelError({ code: 'WRITE_NO_TARGET', side: 'target', message: 'writeRewrite: the input was no file: give where to write' });
  for (const f of files) checkPath(f.path);

  if (ARCHIVE_NAME.test(target) || (out === undefined && source.kind === 'archive')) {
    const prefix = source.kind === 'directory' ? `${basename(resolve(source.path))}/` : '';
    const tar = await createTar(target, { compress: compressionFor(target) });
    try {
      for (const f of files) {
        if (f.directory) await tar.addDirectory(prefix + f.path);
        else await tar.addBytes(prefix + f.path, bytesOf(f));
      }
      await tar.finish();
    } catch (e) {
      await tar.abort();
      throw e;
    }
    return { format: 'archive', path: target, written: [target] };
  }

  if (source.kind === 'file' || source.kind === 'text') {
    const [file] = files;
    const path = (await isDirectory(target)) ? join(target, file.path) : target;
    if (!file.changed && out === undefined) return { format: 'file', path, written: [] };
    await writeFileAtomic(path, bytesOf(file));
    return { format: 'file', path, written: [path] };
  }

  // A directory: in place, only what changed; elsewhere, every file (the whole chart).
  const inPlace = source.kind === 'directory' && resolve(target) === resolve(source.path);
  const written = [];
  for (const f of files) {
    const path = join(target, f.path);
    if (f.directory) {
      if (!inPlace) await mkdir(path, { recursive: true });
      continue;
    }
    if (inPlace && !f.changed) continue;
    await mkdir(dirname(path), { recursive: true });
    await writeFileAtomic(path, bytesOf(f));
    written.push(path);
  }
  return { format: 'directory', path: target, written };
}
