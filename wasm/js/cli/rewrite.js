import { mkdir, readFile, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve, sep } from 'node:path';

import { IrelError } from '../errors.js';
import { at, displayFile, hintProblems, hintsOptions, readInputs, reasonText, shown } from './manifest-inputs.js';
import { formatPlan } from './plan-format.js';
import { createProgress } from './progress.js';
import { REFERRER_OPTIONS, REFERRER_USAGE, referrerOptions, reportReferrers } from './referrer-options.js';
import { REGISTRY_OPTIONS, REGISTRY_USAGE, registryOptions } from './registry-options.js';
import { UsageError } from './usage-error.js';

const ARCHIVE_NAME = /\.(tgz|tar\.gz|tar|tar\.zst)$/i;
// Digest lookups (--pin without --relocate) in flight at once.
const LOOKUPS = 8;

export const rewriteCommand = {
  name: 'rewrite',
  usage: `Usage: irel rewrite (-r PREFIX | -m MAPPING) [OPTIONS] FILE|DIR|CHART...

Rewrites the image references of Kubernetes manifests and Helm charts (those 'irel images'
lists as rewritable) to their relocated names: under PREFIX as 'irel map' maps them, or as the
relocation mapping MAPPING says ({"original": "relocated"}, as 'irel relocate -o' and 'irel bundle
relocate' write it). Only the bytes of the image values change: comments, anchors, key order,
quoting and document separators stay as they were. Values that cannot be rewritten (templated,
invalid, in templates or packaged sub-charts, not in the mapping) are named on standard error
and left as they are.

FILE|DIR|CHART: a YAML (or JSON) file, a directory (manifests, or a chart with its sub-charts),
or a chart archive (.tgz). By default each is replaced in place (only the files that change, each
atomically; a chart archive rewritten as an archive). Nothing is written, and nothing relocated,
when any input cannot be read or a file in it does not parse.

Options:
  -r, --repository-prefix PREFIX  the relocated names: PREFIX/<flattened path>-<md5>, tag and
                                  digest kept (the names 'irel map' and 'irel relocate' use)
  -m, --mapping MAPPING           the relocated names from a relocation-mapping.json
      --pull-prefix PREFIX        write the relocated names under PREFIX instead: the host
                                  clusters pull from (a mirror, a read replica) with the same
                                  relocated paths; images are pushed and looked up under -r's
                                  (or the mapping's) names
      --pin                       append @DIGEST to every image rewritten: the digest of the
                                  relocated image (the one pushed), from the relocation with
                                  --relocate, else looked up in its registry (a lookup that
                                  fails stops the command, naming the image)
      --relocate                  copy every rewritable image to its relocated name first
                                  (digest preserved, as 'irel relocate'); if any image fails,
                                  nothing is rewritten
  -n, --dry-run                   print the unified diff on standard output and write nothing;
                                  with --relocate, each image's transfer plan (blobs to upload,
                                  mount or skip) on standard error, nothing copied (--pin then
                                  takes the digests the plans name)
      --hints FILE                a hints file for charts: relok8s image patterns or value paths
                                  (see 'irel images --help')
  -o, --output OUT                write here instead of in place: for one input, a file (a
                                  manifest), a directory or a .tgz (a chart); for several, a
                                  directory that receives each under its own name
  -j, --jobs N                    --relocate: blobs in flight at once (default 16)
  -q, --quiet                     no progress on standard error
${REFERRER_USAGE}
${REGISTRY_USAGE}
--src-creds applies to the images' registries, --dest-creds to the relocated names' (also for
the lookups of --pin).

Prints what was written and "N images rewritten in M files" (with --dry-run on standard error).

Exit status: 0 success, 1 failure (an input unreadable, a relocation or digest lookup failed;
nothing rewritten then), 2 usage error.`,
  options: {
    'repository-prefix': { type: 'string', short: 'r' },
    mapping: { type: 'string', short: 'm' },
    'pull-prefix': { type: 'string' },
    pin: { type: 'boolean' },
    relocate: { type: 'boolean' },
    'dry-run': { type: 'boolean', short: 'n' },
    hints: { type: 'string' },
    output: { type: 'string', short: 'o' },
    jobs: { type: 'string', short: 'j' },
    quiet: { type: 'boolean', short: 'q' },
    ...REFERRER_OPTIONS,
    ...REGISTRY_OPTIONS,
  },

  async run({ values, positionals }, io, irel) {
    const usage = (message) => new UsageError(message, this);
    const prefix = values['repository-prefix'];
    const pullPrefix = values['pull-prefix'];
    const dryRun = !!values['dry-run'];
    if (!positionals.length) throw usage('expected FILE, DIR or CHART (one or more)');
    if ((prefix === undefined) === (values.mapping === undefined)) throw usage('give either -r PREFIX or -m MAPPING');
    for (const [option, p] of [['-r', prefix], ['--pull-prefix', pullPrefix]]) {
      if (p === undefined) continue;
      const checked = irel.checkPrefix(p);
      if (!checked.ok) throw usage(`${option} ${JSON.stringify(p)}: ${checked.error.message}`);
    }
    if (dryRun && values.output !== undefined) throw usage('a dry run writes nothing: --output goes without --dry-run');
    const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)) throw usage('--jobs must be an integer from 1 to 64');
    if (!values.relocate) {
      if (values.jobs !== undefined) throw usage('--jobs goes with --relocate');
      if (values['no-referrers'] || values['referrers-type'] || values.referrers !== undefined) throw usage('the referrer options go with --relocate');
    }
    const withReferrers = referrerOptions(values, this);
    checkInputs(positionals, values.output, usage);

    const mapping = values.mapping === undefined ? undefined : await readMapping(values.mapping);
    const hints = await hintsOptions(values.hints);
    const targets = { ...hints, ...(prefix !== undefined ? { prefix } : { mapping }) };
    const fail = (line) => io.stderr.write(`irel rewrite: ${line}\n`);

    // First the names images are pushed under (no pull prefix, no pin): what is relocated and
    // looked up. Every input is read before anything is relocated or written.
    const pushSide = await readInputs(positionals, (input) => irel.rewrite({ path: input }, targets), hints.hintsName);
    if (reportUnreadable(pushSide, fail)) return 1;
    const plans = dryRun ? null : await planWrites(pushSide, values.output);
    const pushTargets = {};
    for (const { result } of pushSide) Object.assign(pushTargets, result.mapping);

    const progress = createProgress(io.stderr, { quiet: values.quiet || dryRun });
    const controller = new AbortController();
    const onSignal = () => controller.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      let digests = {};
      if (values.relocate) {
        const relocated = await relocateAll(irel, pushTargets, prefix, {
          values, io, progress, dryRun, jobs, withReferrers, signal: controller.signal, fail,
        });
        if (!relocated) return 1;
        digests = relocated;
      } else if (values.pin) {
        const looked = await lookUpDigests(irel, pushTargets, values, fail);
        if (!looked) return 1;
        digests = looked;
      }
      progress.finish();

      let final = pushSide;
      if (pullPrefix !== undefined || values.pin) {
        const options = { ...targets, ...(pullPrefix !== undefined ? { pullPrefix } : {}), ...(values.pin ? { pin: digests } : {}) };
        final = await readInputs(positionals, (input) => irel.rewrite({ path: input }, options), hints.hintsName);
        if (reportUnreadable(final, fail)) return 1;
      }

      const summary = reportSkipped(final, hints.hintsName, io);
      if (dryRun) {
        for (const { input, result } of final) io.stdout.write(relabel(result, input));
        io.stderr.write(`${summary} (dry run: nothing written)\n`);
        return 0;
      }
      const written = [];
      try {
        await writeAll(irel, final, plans, values.output, written);
      } catch (e) {
        for (const path of written) io.stdout.write(`wrote ${path}\n`);
        // Each file is whole or untouched (atomic); those written before the failure stay written.
        fail(`${e.message}${e.code ? ` [${e.code}]` : ''}`);
        return 1;
      }
      for (const path of written) io.stdout.write(`wrote ${path}\n`);
      io.stdout.write(`${summary}\n`);
      return 0;
    } finally {
      progress.finish();
      process.removeListener('SIGINT', onSignal);
      irel.close();
    }
  },
};

/** Inputs named twice, or one inside another, or (with -o and several) two of the same name. */
function checkInputs(inputs, output, usage) {
  const full = inputs.map((i) => resolve(i));
  for (let i = 0; i < full.length; i++) {
    for (let j = 0; j < full.length; j++) {
      if (i === j) continue;
      if (full[i] === full[j] && i < j) throw usage(`${inputs[j]} is given twice`);
      if (full[j].startsWith(full[i] + sep)) throw usage(`${inputs[j]} is inside ${inputs[i]}: give one or the other`);
    }
  }
  if (output !== undefined && inputs.length > 1) {
    if (ARCHIVE_NAME.test(output)) throw usage('-o for several inputs is a directory (each written under its own name), not an archive');
    const names = new Map();
    for (const [i, f] of full.entries()) {
      const name = basename(f);
      if (names.has(name)) throw usage(`${names.get(name)} and ${inputs[i]} would both be written to ${join(output, name)}`);
      names.set(name, inputs[i]);
    }
  }
}

async function readMapping(path) {
  let text;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new IrelError({ code: 'MAPPING_UNREADABLE', message: `-m ${path}: ${e.code === 'ENOENT' ? 'no such file' : e.code ?? e.message}` });
  }
  let table;
  try {
    table = JSON.parse(text);
  } catch (e) {
    throw new IrelError({ code: 'MAPPING_INVALID', message: `-m ${path}: not JSON (${e.message})` });
  }
  if (!table || typeof table !== 'object' || Array.isArray(table) || Object.values(table).some((v) => typeof v !== 'string')) {
    throw new IrelError({ code: 'MAPPING_INVALID', message: `-m ${path}: a relocation mapping is an object {"original": "relocated"} of strings` });
  }
  return text;
}

function reportUnreadable(read, fail) {
  let bad = false;
  for (const { error } of read) {
    if (!error) continue;
    bad = true;
    for (const line of error.message.split('\n')) fail(line);
  }
  if (bad) fail('nothing written');
  return bad;
}

/**
 * Copies each image to its pushed name: irel.relocateImages under -r's prefix, or irel.copy per
 * entry of the mapping. Resolves { image: digest } when every image made it (with dryRun, the
 * digests the plans name), else null (the failures named).
 */
async function relocateAll(irel, pushTargets, prefix, { values, io, progress, dryRun, jobs, withReferrers, signal, fail }) {
  const images = Object.keys(pushTargets);
  const domain = (ref) => irel.parse(ref).reference?.domain;
  const options = {
    ...registryOptions(values, { src: [...new Set(images.map(domain).filter(Boolean))] }), ...withReferrers, jobs, dryRun, signal,
  };
  for (const d of new Set(Object.values(pushTargets).map(domain).filter(Boolean))) {
    Object.assign(options.targetCredentials, registryOptions(values, { dst: d }).targetCredentials);
  }
  const onProgress = (e) => {
    if (e.type === 'image' && e.phase === 'done') progress.print(`relocated ${e.image} to ${e.target} (${e.digest})`);
    progress.onProgress(e);
  };
  let results;
  if (prefix !== undefined) {
    results = (await irel.relocateImages(images, prefix, { ...options, onProgress })).images;
  } else {
    results = [];
    for (const image of images) {
      const target = pushTargets[image];
      onProgress({ type: 'image', phase: 'started', image, target });
      try {
        const r = await irel.copy(`docker://${image}`, `docker://${target}`, { ...options, onProgress: (e) => onProgress({ ...e, image }) });
        results.push({ image, target, ok: true, digest: r.digest, ...(dryRun ? { plan: r } : { summary: r }) });
        if (!dryRun) onProgress({ type: 'image', phase: 'done', image, target, digest: r.digest });
      } catch (e) {
        if (signal.aborted || !(e instanceof IrelError)) throw e;
        results.push({ image, target, ok: false, error: { code: e.code, message: e.message } });
      }
    }
  }
  progress.finish();
  if (dryRun) for (const r of results) if (r.ok) io.stderr.write(`${formatPlan(r.plan).join('\n')}\n`);
  const failed = results.filter((r) => !r.ok);
  for (const r of failed) fail(`${r.image}: not relocated to ${r.target ?? pushTargets[r.image]}: ${r.error.message}${r.error.code ? ` [${r.error.code}]` : ''}`);
  let referrersFailed = false;
  if (!dryRun) {
    for (const r of results) if (r.ok && reportReferrers(r.summary, values, io, r.image, progress.shownFailures)) referrersFailed = true;
  }
  if (failed.length || referrersFailed) {
    const done = results.length - failed.length;
    fail(`${done} of ${results.length} images relocated${failed.length ? `, ${failed.length} failed` : ''}` +
      `${referrersFailed ? ', referrers not copied (--referrers best-effort to go on without them)' : ''}: nothing rewritten`);
    return null;
  }
  return Object.fromEntries(results.map((r) => [r.image, r.digest]));
}

/** The digest of each image's pushed name, looked up; null when any lookup failed (named). */
async function lookUpDigests(irel, pushTargets, values, fail) {
  const entries = Object.entries(pushTargets);
  const domains = [...new Set(entries.map(([, t]) => irel.parse(t).reference?.domain).filter(Boolean))];
  // The relocated images are read where they were pushed: --dest-creds are the credentials there.
  const options = registryOptions({ ...values, 'src-creds': values['dest-creds'] }, { src: domains });
  const digests = {};
  const failures = [];
  let next = 0;
  const worker = async () => {
    while (next < entries.length) {
      const [image, target] = entries[next++];
      // A reference with a digest names its content already: the relocated copy has that digest.
      const own = irel.parse(image).reference?.digest;
      if (own) {
        digests[image] = own;
        continue;
      }
      try {
        digests[image] = await irel.digest(target, options);
      } catch (e) {
        if (!(e instanceof IrelError)) throw e;
        failures.push(`${image}: cannot pin: looking up ${target}: ${e.message}${e.code ? ` [${e.code}]` : ''}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LOOKUPS, entries.length) }, worker));
  if (!failures.length) return digests;
  for (const f of failures.sort()) fail(f);
  fail('nothing rewritten');
  return null;
}

/** Names what was not rewritten (or not pinned) on standard error; returns the summary line. */
function reportSkipped(read, hintsName, io) {
  const images = new Set();
  let files = 0;
  let notRewritten = 0;
  const warned = new Set();
  for (const { input, result } of read) {
    const file = (e) => displayFile(input, result.source, e, hintsName);
    for (const h of hintProblems(result.skipped)) {
      const line = `irel rewrite: --hints ${at(file(h), h)}: ${h.chart ? `chart ${h.chart}: ` : ''}${reasonText(h)}`;
      if (!warned.has(line)) io.stderr.write(`${line}\n`);
      warned.add(line);
    }
    for (const s of result.skipped) {
      if (s.hint !== undefined) continue;
      const pinOnly = s.reason?.code === 'PIN_NO_FIELD';
      if (!pinOnly) notRewritten++;
      io.stderr.write(`irel rewrite: ${pinOnly ? 'not pinned' : 'not rewritten'}: ${at(file(s), s)} ${s.path || '-'} ${shown(s.image ?? s.value)}: ${reasonText(s)}\n`);
    }
    for (const image of Object.keys(result.mapping)) images.add(image);
    files += result.files.filter((f) => f.changed).length;
  }
  const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(images.size, 'image')} rewritten in ${plural(files, 'file')}${notRewritten ? `, ${notRewritten} not rewritten` : ''}`;
}

/** The rewrite's diff with each file named as the user names it (a/PATH, b/PATH from here). */
function relabel(result, input) {
  const { diff } = result;
  let out = '';
  let from = 0;
  for (const f of result.files.filter((x) => x.changed)) {
    const header = `--- a/${f.path}\n+++ b/${f.path}\n`;
    let i = diff.indexOf(header, from);
    while (i > 0 && diff[i - 1] !== '\n') i = diff.indexOf(header, i + 1);
    if (i < 0) continue;
    const name = displayFile(input, result.source, { file: f.path });
    const label = (side) => (isAbsolute(name) ? name : `${side}/${name}`);
    out += `${diff.slice(from, i)}--- ${label('a')}\n+++ ${label('b')}\n`;
    from = i + header.length;
  }
  return out + diff.slice(from);
}

/**
 * Where each input goes: [{ out }] in input order (out undefined: in place), decided before
 * anything is relocated or written. An archive is written back only in a format the writer
 * knows by its name (.tgz, .tar.gz, .tar, .tar.zst).
 */
async function planWrites(read, output) {
  const plans = [];
  for (const { input, result } of read) {
    let out;
    if (output === undefined) out = undefined;
    else if (read.length > 1) out = join(output, basename(resolve(input)));
    else if (result.source?.kind === 'file' && (await stat(output).catch(() => null))?.isDirectory()) out = join(output, basename(input));
    else out = output;
    if (result.source?.kind === 'archive' && !ARCHIVE_NAME.test(out ?? input) && (out === undefined || read.length > 1)) {
      throw new IrelError({ code: 'WRITE_FORMAT_UNSUPPORTED', message: `${input}: a chart archive is written as .tgz, .tar.gz, .tar or .tar.zst: give -o OUT.tgz` });
    }
    plans.push({ out });
  }
  return plans;
}

/** Writes every result where planWrites said, through irel.writeRewrite; adds the paths written to `written`. */
async function writeAll(irel, read, plans, output, written) {
  if (output !== undefined && (read.length > 1 || output.endsWith(sep) || output.endsWith('/'))) await mkdir(output, { recursive: true });
  for (const [i, { result }] of read.entries()) {
    const { out } = plans[i];
    if (out === undefined && !result.files.some((f) => f.changed)) continue; // in place: nothing to replace
    try {
      written.push(...(await irel.writeRewrite(result, out)).written);
    } catch (e) {
      if (e instanceof IrelError) throw e;
      throw new IrelError({ code: 'WRITE_FAILED', side: 'target', message: `cannot write ${out ?? result.source?.path}: ${e.code ?? e.message}` });
    }
  }
}
