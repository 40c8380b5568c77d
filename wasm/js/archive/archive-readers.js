// Readers of a sequential archive's blob entries, for the executor (transfer/execute.js
// executeFromStream): each entry read once, forward only, its digest judged before its last bytes
// go out; and the few blobs a scan kept in memory, served from there.
import { IrelError } from '../errors.js';
import { verifier } from '../registry/digest-check.js';
import { blobDigest, entryPath, LAYOUT, requireRegular } from '../bundle/thick-scan.js';

const PIECE = 1 << 20;
const BLOB_PART = 8 << 20;

function bad(code, message) {
  return new IrelError({ code, message, side: 'source' });
}

// Sequential reads of the current archive entry, in the ranges an upload asks for; the last range
// is kept so that a retried chunk can be sent again. The digest was checked in pass 1 and is
// checked again here, before the last bytes go out. It can also stream a range (Node: one
// streamed PATCH) or build it as a body outside JS memory (browsers: a Blob), forward only; a
// request for bytes the stream has passed is ARCHIVE_REWIND (the executor sends that blob in a
// further pass).
//
// Where the environment hashes whole blobs natively (browsers: WebCrypto, measured at 600 MiB/s
// in Chromium here, three times the wasm hash) and the blob fits its memory budget twice over,
// the entry is read whole instead: off the archive at once (`released` resolves, so the next
// entry can be read while this one uploads), hashed, and judged before it becomes one body that
// goes in one request.
export class ArchiveEntryReader {
  can;
  #ar;
  #ctx;
  #descriptor;
  #hash;
  #newBody;
  #pos = 0;
  #last = null;
  #ahead = null; // { offset, length, built: Promise<body> }: the next range, built ahead
  #left = false; // the archive has moved past this entry
  #whole = null; // Promise<body> of the whole entry, verified, in whole mode
  #release;
  /** Resolves once this entry's bytes are all off the archive (whole mode only). */
  released = null;
  /** Called with the bytes read so far, in whole mode (see pushBlob's can.progress). */
  onBytes = () => {};

  constructor(ctx, ar, descriptor) {
    this.#ar = ar;
    this.#ctx = ctx;
    this.#descriptor = descriptor;
    this.#newBody = ctx.newBody;
    this.#hash = verifier(ctx, descriptor, 'source', `blob ${descriptor.digest} in the bundle`);
    const whole = !!(ctx.newBody && ctx.digestWhole && ctx.wholeBudget) && descriptor.size > 0 && 2 * descriptor.size <= ctx.wholeBudget.total;
    // whole: one body holds the blob, so one request can carry it (see pushBlob), and the bytes
    // read into it count as progress (onBytes) until then.
    this.can = { stream: true, body: !!ctx.newBody, progress: whole, whole };
    if (whole) this.released = new Promise((ok) => (this.#release = ok));
  }

  #forward(offset) {
    if (offset !== this.#pos) {
      throw bad('ARCHIVE_REWIND', `the registry asked for blob ${this.#descriptor.digest} from byte ${offset}, which the archive stream has passed`);
    }
  }

  // The next piece of at most n bytes, hashed (unless it will be hashed whole); the digest is
  // judged when the last byte is read.
  #piece(n, hashed = true) {
    const piece = this.#ar.read(Math.min(PIECE, n));
    if (!piece.length) throw bad('ARCHIVE_TRUNCATED', `blob ${this.#descriptor.digest} ended early in the archive`);
    this.#pos += piece.length;
    if (!hashed) return piece;
    this.#hash.update(piece);
    if (this.#pos === this.#descriptor.size) this.#judge(() => this.#hash.finish());
    return piece;
  }

  #judge(verdict) {
    try {
      verdict();
    } catch (e) {
      throw bad(e.code, `${e.message}: the archive is corrupt or tampered with`);
    }
  }

  async read(offset, length) {
    const last = this.#last;
    if (last && offset >= last.offset && offset + length <= last.offset + last.bytes.length) {
      return last.bytes.subarray(offset - last.offset, offset - last.offset + length);
    }
    this.#stopWhole();
    this.#forward(offset);
    const out = new Uint8Array(length);
    for (let filled = 0; filled < length;) {
      const piece = this.#piece(length - filled);
      out.set(piece, filled);
      filled += piece.length;
    }
    this.#last = { offset, bytes: out };
    return out;
  }

  async *stream(offset, length) {
    this.#stopWhole();
    this.#forward(offset);
    this.#last = null;
    for (let left = length; left > 0;) {
      const piece = this.#piece(left);
      left -= piece.length;
      yield piece;
    }
  }

  #build(offset, length) {
    if (this.#left) throw bad('ARCHIVE_REWIND', `blob ${this.#descriptor.digest}: its archive entry is no longer being read`);
    this.#forward(offset);
    this.#last = null;
    const builder = this.#newBody();
    for (let left = length; left > 0;) {
      const piece = this.#piece(left);
      left -= piece.length;
      builder.add(piece);
    }
    return builder.finish();
  }

  // Not whole after all (a read or stream asked first): the stream is this reader's to the end.
  #stopWhole() {
    if (this.#whole || !this.#release) return;
    this.#release = null;
    this.released = null;
    this.can = { ...this.can, whole: false, progress: false };
  }

  // Whole mode: the budget first, then the entry off the archive in one go, into a buffer of its
  // own and from there into a Blob body piece by piece, as streamed bodies are built; once the
  // browser holds the Blob's bytes, the native hash of the buffer, judged before the body is
  // handed out. The buffer is this entry's alone: the archive moves on to the next entry (which
  // reads whole too) while this one is still being hashed, so a buffer shared between entries
  // would be hashed after the next one overwrote it. The budget is held for twice the blob (the
  // buffer, and the Blob's bytes on their way out or WebCrypto's copy, one after the other) until
  // then. False when the blob won't fit the budget.
  async #loadWhole() {
    const { size } = this.#descriptor;
    const budget = this.#ctx.wholeBudget;
    if (!(await budget.reserve(2 * size))) return false;
    try {
      if (this.#left || this.#pos !== 0) return false;
      const whole = new Uint8Array(size);
      const builder = this.#newBody();
      // Into the Blob in 8 MiB parts: each part is a round trip to the browser.
      for (let added = 0; this.#pos < size;) {
        const at = this.#pos;
        whole.set(this.#piece(size - at, false), at);
        if (this.#pos - added >= BLOB_PART || this.#pos === size) {
          builder.add(whole.subarray(added, this.#pos)); // copies
          added = this.#pos;
          this.onBytes(added);
          await this.#ar.ready?.(); // the file is read ahead meanwhile (file-source-browser.js)
        }
      }
      this.#release?.();
      const body = builder.finish();
      // A read of its last byte waits until the browser has taken in the whole Blob.
      await body.slice(size - 1, size).arrayBuffer?.();
      const got = await this.#ctx.digestWhole(whole, this.#hash.algorithm);
      this.#judge(() => this.#hash.judge(got, size));
      return body;
    } finally {
      budget.release(2 * size);
    }
  }

  // Browsers: while one body uploads, the worker would sit idle until the response; it builds
  // the next range then (inflate, hash), so that the archive and the network overlap.
  async body(offset, length) {
    if (this.#release && !this.#whole && this.#pos === 0) {
      const whole = this.#loadWhole();
      this.#whole = whole;
      whole.catch(() => {});
      if (!(await whole)) this.#whole = null; // over the budget: stream it in ranges
      this.#release?.(); // nothing more is taken off the archive early
    }
    if (this.#whole) return (await this.#whole).slice(offset, offset + length);
    const ahead = this.#ahead;
    this.#ahead = null;
    const body = ahead && ahead.offset === offset && ahead.length === length
      ? await ahead.built
      : (await ahead?.built.catch(() => {}), this.#build(offset, length));
    const next = offset + length;
    if (next < this.#descriptor.size) {
      const n = Math.min(length, this.#descriptor.size - next);
      const built = new Promise((ok) => setTimeout(ok, 0)).then(() => this.#build(next, n));
      built.catch(() => {}); // judged when (if) that range is asked for
      this.#ahead = { offset: next, length: n, built };
    }
    return body;
  }

  /** The archive moves on to its next entry: only what this reader holds whole stays readable. */
  leave() {
    this.#left = true;
    this.#release?.();
  }

  /** The upload is over (done or failed): its body can go. */
  close() {
    this.leave();
    this.#hash.dispose?.();
    this.#whole = null;
  }
}

// A blob the scan kept in memory (verified there), served as the ranges an upload asks for.
class KeptBlobReader {
  can = { stream: false, body: false, progress: false };
  #bytes;
  constructor(bytes) {
    this.#bytes = bytes;
  }
  async read(offset, length) {
    return this.#bytes.subarray(offset, offset + length);
  }
  close() {}
}

/** The blobs kept in memory as entries, then those of `rest`. */
export function* keptThenRest(ctx, blobs, rest) {
  for (const [digest, b] of blobs) {
    if (!b.forUpload || !b.bytes) continue;
    const { bytes } = b;
    yield { digest, reader: () => new KeptBlobReader(bytes) };
    b.bytes = null;
  }
  yield* rest;
}

/**
 * One pass over the archive's blob entries: { digest, reader(descriptor) } in archive order, from
 * `first` (an entry whose header `ar` has just read) or the next. layout: where the layout is in
 * the archive (a path prefix); sizes records each blob entry's size; onEnd() runs once the
 * archive has ended (and may throw).
 */
export function* archiveEntries(ctx, ar, first = null, { sizes = null, onEnd = null, layout = LAYOUT } = {}) {
  let reader = null;
  try {
    for (let entry = first ?? ar.next(); entry; entry = ar.next()) {
      requireRegular(entry);
      if (entry.type === 'dir') continue;
      const digest = blobDigest(entryPath(entry), layout);
      if (!digest) {
        ar.skip();
        continue;
      }
      sizes?.set(digest, entry.size);
      reader = null;
      yield { digest, reader: (d) => {
        if (entry.size !== d.size) throw bad('BLOB_SIZE_MISMATCH', `blob ${d.digest} is ${entry.size} bytes in the archive; its descriptor says ${d.size}`);
        reader = new ArchiveEntryReader(ctx, ar, d);
        return reader;
      } };
      const used = !!reader;
      reader?.leave(); // nothing it built ahead reads on into the next entry
      reader = null;
      if (!used) ar.skip();
    }
    onEnd?.();
  } finally {
    reader?.leave();
    ar.close();
  }
}
