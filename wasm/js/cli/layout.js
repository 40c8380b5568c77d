import { createProgress } from './progress.js';
import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage:
  irel layout add [--name NAME] DIR REF
                                      pull the image REF into the OCI layout DIR (created if
                                      needed), named by REF's full name or NAME (e.g. a plain
                                      tag, as umoci expects)
  irel layout find DIR REF            print the digest of the image REF in DIR (REF: a name as
                                      written in the layout, the same image name in any
                                      spelling, a plain tag, or a digest)
  irel layout push DIR DIGEST REF     push the image or index DIGEST (or name) from DIR to REF

Layouts follow the OCI image-layout spec: readable by skopeo (oci:DIR:NAME) and umoci, and ones
they write are readable here. Blobs are verified against their digests as they are copied.

Options:
  -j, --jobs N      blobs in flight at once (default 16; small blobs up to 16, large ones within 512 MiB in flight)
  -q, --quiet       no progress on standard error
${REGISTRY_USAGE}

Exit status: 0 success, 1 failure, 2 usage error.`;

export const layoutCommand = {
  name: 'layout',
  usage: USAGE,
  options: { name: { type: 'string' }, jobs: { type: 'string', short: 'j' }, quiet: { type: 'boolean', short: 'q' }, ...REGISTRY_OPTIONS },

  async run({ values, positionals }, io, irel) {
    const [verb, ...args] = positionals;
    const want = { add: 2, find: 2, push: 3 }[verb];
    if (want === undefined) throw new UsageError(verb ? `unknown layout command ${JSON.stringify(verb)}` : 'expected add, find or push', this);
    if (args.length !== want) throw new UsageError(`layout ${verb} takes ${want} arguments`, this);
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs); // undefined: the engine's default
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) throw new UsageError('--jobs must be an integer from 1 to 64', this);
    if (verb === 'find') {
      io.stdout.write(`${await irel.layoutFind(args[0], args[1])}\n`);
      return 0;
    }
    const ref = verb === 'add' ? args[1] : args[2];
    const parsed = irel.parse(ref);
    if (!parsed.ok) throw new UsageError(`${JSON.stringify(ref)}: ${parsed.error.message}`, this);
    const progress = createProgress(io.stderr, { quiet: values.quiet });
    const opts = { jobs, onProgress: progress.onProgress, name: values.name,
      ...registryOptions(values, { src: parsed.reference.domain, dst: parsed.reference.domain }) };
    try {
      const summary = verb === 'add'
        ? await irel.layoutAdd(args[0], ref, opts)
        : await irel.layoutPush(args[0], args[1], ref, opts);
      progress.finish();
      io.stdout.write(verb === 'add'
        ? `added ${ref} to ${args[0]} with content digest ${summary.digest}\n`
        : `pushed ${args[1]} from ${args[0]} to ${ref} with content digest ${summary.digest}\n`);
      return 0;
    } finally {
      progress.finish();
      irel.close();
    }
  },
};
