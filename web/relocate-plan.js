// "Plan" in the Relocate images panel: the library's relocateImages with dryRun, in the worker. For
// each image: its digest and what relocating it would do with its blobs (upload, mount from another
// repository of the target registry, nothing because the target has them), and how many referrers
// (signatures, attestations, SBOMs) would come along; nothing is written.
import { formatBytes, plural } from './format.js';
import { $, cell, digestCell } from './render.js';

const amount = (blobs, bytes) => `${plural(blobs, 'blob')} · ${formatBytes(bytes)}`;

/**
 * job: { worker, refs (valid, unique), sources (Map ref -> the reference to plan: pinned to its
 * bundle's content digest), targets (Map ref -> relocated name), prefix, args, signal }.
 * Resolves [{ image, target, ok, plan?, error? }] in the order of refs; rejects when cancelled.
 */
export async function planList({ worker, refs, sources, targets, prefix, args, signal }) {
  const source = (ref) => sources.get(ref) ?? ref;
  const result = await worker.run('relocateImages', { refs: refs.map(source), prefix, ...args, dryRun: true }, { signal });
  const planned = new Map(result.images.map((i) => [i.image, i]));
  return refs.map((ref) => {
    const p = planned.get(source(ref));
    return { image: ref, target: targets.get(ref), ok: Boolean(p?.ok), plan: p?.plan, error: p?.error ?? (p ? undefined : { code: 'ERROR', message: 'not planned' }) };
  });
}

/** The plan table and its summary. */
export function renderPlan(rows, prefix) {
  const body = document.querySelector('#relocate-plan-table tbody');
  body.replaceChildren();
  const sum = { upload: [0, 0], mount: [0, 0], present: [0, 0] };
  let failed = 0;
  let referrers = null; // counted only when they come along

  for (const r of rows) {
    const row = body.insertRow();
    row.dataset.image = r.image;
    cell(row, r.image, { cls: 'mono' });
    cell(row, r.target ?? '', { cls: 'mono' });
    if (!r.ok) {
      failed++;
      row.className = 'invalid';
      cell(row, `${r.error.code}: ${r.error.message}`).colSpan = 4;
      continue;
    }
    const { blobs, bytes } = r.plan.totals;
    digestCell(row, r.plan.digest);
    for (const action of ['upload', 'mount', 'present']) {
      sum[action][0] += blobs[action];
      sum[action][1] += bytes[action];
      const td = cell(row, amount(blobs[action], bytes[action]), { cls: 'num' });
      td.dataset[action] = String(blobs[action]);
    }
    if (r.plan.exists) row.cells[row.cells.length - 1].textContent += ' · image already there';
    if (typeof r.plan.referrers === 'number') {
      referrers = (referrers ?? 0) + r.plan.referrers;
      row.dataset.referrers = String(r.plan.referrers);
      if (r.plan.referrers) row.cells[2].append(document.createElement('br'), `${plural(r.plan.referrers, 'referrer')}`);
    }
  }
  const planned = rows.length - failed;
  const text = `Plan for ${plural(planned, 'image')} under ${prefix}: ${amount(...sum.upload)} to upload, ` +
    `${amount(...sum.mount)} to mount, ${amount(...sum.present)} already in the target registry` +
    `${referrers === null ? '' : `, ${plural(referrers, 'referrer')} (signatures, attestations, SBOMs) to copy`}` +
    `${failed ? `; ${failed} cannot be relocated` : ''}. Nothing was written.`;
  $('relocate-plan-summary').textContent = text;
  $('relocate-plan-result').hidden = false;
}
