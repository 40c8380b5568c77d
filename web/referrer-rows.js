// An image's signatures, attestations and SBOMs as rows under it in a table of images (a thick
// bundle's, an archive's): what each is, its digest, what it refers to, its size, verified.
import { formatBytes, shortDigest } from './format.js';
import { referrerKind } from './referrer-kind.js';
import { cell, digestCell } from './render.js';

/** Rows appended to `body`, one per referrer; `more(row)` adds cells of the caller's own. */
export function addReferrerRows(body, referrers, more = () => {}) {
  for (const r of referrers ?? []) {
    const sub = body.insertRow();
    sub.className = 'referrer';
    sub.dataset.referrer = r.digest;
    cell(sub, `↳ ${referrerKind(r.artifactType, r.tag)}${r.tag ? ` (tag ${r.tag})` : ''}`, { title: r.artifactType });
    digestCell(sub, r.digest);
    cell(sub, `refers to ${shortDigest(r.subject, 12)}`, { cls: 'mono', title: r.subject });
    cell(sub, formatBytes(r.size), { cls: 'num' });
    cell(sub, '✓ verified', { cls: 'ok' }).dataset.verified = 'true';
    more(sub);
  }
}
