// Streaming reads of tar archives (thick bundles: .tar, .tgz/.tar.gz, .tar.zst, .tar.xz, .tar.bz2)
// through the WebAssembly core's libarchive, never unpacked to disk. The caller supplies a
// synchronous read(maxBytes) -> Uint8Array (empty at end of input): fs.readSync in Node
// (see ../node/archive-source.js), FileReaderSync in a browser worker. libarchive calls it from
// inside next()/read()/skip(), so every method here is synchronous.
import { IrelError } from '../errors.js';

const DEFAULT_READ = 1 << 20;

function coreOptions(options) {
  const out = {};
  for (const key of ['maxEntryBytes', 'maxTotalBytes', 'maxEntries', 'maxDecoderBytes', 'blockSize']) {
    if (options[key] !== undefined) {
      const n = Number(options[key]);
      if (!Number.isFinite(n) || n < 0) throw new TypeError(`openArchive: ${key} must be a non-negative number`);
      out[key] = n;
    }
  }
  if (options.requireEndMarker !== undefined) out.requireEndMarker = Boolean(options.requireEndMarker);
  return out;
}

function asBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('archive source: read() must return a Uint8Array');
}

/**
 * Opens an archive for streaming. `source` is a function read(maxBytes) -> Uint8Array or an
 * object with such a read method (and optionally close(), called by close()).
 * Options: maxEntryBytes (default 16 GiB), maxTotalBytes (64 GiB uncompressed), maxEntries
 * (100000), maxDecoderBytes (128 MiB: the most the xz decoder may allocate, its dictionary
 * included; xz -9 needs 65 MiB; zstd windows have libzstd's fixed 128 MiB limit), blockSize
 * (bytes asked of the source per call, 1 MiB), requireEndMarker (true).
 * Methods throw IrelError (codes ARCHIVE_INVALID, ARCHIVE_TRUNCATED, ARCHIVE_IO_ERROR,
 * ARCHIVE_ENTRY_UNSAFE, ARCHIVE_ENTRY_TOO_LARGE, ARCHIVE_TOO_LARGE, ARCHIVE_TOO_MANY_ENTRIES,
 * ARCHIVE_MEMORY_LIMIT).
 */
export function openArchive(core, source, options = {}) {
  const readFn = typeof source === 'function' ? source : source?.read?.bind(source);
  if (typeof readFn !== 'function') throw new TypeError('openArchive: source must be a read function or { read }');
  let sourceError = null;
  // Never lets an exception unwind through libarchive: the core sees null and fails with
  // ARCHIVE_IO_ERROR, which check() turns back into the source's own error.
  const pull = (max) => {
    try {
      return asBytes(readFn(max));
    } catch (e) {
      sourceError ??= e;
      return null;
    }
  };
  let reader = new core.ArchiveReader(pull, coreOptions(options));

  function live() {
    if (!reader) throw new IrelError({ code: 'ARCHIVE_CLOSED', message: 'archive: already closed' });
    return reader;
  }

  function check(r) {
    if (r.ok) return r;
    const err = new IrelError({ ...r.error, side: 'source' }); // an archive is only ever read from
    if (sourceError) {
      err.message = `${r.error.message}: ${sourceError.message ?? sourceError}`;
      err.cause = sourceError;
    }
    throw err;
  }

  return {
    /** The next entry { path, type: 'file'|'dir'|'symlink'|'hardlink'|'other', size, linkTarget? }, or null at the end. */
    next() {
      return check(live().next()).entry;
    },
    /** Up to max bytes of the current entry's data; an empty Uint8Array at its end. */
    read(max = DEFAULT_READ) {
      return check(live().read(max)).bytes;
    },
    /** Up to max bytes of the current entry into dest (a Uint8Array) at offset; 0 at its end. */
    readInto(dest, offset = 0, max = dest.length - offset) {
      return check(live().readInto(dest, offset, max)).n;
    },
    /** Skips the rest of the current entry; false when there is none. */
    skip() {
      return check(live().skip()).skipped;
    },
    /** The rest of the current entry, for small entries; ARCHIVE_ENTRY_TOO_LARGE over max bytes. */
    readAll(max) {
      if (!(max >= 0)) throw new TypeError('readAll: max bytes required');
      return check(live().readAll(max)).bytes;
    },
    /** Resolves when the source has read ahead, for sources that can (file-source-browser.js). */
    ready() {
      return typeof source === 'function' ? undefined : source?.ready?.();
    },
    /** { entries, uncompressedBytes, compressedBytes } so far. */
    stats() {
      return live().stats();
    },
    close() {
      if (!reader) return;
      reader.delete();
      reader = null;
      if (typeof source !== 'function') source?.close?.();
    },
  };
}
