#!/usr/bin/env node
import { run } from './run.js';

let code;
try {
  code = await run(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (e) {
  process.stderr.write(`irel: ${e?.stack ?? e}\n`);
  code = 1;
}
// The command is over: exit once stdout and stderr have taken what was written, rather than
// wait for the event loop to wind down (sockets closing, timers of abandoned probes), which
// cost a copy with nothing to do 20-30 ms. `irel serve` never returns from run().
const flushed = (stream) => new Promise((ok) => (stream.writableLength ? stream.write('', ok) : ok()));
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
