// A synchronous byte source for openArchive()/openBundle({ archive }) in a browser worker: a File
// or Blob read with FileReaderSync, one slice(pos, pos + max) at a time. FileReaderSync exists
// only in dedicated workers (module workers included), not on a page's main thread.
const CHUNK = 1 << 20;
// Each FileReaderSync call costs a round trip to the browser process (about as much as copying
// a megabyte): the file is read in slices of this size, and read() hands out pieces of them.
const SLICE = 8 << 20;

/**
 * blob: a File or Blob. options.chunkSize caps each read (1 MiB); options.onRead(position, size)
 * is called after every read (for progress). Returns { read(maxBytes) -> Uint8Array (empty at the
 * end), close(), position, size }. A file changed or removed while it is read makes read() throw
 * (NotReadableError), which the archive reader reports as ARCHIVE_IO_ERROR with the cause.
 */
export function fileSource(blob, { chunkSize = CHUNK, onRead } = {}) {
  if (typeof FileReaderSync !== 'function') {
    throw new TypeError('fileSource: FileReaderSync is only available in a dedicated Web Worker');
  }
  if (!blob || typeof blob.slice !== 'function' || typeof blob.size !== 'number') {
    throw new TypeError('fileSource: a File or Blob is required');
  }
  const reader = new FileReaderSync();
  const size = blob.size;
  let pos = 0; // of the bytes handed out
  let slice = new Uint8Array(0);
  let at = 0; // in slice
  let closed = false;
  return {
    get position() {
      return pos;
    },
    size,
    read(max = chunkSize) {
      if (closed) throw new Error(`${blob.name ?? 'blob'}: read after close`);
      const want = Math.max(0, Math.min(Number(max) || 0, chunkSize, size - pos));
      if (want === 0) return new Uint8Array(0);
      if (at === slice.length) {
        slice = new Uint8Array(reader.readAsArrayBuffer(blob.slice(pos, pos + Math.max(want, SLICE))));
        at = 0;
        if (!slice.length) return slice; // the file shrank: the archive reader says it ended early
      }
      const bytes = slice.subarray(at, at + want);
      at += bytes.length;
      pos += bytes.length;
      onRead?.(pos, size);
      return bytes;
    },
    close() {
      closed = true;
      slice = new Uint8Array(0);
    },
  };
}
