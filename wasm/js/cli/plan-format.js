// A transfer plan as people read it: per image its target and digest, what each blob will be
// (uploaded, mounted from where, already present, foreign) with bytes, the totals, and the
// referrers (signatures, attestations, SBOMs) that would come along.
import { formatBytes } from './progress.js';

const VERB = { upload: 'upload', mount: 'mount', present: 'present', foreign: 'foreign' };

/** Lines for one planned image (copy's or relocate's dry-run result). */
export function formatPlan(planned) {
  const lines = [`plan: ${planned.source} -> ${planned.target} (${planned.digest})`];
  if (planned.rewritten) lines.push(`  only ${planned.platforms.join(', ')}: a new index (the source's is ${planned.sourceDigest})`);
  if (planned.exists) lines.push('  the target already has this image: only its tag would be written');
  for (const b of planned.blobs) {
    lines.push(`  ${VERB[b.action].padEnd(7)} ${b.digest} ${formatBytes(b.size)}${b.action === 'mount' ? ` from ${b.from}` : ''}`);
  }
  const count = { upload: 0, mount: 0, present: 0, foreign: 0 };
  const bytes = { upload: 0, mount: 0, present: 0, foreign: 0 };
  for (const b of planned.blobs) {
    count[b.action]++;
    bytes[b.action] += b.size;
  }
  lines.push(`  blobs: ${count.upload} to upload (${formatBytes(bytes.upload)}), ${count.mount} to mount (${formatBytes(bytes.mount)}), ` +
    `${count.present} present (${formatBytes(bytes.present)}), ${count.foreign} foreign`);
  lines.push(`  manifests: ${planned.exists ? 1 : planned.manifests.length}, the root last as ${planned.tag}`);
  // Counted only when referrers come along (not with --no-referrers).
  if (typeof planned.referrers === 'number') lines.push(`  referrers: ${planned.referrers} to copy`);
  return lines;
}
