// Batched line output with backpressure, and line input from arguments or standard input, so that
// a batch of any size runs in one process and one module instance with flat memory.
import { createInterface } from 'node:readline';

export class LineWriter {
  #stream;
  #buffer = '';

  constructor(stream) {
    this.#stream = stream;
  }

  /** Buffers a line; returns a promise only when the buffer was flushed (await it then). */
  line(text) {
    this.#buffer += text + '\n';
    return this.#buffer.length >= 1 << 16 ? this.flush() : undefined;
  }

  async flush() {
    if (!this.#buffer) return;
    const chunk = this.#buffer;
    this.#buffer = '';
    if (!this.#stream.write(chunk)) {
      await new Promise((resolve) => this.#stream.once('drain', resolve));
    }
  }
}

/** The inputs: the positional arguments, or else stdin one per line (trimmed, blank lines skipped). */
export async function* inputs(positionals, stdin) {
  if (positionals.length > 0) {
    yield* positionals;
    return;
  }
  const lines = createInterface({ input: stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    const trimmed = line.trim();
    if (trimmed) yield trimmed;
  }
}
