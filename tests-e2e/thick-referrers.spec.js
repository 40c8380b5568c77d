// A thick bundle carrying an image's signatures, attestation, SBOM and cosign tag: the page lists
// each under its image, relocates them with it, and the target registry then lists them (read
// with plain API calls, not irel).
import { expect, test } from '@playwright/test';

import { getManifest } from '../tests/helpers/inspect.js';
import { addCredentials, e2eState, openPage, shot } from './fixtures.js';

const state = e2eState();
const { internal, signed } = state;
const fallbackTag = (digest) => digest.replace(':', '-');

test('lists the referrers a thick bundle carries under their image and relocates them with it', async ({ page }) => {
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await page.getByLabel('Choose an archive').setInputFiles(signed.thick);
  await expect(page.locator('#thick-status')).toContainText('1 image verified');
  const rows = page.locator('#thick-images tbody tr.referrer');
  await expect(rows).toHaveCount(5);
  await expect(page.locator('#thick-images-summary')).toContainText('1 image and 5 referrers (signatures, attestations, SBOMs)');
  for (const [kind, text] of [['sbom', 'SBOM (SPDX)'], ['att', 'attestation'], ['sig', 'notation signature'], ['cosign', `cosign signature (tag ${fallbackTag(signed.digest)}.sig)`]]) {
    const row = page.locator(`#thick-images tr[data-referrer="${signed.referrers[kind]}"]`);
    await expect(row, kind).toContainText(text);
    await expect(row.locator('td[data-verified="true"]')).toHaveCount(1);
  }
  await expect(page.locator(`#thick-images tr[data-referrer="${signed.referrers.attSig}"]`)).toContainText(`refers to ${signed.referrers.att.slice(0, 19)}`);
  await shot(page, 'thick-referrers-1-listed');

  await page.getByLabel('Bundle target prefix').fill(`${internal.host}/signed`);
  await page.getByRole('button', { name: 'Relocate bundle' }).click();
  await expect(page.locator('#thick-status')).toHaveText(/^Done: 1 image relocated from signed\.tgz, with 5 referrers\.$/, { timeout: 60_000 });
  await expect(page.locator('#thick-progress')).toContainText('5 of 5 pushed');
  await expect(page.locator('#thick-error')).toBeHidden();
  await shot(page, 'thick-referrers-2-relocated');

  const target = (await page.locator('#thick-result-table tbody td.mono').nth(1).textContent()).trim();
  const repo = target.replace(/^[^/]+\//, '').replace(/:v1$/, '');
  const listed = JSON.parse((await getManifest(internal, repo, fallbackTag(signed.digest), { creds: internal.creds })).bytes.toString());
  expect(listed.manifests.map((d) => d.digest).sort()).toEqual([signed.referrers.sig, signed.referrers.att, signed.referrers.sbom].sort());
  expect((await getManifest(internal, repo, `${fallbackTag(signed.digest)}.sig`, { creds: internal.creds })).digest).toBe(signed.referrers.cosign);

  // Checked online from the result: the image and each referrer are at the target.
  await page.getByRole('button', { name: 'Check this mapping' }).click();
  await page.getByLabel(/online/).check();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText('1 image: all ok (online check of signed.tgz)');
  await expect(page.locator('#check-verdicts tbody')).toContainText(`registry has ${signed.digest} and its 5 referrers`);
});
