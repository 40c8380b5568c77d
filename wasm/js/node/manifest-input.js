// Manifests and charts read from the file system for findImages and rewrite: a YAML file, a
// directory (a chart, or manifests), or a chart archive (.tgz, streamed through libarchive as
// thick bundles are). Files are named relative to what was given (a file by its base name, a
// directory's files by their path inside it, an archive's by its entry names), and `source` says
// where they came from, for writing them back.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { openSync, readSync, closeSync } from 'node:fs';
import { basename, join } from 'node:path';

import { IrelError } from '../errors.js';
import { archiveFiles, CHART_LIMITS, utf8Text } from '../manifests/archive-files.js';
import { nodeFileReader } from './archive-source.js';

const ARCHIVE_NAME = /\.(tgz|tar\.gz|tar|tar\.zst|tar\.xz)$/i;
// Folders that are never a chart's or a deployment's files.
const SKIP_DIRS = new Set(['.git', 'node_modules']);

function inputError(path, e) {
  const missing = e?.code === 'ENOENT';
  return new IrelError({ code: missing ? 'INPUT_NOT_FOUND' : 'INPUT_IO_ERROR', side: 'source', message: `${path}: ${missing ? 'no such file or directory' : e?.message ?? e}` });
}

// gzip (1f 8b), zstd (28 b5 2f fd), xz (fd 37 7a 58 5a 00), or "ustar" at 257: an archive.
function looksLikeArchive(path) {
  const fd = openSync(path, 'r');
  const head = Buffer.alloc(262);
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  return (head[0] === 0x1f && head[1] === 0x8b) || head.readUInt32BE(0) === 0x28b52ffd ||
    head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) || head.toString('latin1', 257, 262) === 'ustar';
}

async function readDirectory(root, limits) {
  const files = [];
  let total = 0;
  const walk = async (dir, rel) => {
    const names = (await readdir(dir)).sort();
    for (const name of names) {
      const path = join(dir, name);
      const info = await lstat(path);
      const relPath = rel ? `${rel}/${name}` : name;
      if (info.isDirectory()) {
        if (!SKIP_DIRS.has(name)) await walk(path, relPath);
      } else if (info.isFile()) {
        if (files.length >= limits.maxEntries) throw new IrelError({ code: 'INPUT_TOO_LARGE', side: 'source', message: `${root}: more than ${limits.maxEntries} files` });
        if (info.size > limits.maxEntryBytes) throw new IrelError({ code: 'INPUT_TOO_LARGE', side: 'source', message: `${path}: ${info.size} bytes, more than ${limits.maxEntryBytes}` });
        total += info.size;
        if (total > limits.maxTotalBytes) throw new IrelError({ code: 'INPUT_TOO_LARGE', side: 'source', message: `${root}: more than ${limits.maxTotalBytes} bytes of files` });
        const bytes = new Uint8Array(await readFile(path));
        const text = utf8Text(bytes);
        files.push(text === null ? { path: relPath, bytes } : { path: relPath, text });
      }
      // Links and special files are not followed: a chart is plain files.
    }
  };
  await walk(root, '');
  return files;
}

/**
 * Reads `path`: { source: { kind: 'file' | 'directory' | 'archive', path }, files: [{ path, text |
 * bytes | directory }] }. options.archiveLimits bound what is read (CHART_LIMITS by default).
 */
export async function readManifestInput(core, path, options = {}) {
  const limits = { ...CHART_LIMITS, ...options.archiveLimits };
  let info;
  try {
    info = await stat(path); // what was named may be a link; what a directory holds is not followed
  } catch (e) {
    throw inputError(path, e);
  }
  try {
    if (info.isDirectory()) return { source: { kind: 'directory', path }, files: await readDirectory(path, limits) };
    if (ARCHIVE_NAME.test(path) || looksLikeArchive(path)) {
      return { source: { kind: 'archive', path }, files: archiveFiles(core, nodeFileReader(path), { limits, name: path }) };
    }
    if (info.size > limits.maxEntryBytes) throw new IrelError({ code: 'INPUT_TOO_LARGE', side: 'source', message: `${path}: ${info.size} bytes, more than ${limits.maxEntryBytes}` });
    const bytes = new Uint8Array(await readFile(path));
    const text = utf8Text(bytes);
    if (text === null) throw new IrelError({ code: 'INPUT_NOT_TEXT', side: 'source', message: `${path}: not UTF-8 text (nor a chart archive)` });
    return { source: { kind: 'file', path }, files: [{ path: basename(path), text }] };
  } catch (e) {
    if (e instanceof IrelError) throw e;
    throw inputError(path, e);
  }
}
