// A synchronous byte source for openArchive()/openBundle({ archive }) in a browser worker: a File
// or Blob read in slices, each asked for ahead with the asynchronous blob.arrayBuffer() so that
// the browser reads the file while the worker inflates the slice before; when the worker has not
// let the event loop run since (the next slice hasn't landed), the slice is read at once with
// FileReaderSync, which exists only in dedicated workers (module workers included).
const CHUNK = 1 << 20;
// Each FileReaderSync call costs a round trip to the browser process (about as much as copying
// a megabyte): the file is read in slices of this size, and read() hands out pieces of them.
const SLICE = 8 << 20;
// What ready() reads ahead: more than the input of a bounded synchronous step (thick.js reads
// 8 MiB of an entry between turns; deflate never grows data by more than a fraction).
const AHEAD = 24 << 20;
const STEP = 12 << 20; // ready() waits only while less than this is in memory

// One turn of the event loop, without setTimeout's 4 ms clamp on nested timers.
function turn() {
  const { port1, port2 } = new MessageChannel();
  return new Promise((ok) => {
    port1.onmessage = () => {
      port1.close();
      ok();
    };
    port2.postMessage(0);
  });
}

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
  let fetched = 0; // file offset up to which slices have been asked for
  const landed = []; // slices read ahead, in order
  let inFlight = null; // Promise of the slice being read ahead
  let epoch = 0; // a slice read ahead lands only if nothing was read at once since it was asked for
  let closed = false;
  const readAhead = () => {
    const start = fetched;
    const mine = epoch;
    fetched = Math.min(size, start + SLICE);
    inFlight = blob.slice(start, fetched).arrayBuffer().then((b) => {
      if (mine !== epoch) return true;
      inFlight = null;
      if (!closed) landed.push(new Uint8Array(b));
      return true;
    }, () => {
      if (mine !== epoch) return true;
      inFlight = null;
      fetched = start; // read at once instead, where the error is reported
      return false;
    });
    return inFlight;
  };
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
        if (landed.length) {
          slice = landed.shift();
        } else {
          // Nothing read ahead: at once, and whatever is still in flight is dropped.
          slice = new Uint8Array(reader.readAsArrayBuffer(blob.slice(pos, pos + SLICE)));
          fetched = pos + slice.length;
          epoch++;
          inFlight = null;
        }
        at = 0;
        if (!slice.length) return slice; // the file shrank: the archive reader says it ended early
      }
      const bytes = slice.subarray(at, at + want);
      at += bytes.length;
      pos += bytes.length;
      onRead?.(pos, size);
      return bytes;
    },
    /**
     * Resolves once STEP bytes past what read() has handed out are in memory (or the file has
     * none left), with up to AHEAD more being read asynchronously: a caller that awaits it
     * between synchronous steps keeps the browser reading the file while the worker works.
     */
    async ready() {
      const buffered = () => slice.length - at + landed.reduce((n, b) => n + b.length, 0);
      const more = () => !closed && buffered() < AHEAD && fetched < size;
      if (more() && !inFlight) readAhead();
      await turn(); // slices land in tasks of their own
      while (!closed && buffered() < STEP && fetched < size) {
        if (!(await (inFlight ?? readAhead()))) break;
      }
      if (more() && !inFlight) readAhead();
    },
    close() {
      closed = true;
      landed.length = 0;
      slice = new Uint8Array(0);
    },
  };
}
