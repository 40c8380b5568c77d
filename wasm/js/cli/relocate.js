import { readFile } from 'node:fs/promises';

import { writeFileAtomic } from '../node/atomic-file.js';
import { inputs } from './io.js';
import { formatPlan } from './plan-format.js';
import { createProgress } from './progress.js';
import { REFERRER_OPTIONS, REFERRER_USAGE, referrerOptions, reportReferrers } from './referrer-options.js';
import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

export const relocateCommand = {
  name: 'relocate',
  usage: `Usage: irel relocate -r PREFIX [OPTIONS] [REF...]

Relocates each image to its name under PREFIX (the name 'irel map' prints), digest preserved, as
'irel copy' copies one. The images come from the arguments, or from FILE (-f), or else from
standard input, one per line (blank lines and lines starting with # skipped). Writes the
relocation mapping ({"original": "relocated"}, the format of the bundle commands) of the images
relocated to standard output, or to FILE with -o. An image that fails does not stop the others:
each failure is reported on standard error, and the images relocated stay relocated.

Options:
  -r, --repository-prefix PREFIX    where the images go, e.g. registry.internal/team (required)
  -f, --file FILE                   read the references from FILE
  -o, --output FILE                 write the mapping to FILE (whole, or not at all)
  -j, --jobs N                      blobs in flight at once (default 16; small blobs up to 16, large ones within 512 MiB in flight)
      --platform OS/ARCH[/VARIANT]  copy only these platforms of an index (repeatable); such an
                                    image gets a new digest
  -n, --dry-run                     print each image's plan (blobs to upload, mount or skip, with
                                    bytes) having only read the sources and asked the target what
                                    it has; nothing is written, no mapping file
      --json                        with --dry-run: the plans as JSON, one per line
  -q, --quiet                       no progress on standard error
${REFERRER_USAGE}
${REGISTRY_USAGE}
--src-creds applies to every source registry, --dest-creds to the prefix's registry.

Exit status: 0 all relocated (or planned), 1 any image failed (named on standard error), 2 usage error.`,
  options: {
    'repository-prefix': { type: 'string', short: 'r' },
    file: { type: 'string', short: 'f' },
    output: { type: 'string', short: 'o' },
    jobs: { type: 'string', short: 'j' },
    platform: { type: 'string', multiple: true },
    'dry-run': { type: 'boolean', short: 'n' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    ...REFERRER_OPTIONS,
    ...REGISTRY_OPTIONS,
  },

  async run({ values, positionals }, io, irel) {
    const prefix = values['repository-prefix'];
    if (!prefix) throw new UsageError('-r PREFIX is required', this);
    const checked = irel.checkPrefix(prefix);
    if (!checked.ok) throw new UsageError(`-r ${JSON.stringify(prefix)}: ${checked.error.message}`, this);
    const dryRun = !!values['dry-run'];
    if (values.json && !dryRun) throw new UsageError('--json goes with --dry-run', this);
    if (dryRun && values.output) throw new UsageError('a dry run writes no mapping: --output goes without --dry-run', this);
    if (values.file && positionals.length) throw new UsageError('give references as arguments or with -f FILE, not both', this);
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs); // undefined: the engine's default
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) throw new UsageError('--jobs must be an integer from 1 to 64', this);
    let lines;
    if (values.file) {
      let text;
      try {
        text = await readFile(values.file, 'utf8');
      } catch (e) {
        throw new UsageError(`-f ${values.file}: ${e.code ?? e.message}`, this);
      }
      lines = text.split(/\r?\n/);
    } else {
      lines = [];
      for await (const line of inputs(positionals, io.stdin)) lines.push(line);
    }
    const refs = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    if (!refs.length) throw new UsageError('no image references given', this);

    // Credentials: --src-creds for each source registry, --dest-creds for the prefix's.
    const sources = refs.map((ref) => irel.parse(ref)).filter((r) => r.ok).map((r) => r.reference.domain);
    const base = registryOptions(values, { src: [...new Set(sources)], dst: irel.parseReference(`${checked.prefix}/x`).domain });

    const progress = createProgress(io.stderr, { quiet: values.quiet || dryRun });
    const controller = new AbortController();
    const onSignal = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      const result = await irel.relocateImages(refs, prefix, {
        ...base, ...referrerOptions(values, this), jobs, platforms: values.platform ?? [], dryRun, signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'image' && e.phase === 'done') progress.print(`relocated ${e.image} to ${e.target} (${e.digest})`);
          progress.onProgress(e);
        },
      });
      progress.finish();
      for (const i of result.images) {
        if (!i.ok) io.stderr.write(`irel relocate: ${i.image}: ${i.error.message}${i.error.code ? ` [${i.error.code}]` : ''}\n`);
      }
      if (dryRun) {
        for (const i of result.images) {
          if (!i.ok) continue;
          io.stdout.write(values.json ? `${JSON.stringify(i.plan)}\n` : `${formatPlan(i.plan).join('\n')}\n`);
        }
      } else if (values.output) await writeFileAtomic(values.output, result.json);
      else io.stdout.write(result.json);
      let referrersFailed = false;
      for (const i of result.images) if (i.ok && reportReferrers(i.summary, values, io, i.image, progress.shownFailures)) referrersFailed = true;
      const done = result.images.length - result.failed;
      if (result.failed) {
        io.stderr.write(`irel relocate: ${done} of ${result.images.length} images ${dryRun ? 'planned' : 'relocated'}, ${result.failed} failed\n`);
      }
      return result.failed || referrersFailed ? 1 : 0;
    } finally {
      progress.finish();
      process.removeListener('SIGINT', onSignal);
      irel.close();
    }
  },
};
