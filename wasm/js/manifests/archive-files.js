// A chart archive (.tgz as `helm package` writes it, or any tar) read into files through the
// core's libarchive, in entry order: text for UTF-8 files (byte for byte: a BOM is kept), bytes for
// the others (a packaged sub-chart), directories as entries of their own, so that the archive can
// be written back with the same layout. Links are refused: a chart has no use for them.
import { openArchive } from '../archive/archive-file.js';
import { IrelError } from '../errors.js';

// Charts are small; these bound what a hostile archive can make us hold.
export const CHART_LIMITS = { maxEntryBytes: 64 << 20, maxTotalBytes: 256 << 20, maxEntries: 20000 };

/** A synchronous source over bytes in memory, for openArchive. */
export function bytesSource(bytes) {
  let at = 0;
  return {
    read(max) {
      const out = bytes.subarray(at, at + max);
      at += out.length;
      return out;
    },
    close() {},
  };
}

/** Text when the bytes are UTF-8, else null. */
export function utf8Text(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}

/**
 * The entries of the archive `source` reads (openArchive's source): [{ path, text } | { path,
 * bytes } | { path, directory: true }]. name: the archive, for errors.
 */
export function archiveFiles(core, source, { limits = {}, name = 'archive' } = {}) {
  const archive = openArchive(core, source, { ...CHART_LIMITS, ...limits });
  const files = [];
  try {
    for (let entry = archive.next(); entry; entry = archive.next()) {
      if (entry.type === 'dir') {
        files.push({ path: entry.path.replace(/\/?$/, '/'), directory: true });
        continue;
      }
      if (entry.type !== 'file') {
        throw new IrelError({ code: 'CHART_ENTRY_UNSUPPORTED', side: 'source', message: `${name}: ${entry.path} is a ${entry.type}: charts hold files and directories only` });
      }
      const bytes = archive.readAll(limits.maxEntryBytes ?? CHART_LIMITS.maxEntryBytes).slice();
      const text = utf8Text(bytes);
      files.push(text === null ? { path: entry.path, bytes } : { path: entry.path, text });
    }
  } finally {
    archive.close();
  }
  return files;
}
