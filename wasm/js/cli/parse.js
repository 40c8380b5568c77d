import { inputs, LineWriter } from './io.js';

export const parseCommand = {
  name: 'parse',
  usage: `Usage: irel parse [REF...]

Parses each image reference and prints one JSON object per line:
  {"input","name","domain","path","tag","digest","string","familiar"}
or, for an invalid reference, {"input","error":{"code","message"}}.
With no REF, reads references from standard input, one per line, until EOF.

Exit status: 0 all valid, 1 any invalid, 2 usage error.`,
  options: {},

  async run({ positionals }, io, irel) {
    const out = new LineWriter(io.stdout);
    let failed = 0;
    for await (const input of inputs(positionals, io.stdin)) {
      const r = irel.parse(input);
      if (r.ok) {
        const { name, domain, path, tag, digest, string, familiar } = r.reference;
        await out.line(JSON.stringify({ input, name, domain, path, tag, digest, string, familiar }));
      } else {
        failed++;
        await out.line(JSON.stringify({ input, error: r.error }));
      }
    }
    await out.flush();
    return failed ? 1 : 0;
  },
};
