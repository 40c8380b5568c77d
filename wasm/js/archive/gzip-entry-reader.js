// The reader of an archive entry uploaded gzip-compressed: a legacy docker save tarball's
// layer.tar, whose blob is its gzip (legacy-archive.js). The entry is compressed again as it is
// read, by the same deterministic compressor (gzip.js) that gave the digest in the archive's
// first pass, so the bytes uploaded are the bytes that digest names; they are hashed as they are
// made, and the last byte goes out only once the whole stream has been judged against the
// descriptor. Forward only, as ArchiveEntryReader (archive-readers.js): a request for bytes the
// stream has passed is ARCHIVE_REWIND (the executor sends the blob again in a further pass).
// Memory: one piece of the entry and what it compressed to, plus the range asked for.
import { IrelError } from '../errors.js';
import { verifier } from '../registry/digest-check.js';
import { gzipStream } from './gzip.js';

const PIECE = 1 << 20;

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

export class GzipEntryReader {
  can = { stream: true, body: false, progress: false };
  #ar;
  #descriptor;
  #what;
  #hash;
  #gzip;
  #pos = 0; // compressed bytes handed out
  #made = 0; // compressed bytes made
  #queue = []; // made and not handed out yet
  #queued = 0;
  #ended = false;
  #last = null; // the last range read, for a retried request
  #left = false;

  /** what: how errors name the blob ('layer "ID/layer.tar" of image busybox:1 (blob sha256:…)'). */
  constructor(ctx, ar, descriptor, what) {
    this.#ar = ar;
    this.#descriptor = descriptor;
    this.#what = what;
    this.#hash = verifier(ctx, descriptor, 'source', what);
    this.#gzip = gzipStream(ctx.core);
  }

  #forward(offset) {
    if (offset !== this.#pos) {
      throw bad('ARCHIVE_REWIND', `the registry asked for ${this.#what} from byte ${offset}, which the archive stream has passed`);
    }
  }

  // Compresses the entry's next piece (or finishes) into the queue; the verdict comes with the
  // stream's last bytes, before they are queued.
  #make() {
    if (this.#left) throw bad('ARCHIVE_REWIND', `${this.#what}: its archive entry is no longer being read`);
    const raw = this.#ar.read(PIECE);
    const out = raw.length ? this.#gzip.update(raw) : this.#gzip.finish();
    this.#ended = !raw.length;
    this.#made += out.length;
    if (this.#made > this.#descriptor.size) {
      throw bad('SIZE_MISMATCH', `${this.#what} compresses to more than the ${this.#descriptor.size} bytes it did when the archive was ` +
        'first read: the archive changed or was tampered with');
    }
    this.#hash.update(out);
    if (this.#ended) {
      try {
        this.#hash.finish();
      } catch (e) {
        throw bad(e.code, `${e.message}: the archive changed since it was first read, or was tampered with`);
      }
    }
    if (out.length) {
      this.#queue.push(out);
      this.#queued += out.length;
    }
  }

  // The next n bytes at most (fewer only at the end of the stream, which has then been judged).
  #take(n) {
    // The range's last byte is the stream's: not out before the verdict.
    while (!this.#ended && (this.#queued < n || this.#pos + n >= this.#descriptor.size)) this.#make();
    const want = Math.min(n, this.#queued);
    let out;
    if (this.#queue[0]?.length >= want) {
      const first = this.#queue[0];
      out = first.subarray(0, want);
      if (first.length === want) this.#queue.shift();
      else this.#queue[0] = first.subarray(want);
    } else {
      out = new Uint8Array(want);
      for (let filled = 0; filled < want;) {
        const first = this.#queue[0];
        const k = Math.min(first.length, want - filled);
        out.set(first.subarray(0, k), filled);
        filled += k;
        if (k === first.length) this.#queue.shift();
        else this.#queue[0] = first.subarray(k);
      }
    }
    this.#queued -= want;
    this.#pos += want;
    return out;
  }

  #piece(n) {
    const piece = this.#take(n);
    if (piece.length < n) throw bad('ARCHIVE_TRUNCATED', `${this.#what} ended early in the archive`);
    return piece;
  }

  async read(offset, length) {
    const last = this.#last;
    if (last && offset >= last.offset && offset + length <= last.offset + last.bytes.length) {
      return last.bytes.subarray(offset - last.offset, offset - last.offset + length);
    }
    this.#forward(offset);
    const bytes = this.#piece(length); // the compressor's own buffers: kept as they are for a retry
    this.#last = { offset, bytes };
    return bytes;
  }

  async *stream(offset, length) {
    this.#forward(offset);
    this.#last = null;
    for (let left = length; left > 0;) {
      const piece = this.#piece(Math.min(left, PIECE));
      left -= piece.length;
      yield piece;
    }
  }

  /** The archive moves on to its next entry. */
  leave() {
    this.#left = true;
  }

  /** The upload is over (done or failed). */
  close() {
    this.leave();
    this.#gzip.dispose();
    this.#hash.dispose?.();
    this.#queue = [];
    this.#last = null;
  }
}
