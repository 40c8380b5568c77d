// The page's thick-bundle relocation of a big layer (96 MiB, sent in 64 MiB chunks by the page)
// into every registry dialect of tests/helpers/dialect-proxy.js, in front of the real registry:
// ECR (chunks after the first discarded), Artifact Registry and GHCR (a second chunk refused),
// Artifactory (no monolithic PUT), S3 (a minimum chunk), and the others. Where the registry takes
// a blob only as one PATCH it goes again, whole, built as a Blob; the digest is preserved.
import { expect, test } from '@playwright/test';

import { sha256, skopeoInspectRaw } from '../tests/helpers/inspect.js';
import { addCredentials, e2eState, openPage, shot } from './fixtures.js';
import { DIALECTS } from './global-setup.js';

const state = e2eState();

for (const profile of Object.keys(DIALECTS)) {
  test(`relocates a thick bundle with a 96 MiB layer into a registry that behaves as ${profile}`, async ({ page }) => {
    test.setTimeout(180_000);
    const dialect = state.dialects[profile];
    await openPage(page, 'thick');
    await addCredentials(page, dialect);
    await page.getByLabel('Choose an archive').setInputFiles(state.big.thick);
    await expect(page.locator('#thick-status')).toContainText('1 image verified', { timeout: 60_000 });
    await page.getByLabel('Bundle target prefix').fill(`${dialect.host}/${profile}`);
    await page.getByRole('button', { name: 'Relocate bundle' }).click();
    await expect(page.locator('#thick-status')).toHaveText(/^Done: 1 image relocated/, { timeout: 150_000 });
    await shot(page, `dialect-${profile}-thick`);
    const target = await page.locator('#thick-result-table td').filter({ hasText: `${dialect.host}/${profile}/` }).first().textContent();
    const relocated = target.trim().replace(dialect.host, state.internal.host);
    expect(sha256(await skopeoInspectRaw(relocated, state.internal))).toBe(state.big.digest);
  });
}
