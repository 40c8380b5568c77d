import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

export const digestCommand = {
  name: 'digest',
  usage: `Usage: irel digest [OPTIONS] REF

Prints the digest of the manifest or index REF names, as its registry serves it.

${REGISTRY_USAGE.replace('      --dest-creds USER:PASS    credentials for the target registry\n', '')}

Exit status: 0 success, 1 failure (the error names the registry and its error code), 2 usage error.`,
  options: { ...REGISTRY_OPTIONS },

  async run({ values, positionals }, io, irel) {
    if (positionals.length !== 1) throw new UsageError('expected exactly one REF', this);
    const [ref] = positionals;
    const parsed = irel.parse(ref);
    if (!parsed.ok) throw new UsageError(parsed.error.message, this);
    const opts = registryOptions(values, { src: parsed.reference.domain });
    try {
      io.stdout.write(`${await irel.digest(ref, opts)}\n`);
      return 0;
    } finally {
      irel.close();
    }
  },
};
