// Options of the commands that copy images with their referrers (signatures, attestations,
// SBOMs), and how their outcome is reported: a referrer that could not be copied is named on
// standard error and fails the command unless --referrers best-effort.
import { referrerKey } from './progress.js';
import { UsageError } from './usage-error.js';

export const REFERRER_OPTIONS = {
  'no-referrers': { type: 'boolean' },
  'referrers-type': { type: 'string', multiple: true },
  referrers: { type: 'string' },
};

export const REFERRER_USAGE = `Referrer options (signatures, attestations and SBOMs that refer to the image, found by the
OCI referrers API, its fallback tag "sha256-HEX" or cosign's tags "sha256-HEX.sig/.att/.sbom",
are copied by default, with their digests):
      --no-referrers            copy none
      --referrers-type TYPE     copy only referrers of this artifact type (repeatable; cosign's
                                payload type for its tags, e.g. application/vnd.dev.cosign.simplesigning.v1+json)
      --referrers best-effort   a referrer that cannot be copied does not fail the command`;

export function referrerOptions(values, command) {
  if (values.referrers !== undefined && values.referrers !== 'best-effort') {
    throw new UsageError(`--referrers takes "best-effort", not ${JSON.stringify(values.referrers)}`, command);
  }
  if (values['no-referrers'] && values['referrers-type']) throw new UsageError('--no-referrers and --referrers-type exclude each other', command);
  return { referrers: !values['no-referrers'], referrersTypes: values['referrers-type'] ?? [] };
}

/**
 * Writes what happened to the referrers of one image (label: the image, for relocate); returns
 * whether the command fails for it. shownFailures: the referrerKey of each failure progress has
 * printed already (not printed again).
 */
export function reportReferrers(summary, values, io, label = '', shownFailures = new Set()) {
  const r = summary?.referrers;
  if (!r || typeof r !== 'object') return false;
  const prefix = label ? `${label}: ` : '';
  const failed = r.failed ?? [];
  // Referrers not copied; a discovery or fallback tag failure is named on its own line below.
  const notCopied = failed.filter((f) => f.kind === 'referrer' || f.kind === 'tag').length;
  if (!values.quiet && (r.count || r.filtered || notCopied)) {
    io.stderr.write(`${prefix}referrers: ${r.copied} copied, ${notCopied} failed${r.filtered ? `, ${r.filtered} left out by --referrers-type` : ''}` +
      `${r.fallbackTags?.length ? `, ${r.fallbackTags.length} fallback tag${r.fallbackTags.length > 1 ? 's' : ''} written` : ''}\n`);
  }
  if (r.note && !values.quiet) io.stderr.write(`${prefix}referrers: ${r.note}\n`);
  for (const f of failed) {
    if ((f.kind === 'referrer' || f.kind === 'tag') && shownFailures.has(referrerKey(label, f.subject, f.digest))) continue;
    const what = f.kind === 'discovery' ? `could not list the referrers of ${f.digest}`
      : f.kind === 'fallback-tag' ? `could not list ${f.digest} under the target's tag ${f.tag}`
        : `referrer ${f.digest}${f.artifactType ? ` (${f.artifactType})` : ''} of ${f.subject} not copied`;
    io.stderr.write(`${prefix}${what}: ${f.error.message}${f.error.code ? ` [${f.error.code}]` : ''}\n`);
  }
  return failed.length > 0 && values.referrers !== 'best-effort';
}
