import { formatPlan } from './plan-format.js';
import { createProgress, formatBytes } from './progress.js';
import { REFERRER_OPTIONS, REFERRER_USAGE, referrerOptions, reportReferrers } from './referrer-options.js';
import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

export const copyCommand = {
  name: 'copy',
  usage: `Usage: irel copy [OPTIONS] SRC DST

Copies the image or index SRC to DST with the same digest: every platform of a multi-arch image,
blobs the target already has skipped, blobs mounted across repositories of one registry, big
layers streamed in chunks. The tag of DST is written last, only once everything it points to is
in place. Prints "copied SRC to DST with content digest sha256:..." on standard output.

SRC and DST are places, named as skopeo names them:
  [docker://]REF                    an image in a registry (the default)
  oci:DIR[:NAME]                    an OCI image layout directory (created if needed)
  oci-archive:FILE[:NAME]           a tar of an OCI layout (.tar, .tar.gz/.tgz, .tar.zst)
  docker-archive:FILE[:REF]         a docker save tarball (Docker 25 and later: an OCI layout
                                    inside; older ones, layers only, are converted)
NAME picks the image of a layout or archive (a ref name or a plain tag; :@N the Nth image);
without one, a source must hold one image. An archive is read as one stream, never unpacked,
every blob verified; one is written whole (a temporary file renamed over FILE) or not at all.

Options:
  -j, --jobs N                      blobs in flight at once (default 16; small blobs up to 16, large ones within 512 MiB in flight)
      --platform OS/ARCH[/VARIANT]  copy only these platforms of an index (repeatable); the copy
                                    then gets a new digest, which the output says
      --include-nondistributable    also copy foreign (non-distributable) layers
  -n, --dry-run                     print the plan (blobs to upload, mount or skip, with bytes)
                                    having only read the source and asked the target what it
                                    has; nothing is written
      --json                        with --dry-run: the plan as JSON
  -q, --quiet                       no progress on standard error
      --all                         SRC an archive: copy each of its images, to DST's repository
                                    under the image's own tag
      --verify-first                SRC an archive: verify all of it before writing anything
${REFERRER_USAGE}
${REGISTRY_USAGE}

Exit status: 0 copied (or planned), 1 failure (the error says which side failed; a referrer not
copied counts unless --referrers best-effort), 2 usage error.`,
  options: {
    jobs: { type: 'string', short: 'j' },
    platform: { type: 'string', multiple: true },
    'include-nondistributable': { type: 'boolean' },
    'dry-run': { type: 'boolean', short: 'n' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    all: { type: 'boolean' },
    'verify-first': { type: 'boolean' },
    ...REFERRER_OPTIONS,
    ...REGISTRY_OPTIONS,
  },

  async run({ values, positionals }, io, irel) {
    if (positionals.length !== 2) throw new UsageError('expected SRC and DST', this);
    const [src, dst] = positionals;
    const places = [src, dst].map((r) => irel.parsePlace(r));
    for (const r of places) if (!r.ok) throw new UsageError(`${JSON.stringify(r.input)}: ${r.error.message}`, this);
    // Credentials by registry: only registry places have one.
    const domain = (p) => (p.place.transport === 'docker' ? irel.parse(p.place.reference).reference?.domain : undefined);
    if (values.all && !['oci-archive', 'docker-archive'].includes(places[0].place.transport)) {
      throw new UsageError('--all copies every image of an archive: SRC must be oci-archive:FILE or docker-archive:FILE', this);
    }
    if (values.json && !values['dry-run']) throw new UsageError('--json goes with --dry-run', this);
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs); // undefined: the engine's default
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) throw new UsageError('--jobs must be an integer from 1 to 64', this);
    const dryRun = !!values['dry-run'];
    const referrers = referrerOptions(values, this);
    const progress = createProgress(io.stderr, { quiet: values.quiet || dryRun });
    const controller = new AbortController();
    const onSignal = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      const summary = await irel.copy(src, dst, {
        jobs,
        platforms: values.platform ?? [],
        includeNondistributable: !!values['include-nondistributable'],
        dryRun,
        signal: controller.signal,
        onProgress: progress.onProgress,
        ...referrers,
        all: !!values.all,
        verifyFirst: !!values['verify-first'],
        ...registryOptions(values, { src: domain(places[0]), dst: domain(places[1]) }),
      });
      progress.finish();
      if (dryRun) {
        for (const plan of values.all ? summary.images : [summary]) {
          io.stdout.write(values.json ? `${JSON.stringify(plan)}\n` : `${formatPlan(plan).join('\n')}\n`);
        }
        return 0;
      }
      if (values.all) {
        for (const i of summary.images) io.stdout.write(`copied ${i.image} from ${src} to ${i.target} with content digest ${i.digest}\n`);
        return reportReferrers(summary, values, io, '', progress.shownFailures) ? 1 : 0;
      }
      let line = `copied ${src} to ${dst} with content digest ${summary.digest}`;
      if (summary.converted) line += ` (${summary.converted})`;
      if (summary.rewritten) {
        line += ` (only ${summary.platforms.join(', ')}: the source index ${summary.sourceDigest} was filtered, so the digest differs)`;
      }
      io.stdout.write(`${line}\n`);
      if (!values.quiet) {
        const b = summary.blobs;
        io.stderr.write(`blobs: ${b.uploaded} uploaded (${formatBytes(summary.bytes.uploaded)}), ${b.mounted} mounted, ` +
          `${b.present} already present${b.foreign ? `, ${b.foreign} foreign not copied` : ''}; ${summary.manifests} manifests\n`);
      }
      return reportReferrers(summary, values, io, '', progress.shownFailures) ? 1 : 0;
    } finally {
      progress.finish();
      process.removeListener('SIGINT', onSignal);
      irel.close();
    }
  },
};
