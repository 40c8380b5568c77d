import { inputs, LineWriter } from './io.js';
import { UsageError } from './usage-error.js';

export const mapCommand = {
  name: 'map',
  usage: `Usage: irel map -r PREFIX [--json] [REF...]

Prints the relocated reference of each REF under the repository PREFIX, one per line, with the
path mapping of the image-relocation project: PREFIX/<flattened path>-<md5 of the name>, keeping
the original tag and digest. With no REF, reads references from standard input, one per line.

Options:
  -r, --repository-prefix PREFIX  where relocated images go, e.g. registry.example.com/team
      --json                      print {"input","output"} or {"input","error"} per line
                                  (without it, errors go to standard error)

Exit status: 0 all mapped, 1 any reference invalid, 2 usage error (including an invalid PREFIX).`,
  options: {
    'repository-prefix': { type: 'string', short: 'r' },
    json: { type: 'boolean' },
  },

  async run({ values, positionals }, io, irel) {
    const prefix = values['repository-prefix'];
    if (prefix === undefined) throw new UsageError('missing -r PREFIX', this);
    const checked = irel.checkPrefix(prefix);
    if (!checked.ok) throw new UsageError(checked.error.message, this);

    const out = new LineWriter(io.stdout);
    let failed = 0;
    let batch = [];
    const flushBatch = async () => {
      for (const r of irel.mapAll(prefix, batch)) {
        let flushed;
        if (r.ok) {
          flushed = out.line(values.json ? JSON.stringify({ input: r.input, output: r.output }) : r.output);
        } else {
          failed++;
          if (values.json) flushed = out.line(JSON.stringify({ input: r.input, error: r.error }));
          else io.stderr.write(`irel map: ${JSON.stringify(r.input)}: ${r.error.message}\n`);
        }
        if (flushed) await flushed;
      }
      batch = [];
    };
    for await (const input of inputs(positionals, io.stdin)) {
      batch.push(input);
      if (batch.length === 4096) await flushBatch();
    }
    await flushBatch();
    await out.flush();
    return failed ? 1 : 0;
  },
};
