// Reads one blob from a file in the byte ranges a target asks for, hashing every byte in order
// and checking size and digest when the last byte is read, before it is handed out.
import { open } from 'node:fs/promises';

import { IrelError } from '../errors.js';

const PIECE = 1 << 20;

export class FileBlobReader {
  #path;
  #descriptor;
  #newHash;
  #side;
  #file = null;
  #hash;
  #pos = 0; // bytes hashed, always a prefix of the file
  #total = 0;
  onBytes = () => {};

  constructor({ path, descriptor, newHash, side = 'source' }) {
    this.#path = path;
    this.#descriptor = descriptor;
    this.#newHash = newHash;
    this.#hash = newHash();
    this.#side = side;
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
      this.#hash = this.#newHash(); // rewound: hash again from the start
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
    this.#hash.update(buf);
    this.#pos += n;
    this.#total += n;
    this.onBytes(this.#total);
    if (this.#pos === this.#descriptor.size) await this.#verifyEnd();
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

  async #verifyEnd() {
    const digest = this.#hash.digest();
    if (digest !== this.#descriptor.digest) {
      throw new IrelError({ code: 'DIGEST_MISMATCH', side: this.#side,
        message: `blob ${this.#descriptor.digest} in the layout hashes to ${digest}: nothing was committed` });
    }
  }

  async close() {
    await this.#file?.close();
    this.#file = null;
  }
}
