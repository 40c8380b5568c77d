// Reads one blob from a file in the byte ranges a target asks for, hashing every byte in order
// and checking size and digest (any algorithm: digest-check.js) when the last byte is read,
// before it is handed out.
import { open } from 'node:fs/promises';

import { IrelError } from '../errors.js';
import { verifier } from '../registry/digest-check.js';

const PIECE = 1 << 20;

export class FileBlobReader {
  #path;
  #descriptor;
  #side;
  #file = null;
  #verifier;
  #pos = 0; // bytes hashed, always a prefix of the file
  #total = 0;
  onBytes = () => {};
  /** What this reader offers besides read() (see transfer/place.js). */
  can = { stream: true, body: false, progress: true };

  /** ctx: { core, newHash } for the verifier; where: how errors name the file's place ('in layout DIR'). */
  constructor({ ctx, path, descriptor, side = 'source', where = 'in the layout' }) {
    this.#path = path;
    this.#descriptor = descriptor;
    this.#side = side;
    this.#verifier = verifier(ctx, descriptor, side, `blob ${descriptor.digest} ${where}`);
  }

  async read(offset, length) {
    const out = new Uint8Array(length);
    let filled = 0;
    for await (const piece of this.stream(offset, length)) {
      out.set(piece, filled);
      filled += piece.length;
    }
    return out;
  }

  async *stream(offset, length) {
    await this.#open();
    if (offset < this.#pos) {
      this.#verifier.reset(); // rewound: hash again from the start
      this.#pos = 0;
    }
    while (this.#pos < offset) await this.#piece(Math.min(PIECE, offset - this.#pos)); // hashed, not handed out
    let left = length;
    while (left > 0) {
      const piece = await this.#piece(Math.min(PIECE, left));
      left -= piece.length;
      yield piece;
    }
  }

  async #piece(n) {
    const buf = new Uint8Array(n);
    const { bytesRead } = await this.#file.read(buf, 0, n, this.#pos);
    if (bytesRead < n) {
      throw new IrelError({ code: 'BLOB_SIZE_MISMATCH', side: this.#side,
        message: `blob ${this.#descriptor.digest} (${this.#path}) is ${this.#pos + bytesRead} bytes; its descriptor says ${this.#descriptor.size}` });
    }
    this.#verifier.update(buf);
    this.#pos += n;
    this.#total += n;
    this.onBytes(this.#total);
    if (this.#pos === this.#descriptor.size) this.#verifier.finish();
    return buf;
  }

  async #open() {
    if (this.#file) return;
    try {
      this.#file = await open(this.#path, 'r');
    } catch (e) {
      throw new IrelError({ code: 'BLOB_UNKNOWN', side: this.#side,
        message: `blob ${this.#descriptor.digest} is missing from the layout (${e.code ?? e.message})` });
    }
    const { size } = await this.#file.stat();
    if (size !== this.#descriptor.size) {
      throw new IrelError({ code: 'BLOB_SIZE_MISMATCH', side: this.#side,
        message: `blob ${this.#descriptor.digest} is ${size} bytes; its descriptor says ${this.#descriptor.size}` });
    }
  }

  async close() {
    this.#verifier.dispose();
    await this.#file?.close();
    this.#file = null;
  }
}
