#!/usr/bin/env node
import { run } from './run.js';

try {
  process.exitCode = await run(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  });
} catch (e) {
  process.stderr.write(`irel: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
}
