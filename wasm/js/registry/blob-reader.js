// Reads one source blob as a stream in the byte ranges an upload asks for, hashing every byte
// once, resuming an interrupted download with a Range request (under the retry policy,
// retry.js), and verifying size and digest (any algorithm: digest-check.js) when the last byte
// has been read, before that byte is sent anywhere.
import { IrelError } from '../errors.js';
import { verifier } from './digest-check.js';
import { isRetryableError } from './retry.js';

const BODY_PIECE = 4 << 20; // bytes held in JS memory at a time while body() builds a body

export class BlobReader {
  #client;
  #url;
  #descriptor;
  #verifier;
  #newBody;
  #digestWhole;
  #wholeBudget;
  #reserved = 0; // bytes of wholeBudget this reader holds
  #whole = null; // the whole blob, verified, when it was read whole
  #hashing = true; // false while a whole blob is read for digestWhole
  #signal;
  #total = 0;
  /** Called with the running count of bytes read from the source (settable). */
  onBytes = () => {};
  /** What this reader offers besides read() (see transfer/place.js); body() only with newBody. */
  can = { stream: true, body: false, progress: true };
  #iterator = null;
  #carry = null; // bytes read from the stream beyond the last range
  #pos = 0; // bytes consumed from the stream and hashed
  #last = null; // { offset, bytes } of the last range, kept for re-sends
  #lastBody = null; // { offset, length, body } of the last body(), kept for re-sends
  #buffer = null; // reused for each range read: fresh 16 MiB buffers cost page faults
  #early = null; // Promise of the response to a GET sent by start(), not yet read

  /**
   * ctx: newHash(algorithm) and core (for the verifier), and optionally newBody and digestWhole
   * with wholeBudget. client: the source's RegistryClient (its retry policy is the reader's).
   * newBody (optional): () => { add(bytes), finish() -> body with slice(start, end) }, a way to
   * build a request body that keeps its bytes outside JS memory (a Blob in browsers). With it,
   * the reader offers body().
   * digestWhole (optional, with wholeBudget: { async reserve(n) -> bool, release(n) }): async
   * (bytes, algorithm) => 'algorithm:…', a faster one-shot hash (WebCrypto's: native, off the
   * worker's thread). While the budget (shared by the blobs in flight) has room for the blob,
   * body() reads it whole into memory, hashes it once and serves every range from it; otherwise
   * it streams through newHash.
   */
  constructor({ ctx, client, url, descriptor, signal }) {
    this.#signal = signal;
    this.#newBody = ctx.newBody;
    this.#digestWhole = ctx.digestWhole;
    this.#wholeBudget = ctx.wholeBudget;
    this.can = { ...this.can, body: !!this.#newBody };
    this.#client = client;
    this.#url = url;
    this.#descriptor = descriptor;
    this.#verifier = verifier(ctx, descriptor, 'source', `blob ${descriptor.digest}`);
  }

  /**
   * Sends the GET now, before the upload asks for bytes: over a network its round trip then
   * overlaps the upload's start (POST) instead of following it.
   */
  start() {
    if (this.#iterator || this.#early || this.#pos > 0) return;
    this.#early = this.#request();
    this.#early.catch(() => {}); // judged when read (and retried there)
  }

  /** The bytes [offset, offset+length): valid until the next read() or close(). */
  async read(offset, length) {
    const last = this.#last;
    if (last && offset >= last.offset && offset + length <= last.offset + last.bytes.length) {
      return last.bytes.subarray(offset - last.offset, offset - last.offset + length);
    }
    this.#last = null; // its bytes are about to be overwritten
    this.#lastBody = null;
    await this.#seek(offset);
    const bytes = await this.#take(length);
    this.#last = { offset, bytes };
    if (offset + length === this.#descriptor.size) await this.#verifyEnd();
    return bytes;
  }

  /**
   * The range [offset, offset+length) as a request body from `newBody`, built in pieces so that
   * JS memory holds one piece however large the range; verified as read() is.
   */
  async body(offset, length) {
    if (!this.#whole && await this.#mayReadWhole()) await this.#readWhole();
    if (this.#whole) return this.#bodyOf(this.#whole.subarray(offset, offset + length));
    const last = this.#lastBody;
    if (last && offset >= last.offset && offset + length <= last.offset + last.length) {
      return last.body.slice(offset - last.offset, offset - last.offset + length);
    }
    this.#lastBody = null;
    this.#last = null;
    await this.#seek(offset);
    const builder = this.#newBody();
    for (let left = length; left > 0;) {
      const n = Math.min(left, BODY_PIECE);
      builder.add(await this.#take(n)); // add() copies: the buffer is reused for the next piece
      left -= n;
    }
    if (offset + length === this.#descriptor.size) await this.#verifyEnd();
    const body = builder.finish();
    this.#lastBody = { offset, length, body };
    return body;
  }

  // Only from the start of a fresh stream, and while the budget has room.
  async #mayReadWhole() {
    const { size } = this.#descriptor;
    if (!this.#digestWhole || !this.#wholeBudget || this.#pos > 0 || this.#carry) return false;
    if (!(await this.#wholeBudget.reserve(size))) return false;
    this.#reserved = size;
    return true;
  }

  // The whole blob into memory, verified with digestWhole before any of it becomes a body.
  async #readWhole() {
    this.#hashing = false;
    let bytes;
    try {
      bytes = await this.#take(this.#descriptor.size);
    } finally {
      this.#hashing = true;
    }
    await this.#closeStream();
    this.#verifier.judge(await this.#digestWhole(bytes, this.#verifier.algorithm), bytes.length);
    this.#whole = bytes;
  }

  #bodyOf(bytes) {
    const builder = this.#newBody();
    builder.add(bytes);
    return builder.finish();
  }

  /**
   * The bytes [offset, offset+length) as they arrive, for a streamed request body: nothing is
   * buffered beyond one network chunk. The digest is checked before the last piece is yielded.
   */
  async *stream(offset, length) {
    await this.#seek(offset);
    let left = length;
    while (left > 0) {
      let chunk = this.#carry;
      this.#carry = null;
      if (!chunk) chunk = await this.#nextChunk();
      if (chunk.length > left) {
        this.#carry = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      if (left === 0 && offset + length === this.#descriptor.size) await this.#verifyEnd();
      yield chunk;
    }
  }

  // Positions the stream so that the next byte handed out is `offset`.
  async #seek(offset) {
    let streamPos = this.#pos - (this.#carry?.length ?? 0);
    if (offset < streamPos) {
      await this.#restart(); // the target lost data we already streamed by: read it again
      streamPos = 0;
    }
    while (offset > streamPos) {
      // Skipped bytes are still hashed (in #nextChunk), just not kept.
      let chunk = this.#carry;
      this.#carry = null;
      if (!chunk) chunk = await this.#nextChunk();
      const n = Math.min(chunk.length, offset - streamPos);
      if (n < chunk.length) this.#carry = chunk.subarray(n);
      streamPos += n;
    }
  }

  /** Releases the source stream (after a mount, a failure, or a cancel). */
  close() {
    this.#verifier.dispose(); // a hash never finished (mounted, failed, or hashed whole) holds wasm memory
    this.#wholeBudget?.release(this.#reserved);
    this.#reserved = 0;
    this.#whole = null;
    this.#buffer = null;
    this.#last = null;
    this.#lastBody = null;
    return this.#closeStream();
  }

  async #restart() {
    await this.#closeStream();
    this.#verifier.reset();
    this.#pos = 0;
    this.#carry = null;
    this.#last = null;
  }

  async #closeStream() {
    if (this.#iterator) await this.#iterator.return?.().catch(() => {});
    this.#iterator = null;
    const early = this.#early; // sent by start() and never read: its body is dropped unread
    this.#early = null;
    if (early) await early.then((res) => (res.cancel ? res.cancel() : res.drain()), () => {});
  }

  // Exactly `length` bytes from the current position, in the reused buffer.
  async #take(length) {
    if (!this.#buffer || this.#buffer.length < length) this.#buffer = new Uint8Array(length);
    const out = this.#buffer.subarray(0, length);
    let filled = 0;
    while (filled < length) {
      let chunk = this.#carry;
      this.#carry = null;
      if (!chunk) chunk = await this.#nextChunk();
      const n = Math.min(chunk.length, length - filled);
      out.set(chunk.subarray(0, n), filled);
      filled += n;
      if (n < chunk.length) this.#carry = chunk.subarray(n);
    }
    return out;
  }

  // The next chunk of the stream (hashed), reopening it from #pos after a failure: the retry
  // policy counts the failures since bytes last arrived.
  async #nextChunk() {
    const retrying = this.#client.retrying(this.#signal);
    for (;;) {
      try {
        if (!this.#iterator) {
          const early = this.#early;
          this.#early = null;
          const res = await (early ?? this.#request());
          if (await retrying.again({ response: res })) continue;
          await this.#open(res);
          if (this.#carry) {
            const carried = this.#carry; // already hashed while skipping a Range-less answer
            this.#carry = null;
            return carried;
          }
        }
        const { done, value } = await this.#iterator.next();
        if (done) {
          this.#iterator = null;
          throw new IrelError({
            code: 'BLOB_SIZE_MISMATCH',
            message: `source blob ${this.#descriptor.digest} ended after ${this.#pos} bytes; its descriptor says ${this.#descriptor.size}`,
            side: 'source',
          });
        }
        const chunk = value;
        if (this.#pos + chunk.length > this.#descriptor.size) {
          throw new IrelError({
            code: 'BLOB_SIZE_MISMATCH',
            message: `source blob ${this.#descriptor.digest} is larger than the ${this.#descriptor.size} bytes its descriptor says`,
            side: 'source',
          });
        }
        if (this.#hashing) this.#verifier.update(chunk);
        this.#pos += chunk.length;
        this.#total += chunk.length;
        this.onBytes(this.#total);
        return chunk;
      } catch (e) {
        if (this.#signal?.aborted || !isRetryableError(e)) throw e;
        await this.#closeStream();
        if (await retrying.again({ error: e })) continue;
        throw e instanceof IrelError ? e : this.#client.networkError(e, { method: 'GET', url: this.#url });
      }
    }
  }

  // One GET from #pos; the loop above retries it (network errors, retryable statuses).
  #request() {
    const headers = this.#pos > 0 ? { Range: `bytes=${this.#pos}-` } : {};
    return this.#client.send({ method: 'GET', url: this.#url, headers }, { retry: false });
  }

  async #open(res) {
    if (res.status !== 200 && res.status !== 206) {
      throw await this.#client.error(res, 'GET', `blob ${this.#descriptor.digest}`);
    }
    const iterator = res.chunks()[Symbol.asyncIterator]();
    if (this.#pos > 0 && res.status === 200) {
      // The registry ignored Range: drop what we already have.
      let skip = this.#pos;
      while (skip > 0) {
        const { done, value } = await iterator.next();
        if (done) break;
        if (value.length > skip) {
          this.#carry = value.subarray(skip);
          if (this.#hashing) this.#verifier.update(this.#carry);
          this.#pos += this.#carry.length;
          skip = 0;
        } else {
          skip -= value.length;
        }
      }
    }
    this.#iterator = iterator;
  }

  async #verifyEnd() {
    await this.#finishStream();
    this.#verifier.finish();
  }

  // Every byte the descriptor names has arrived: read the response to its end, so that its
  // connection goes back to the keep-alive pool (closing the stream early destroys the socket,
  // and every later blob would pay a new connection: a round trip, more with TLS). A source that
  // sends more than the descriptor says is refused.
  async #finishStream() {
    const it = this.#iterator;
    if (it && !this.#carry) {
      try {
        const { done, value } = await it.next();
        if (!done && value?.length) {
          throw new IrelError({
            code: 'BLOB_SIZE_MISMATCH',
            message: `source blob ${this.#descriptor.digest} is larger than the ${this.#descriptor.size} bytes its descriptor says`,
            side: 'source',
          });
        }
        if (done) this.#iterator = null;
      } catch (e) {
        if (e instanceof IrelError) throw e;
        // A body cut after its last byte: the bytes are all here; the connection is not reused.
      }
    }
    await this.#closeStream();
  }
}
