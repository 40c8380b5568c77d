import { open, readFile } from 'node:fs/promises';

import { writeFileAtomic } from '../node/atomic-file.js';
import { formatPlan } from './plan-format.js';
import { createProgress } from './progress.js';
import { REFERRER_OPTIONS, REFERRER_USAGE, referrerOptions, reportReferrers } from './referrer-options.js';
import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage:
  irel bundle map BUNDLE -r PREFIX                 print the relocation mapping (no network)
  irel bundle relocate BUNDLE -r PREFIX [-o FILE]  copy every image, then write the mapping
                  [--dry-run [--json]]             or only print each image's plan
  irel bundle check BUNDLE MAPPING [--online]      check a mapping against the bundle
  irel bundle images BUNDLE                        one JSON line per image: digest, size, platforms
  irel bundle export BUNDLE -o OUT.tgz [--platform OS/ARCH[/VARIANT]]...
                                                   write a thick bundle from a thin one

BUNDLE is a CNAB bundle.json (a thin bundle) or an archive (.tgz/.tar.gz, .tar, .tar.zst,
.tar.xz: a thick bundle holding bundle.json and artifacts/layout/, an OCI layout named by the
original references). A thick bundle is streamed, never unpacked, and never contacts the
original registries. Relocating one whose manifests come before its layers (as "bundle export"
writes them) reads it once: the manifests, then each layer straight into the registry; an
archive found bad further on stops it before any manifest or tag is written. Other archives,
or --verify-first, are read twice: every blob verified first, then the blobs streamed.
Its relocatable images are those of invocationImages[] and images{} whose imageType is docker,
oci or absent; a contentDigest pins the image copied. The mapping is a JSON object from each original reference, exactly as the bundle
declares it, to its relocated reference (relocation-mapping.json), tags and digests kept.
"check" prints one line per image and exits 1 if any fails; --online also asks each relocated
image's registry for its digest, which must match the bundle's contentDigest, or for a thick
bundle the digest its archive holds, and that each referrer a thick bundle carries is there.
Referrers (signatures, attestations, SBOMs) travel with the images: "export" writes those of
each image into the layout, "images" lists them per image, "relocate" pushes them after the
images; a referrer not copied is named on standard error and the command exits 1 (the mapping
is still written: it names only images that are there) unless --referrers best-effort.

Options:
  -r, --repository-prefix PREFIX  where relocated images go
  -o, --output FILE               write the mapping here (atomically) instead of standard output
      --online                    check against the registries too
  -n, --dry-run                   relocate: print each image's plan (blobs to upload, mount or
                                  skip, with bytes) having only read the bundle and asked the
                                  target what it has; nothing is written
      --json                      with --dry-run: the plans as JSON, one per line
      --verify-first              relocate: verify the whole archive before writing anything
  -j, --jobs N                    blobs in flight per image (default 16; small blobs up to 16, large ones within 512 MiB in flight)
  -q, --quiet                     no progress on standard error
${REGISTRY_USAGE}

${REFERRER_USAGE}

Exit status: 0 success, 1 failure, 2 usage error.`;

async function canRead(path, what) {
  try {
    await (await open(path, 'r')).close();
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${e.code ?? e.message}`);
  }
}

async function readInput(path, what) {
  try {
    return await readFile(path);
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${e.code ?? e.message}`);
  }
}

export const bundleCommand = {
  name: 'bundle',
  usage: USAGE,
  options: {
    'repository-prefix': { type: 'string', short: 'r' },
    output: { type: 'string', short: 'o' },
    online: { type: 'boolean' },
    'dry-run': { type: 'boolean', short: 'n' },
    json: { type: 'boolean' },
    'verify-first': { type: 'boolean' },
    platform: { type: 'string', multiple: true },
    jobs: { type: 'string', short: 'j' },
    quiet: { type: 'boolean', short: 'q' },
    ...REGISTRY_OPTIONS,
    ...REFERRER_OPTIONS,
  },

  async run({ values, positionals }, io, irel) {
    const [verb, ...args] = positionals;
    const want = { map: 1, relocate: 1, check: 2, export: 1, images: 1 }[verb];
    if (want === undefined) throw new UsageError(verb ? `unknown bundle command ${JSON.stringify(verb)}` : 'expected map, relocate, check or export', this);
    if (args.length !== want) throw new UsageError(`bundle ${verb} takes ${want === 1 ? 'BUNDLE' : 'BUNDLE MAPPING'}`, this);
    // Only whether it can be read: a thick bundle is streamed, never read whole into memory.
    await canRead(args[0], 'bundle').catch((e) => { e.command = this; throw e; });
    const opened = irel.openBundle(args[0]);
    const bundle = opened.json;
    const prefix = values['repository-prefix'];
    // --src-creds for the bundle's registries, --dest-creds for the prefix's.
    const sources = [...new Set(opened.info.images.filter((i) => i.relocatable).map((i) => irel.parse(i.image))
      .filter((r) => r.ok).map((r) => r.reference.domain))];
    const dst = prefix !== undefined && irel.checkPrefix(prefix).ok ? irel.parseReference(`${prefix}/x`).domain : undefined;
    const withReferrers = referrerOptions(values, this);
    if (verb === 'images') {
      try {
        for (const i of await opened.describe({ ...registryOptions(values, { src: sources }), ...withReferrers })) io.stdout.write(`${JSON.stringify(i)}\n`);
        return 0;
      } finally {
        irel.close();
      }
    }
    if (verb === 'export') {
      if (!values.output) throw new UsageError('missing -o OUT.tgz', this);
      if (opened.kind === 'thick') throw new UsageError(`${args[0]} is already a thick bundle`, this);
      const progress = createProgress(io.stderr, { quiet: values.quiet });
      try {
        const r = await irel.bundleExport(bundle, values.output, {
          ...registryOptions(values, { src: sources }), ...withReferrers, platforms: values.platform ?? [], onProgress: progress.onProgress });
        progress.finish();
        const referrers = r.referrers ? `, ${r.referrers.copied} referrer${r.referrers.copied === 1 ? '' : 's'}` : '';
        io.stdout.write(`wrote ${values.output} with ${r.images.length} images${referrers}\n`);
        return reportReferrers(r, values, io) ? 1 : 0;
      } finally {
        progress.finish();
        irel.close();
      }
    }
    if (verb !== 'check') {
      if (prefix === undefined) throw new UsageError('missing -r PREFIX', this);
      const checked = irel.checkPrefix(prefix);
      if (!checked.ok) throw new UsageError(checked.error.message, this);
    }
    if (verb === 'map') {
      io.stdout.write(opened.map(prefix).json);
      return 0;
    }
    const opts = registryOptions(values, { src: sources, dst });
    if (verb === 'check') {
      const mapping = await readInput(args[1], 'mapping').catch((e) => { e.command = this; throw e; });
      try {
        const verdicts = await opened.check(mapping, { ...opts, ...withReferrers, online: !!values.online });
        for (const v of verdicts) {
          const referrers = v.ok && v.referrers?.length ? ` (${v.referrers.length} referrer${v.referrers.length === 1 ? '' : 's'} present)`
            : v.ok && v.referrersUnchecked ? ` (${v.referrersUnchecked})` : '';
          io.stdout.write(`${v.ok ? 'ok  ' : 'FAIL'} ${v.image} -> ${v.relocated || '(none)'}${v.ok ? (v.digest ? ` ${v.digest}` : '') : `: ${v.problem}`}${referrers}\n`);
        }
        return verdicts.every((v) => v.ok) ? 0 : 1;
      } finally {
        irel.close();
      }
    }
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs); // undefined: the engine's default
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) throw new UsageError('--jobs must be an integer from 1 to 64', this);
    const dryRun = !!values['dry-run'];
    if (values.json && !dryRun) throw new UsageError('--json goes with --dry-run', this);
    if (dryRun && values.output) throw new UsageError('a dry run writes no mapping: --output goes without --dry-run', this);
    const progress = createProgress(io.stderr, { quiet: values.quiet || dryRun });
    try {
      const result = await opened.relocate(prefix, {
        ...opts, ...withReferrers, jobs, dryRun, verifyFirst: !!values['verify-first'],
        onProgress: (e) => {
          if (e.type === 'image' && e.phase === 'done') progress.print(`relocated ${e.image} to ${e.target} (${e.digest})`);
          progress.onProgress(e);
        },
      });
      progress.finish();
      if (dryRun) {
        for (const i of result.images) io.stdout.write(values.json ? `${JSON.stringify(i.plan)}\n` : `${formatPlan(i.plan).join('\n')}\n`);
      } else if (values.output) {
        await writeFileAtomic(values.output, result.json);
      } else {
        io.stdout.write(result.json);
      }
      if (dryRun) return 0;
      // The mapping names only images that are there; a referrer not copied fails the command
      // (unless --referrers best-effort) all the same.
      // Failures progress has shown already are not named twice.
      let failed = reportReferrers(result, values, io, '', progress.shownFailures);
      for (const i of result.images) failed = reportReferrers(i.summary, values, io, i.image, progress.shownFailures) || failed;
      return failed ? 1 : 0;
    } finally {
      progress.finish();
      irel.close();
    }
  },
};
