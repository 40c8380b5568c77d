// "Relocate images": references typed into the page (or a bundle.json dropped on it) copied
// through the proxy into a registry with Basic auth, digests confirmed with skopeo, the mapping
// downloaded; a long copy cancelled without a tag being written.
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { listTags, sha256, skopeoInspectRaw } from '../tests/helpers/inspect.js';
import { ARTIFACTS, addCredentials, download, dropFile, e2eState, openPage, shot } from './fixtures.js';

const state = e2eState();
const { images, internal, tokened } = state;

test.beforeEach(async ({ page }) => {
  await openPage(page, 'relocate');
});

test('relocates images typed into the page, confirms their digests and downloads the mapping', async ({ page }) => {
  await addCredentials(page, internal);
  const prefix = `${internal.host}/smith`;
  const refs = [images.hello.ref, images.web.ref, 'Not/Valid', images.db.ref];
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await page.getByLabel('Image references, one per line').fill(refs.join('\n'));
  const rows = page.locator('#preview tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(rows.nth(2)).toHaveClass('invalid');
  await expect(page.locator('#summary')).toHaveText('4 references, 1 invalid');

  // Digest, platforms and size of each source, looked up through the proxy.
  await page.getByRole('button', { name: 'Look up sources' }).click();
  await expect(rows.nth(0).locator('td[data-digest]')).toHaveAttribute('data-digest', images.hello.digest);
  await expect(rows.nth(0)).toContainText('linux/amd64, linux/arm64');
  await expect(rows.nth(1).locator('td[data-digest]')).toHaveAttribute('data-digest', images.web.digest);
  await expect(rows.nth(1)).toContainText('MiB');
  await expect(rows.nth(3).locator('td[data-digest]')).toHaveAttribute('data-digest', images.db.digest);
  await shot(page, 'relocate-1-lookup');

  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText(/^Done: 3 images relocated/, { timeout: 60_000 });
  const result = page.locator('#relocate-result-table tbody tr');
  await expect(result).toHaveCount(3);
  await expect(page.locator('#relocate-result-table td[data-preserved="true"]')).toHaveCount(3);
  await expect(page.locator('#relocate-progress .group[data-state="done"]')).toHaveCount(3);
  await expect(page.locator('#relocate-progress .bar.layer').first()).toBeVisible();
  await shot(page, 'relocate-2-done');

  const text = await download(page, page.getByRole('link', { name: 'Download relocation-mapping.json' }),
    join(ARTIFACTS, 'relocation-mapping-images.json'));
  const mapping = JSON.parse(text);
  expect(Object.keys(mapping)).toEqual([images.hello.ref, images.web.ref, images.db.ref]);
  for (const image of Object.values(images)) {
    expect(mapping[image.ref]).toMatch(new RegExp(`^${prefix.replace(/[.]/g, '\\.')}/samples-`));
    // An independent peer reads the relocated manifest: same bytes, same digest.
    expect(sha256(await skopeoInspectRaw(mapping[image.ref], internal))).toBe(image.digest);
  }
  // The README example row for a multi-arch index: the same digest, with both platforms.
  await expect(result.nth(0)).toContainText('✓ preserved');
});

test('relocates into a registry with token auth, its token realm reached through the proxy', async ({ page }) => {
  await addCredentials(page, tokened);
  await page.getByLabel('Repository prefix', { exact: true }).fill(`${tokened.host}/team`);
  await page.getByLabel('Image references, one per line').fill([images.hello.ref, images.db.ref].join('\n'));
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText(/^Done: 2 images relocated/, { timeout: 60_000 });
  await expect(page.locator('#relocate-result-table td[data-preserved="true"]')).toHaveCount(2);
  await shot(page, 'relocate-token-auth-done');
  const text = await download(page, page.getByRole('link', { name: 'Download relocation-mapping.json' }),
    join(ARTIFACTS, 'relocation-mapping-token.json'));
  const mapping = JSON.parse(text);
  for (const image of [images.hello, images.db]) {
    expect(mapping[image.ref]).toMatch(new RegExp(`^${tokened.host.replace(/[.]/g, '\\.')}/team/`));
    expect(sha256(await skopeoInspectRaw(mapping[image.ref], tokened))).toBe(image.digest);
  }
});

test('relocates a dropped bundle.json, pinned to its content digests', async ({ page }) => {
  await addCredentials(page, internal);
  const prefix = `${internal.host}/thin`;
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await dropFile(page, '#refs-drop', state.thin, { name: 'forge.json', type: 'application/json' });
  await expect(page.locator('#refs-source')).toContainText('bundle forge 1.0.0');
  await expect(page.locator('#preview tbody tr')).toHaveCount(3);
  await shot(page, 'relocate-3-bundle-json');
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText(/^Done/, { timeout: 60_000 });
  await expect(page.locator('#relocate-result-table td[data-preserved="true"]')).toHaveCount(3);
  const mapping = JSON.parse(await download(page, page.locator('#relocate-download'), join(ARTIFACTS, 'relocation-mapping-thin.json')));
  expect(Object.keys(mapping).sort()).toEqual(Object.values(images).map((i) => i.ref).sort());
  for (const image of Object.values(images)) {
    expect(sha256(await skopeoInspectRaw(mapping[image.ref], internal))).toBe(image.digest);
  }
});

test('cancels a running relocation of a big layer; no tag is written', async ({ page }) => {
  // Into the target registry through a proxy that slows every upload chunk down.
  const { slow } = state;
  await addCredentials(page, slow);
  const prefix = `${slow.host}/cancel`;
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await page.getByLabel('Image references, one per line').fill(state.big.ref);
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  // Bytes are moving: the layer's bar shows an upload in progress.
  const layer = page.locator('#relocate-progress .bar.layer').first();
  await expect(layer).toHaveAttribute('data-state', /^(started|uploading)$/, { timeout: 30_000 });
  await expect.poll(() => page.evaluate(() => Math.max(...[...document.querySelectorAll('#relocate-progress .bar.layer progress')]
    .map((p) => (p.value < p.max ? p.value : 0)))), { timeout: 30_000, intervals: [50] }).toBeGreaterThan(0);
  const cancel = page.getByRole('button', { name: 'Cancel' });
  await expect(cancel).toBeEnabled();
  await shot(page, 'relocate-4-running');
  await cancel.click();
  await expect(page.locator('#relocate-error')).toContainText('CANCELLED');
  await expect(page.locator('#relocate-status')).toHaveText('Relocation cancelled.');
  await expect(page.locator('#relocate-progress .group').first()).toHaveAttribute('data-state', 'cancelled');
  await expect(page.getByRole('button', { name: 'Relocate', exact: true })).toBeEnabled();
  await shot(page, 'relocate-5-cancelled');
  const target = await page.evaluate(() => document.querySelector('#relocate-result-table tbody td:nth-child(2)')?.textContent);
  expect(target).toMatch(new RegExp(`^${prefix.replace(/[.]/g, '\\.')}/samples-big-[0-9a-f]{32}:1$`));
  const repo = target.slice(slow.host.length + 1, target.lastIndexOf(':'));
  expect(await listTags(internal, repo)).toEqual([]);
});

test('an image missing from its registry fails on its own; the others are relocated and mapped', async ({ page }) => {
  await addCredentials(page, internal);
  const prefix = `${internal.host}/partial`;
  const missing = `${state.upstream.host}/samples/absent:1`;
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await page.getByLabel('Image references, one per line').fill([images.hello.ref, missing, images.db.ref].join('\n'));
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText('Done, with 1 failure.', { timeout: 60_000 });

  // Its card and its row say why; the images after it were relocated all the same.
  const groups = page.locator('#relocate-progress .group');
  await expect(groups).toHaveCount(3);
  await expect(groups.nth(0)).toHaveAttribute('data-state', 'done');
  await expect(groups.nth(1)).toHaveAttribute('data-state', 'error');
  await expect(groups.nth(1).locator('.group-status')).toHaveText(/^failed: [A-Z_]+$/);
  await expect(groups.nth(2)).toHaveAttribute('data-state', 'done');
  const rows = page.locator('#relocate-result-table tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toHaveClass('invalid');
  await expect(rows.nth(1)).toContainText(missing);
  await expect(rows.nth(1).locator('td').nth(2)).toHaveText(/^[A-Z_]+: .+/);
  await expect(page.locator('#relocate-result-table td[data-preserved="true"]')).toHaveCount(2);
  await expect(page.locator('#relocate-result-summary')).toContainText('2 images relocated of 3');
  await shot(page, 'relocate-6-one-missing');

  // The mapping names only the images relocated.
  const mapping = JSON.parse(await download(page, page.locator('#relocate-download'), join(ARTIFACTS, 'relocation-mapping-partial.json')));
  expect(Object.keys(mapping)).toEqual([images.hello.ref, images.db.ref]);
  for (const image of [images.hello, images.db]) {
    expect(sha256(await skopeoInspectRaw(mapping[image.ref], internal))).toBe(image.digest);
  }
});

test('plans a relocation (a dry run): what would be uploaded or is already there; nothing is written', async ({ page }) => {
  await addCredentials(page, internal);
  const prefix = `${internal.host}/plan`;
  const missing = `${state.upstream.host}/samples/absent:1`;
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await page.getByLabel('Image references, one per line').fill([images.hello.ref, missing, images.db.ref].join('\n'));
  await page.getByRole('button', { name: 'Plan', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText('Planned 3 images: nothing was written.', { timeout: 60_000 });
  const rows = page.locator('#relocate-plan-table tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0).locator('td[data-digest]')).toHaveAttribute('data-digest', images.hello.digest);
  expect(Number(await rows.nth(0).locator('td[data-upload]').getAttribute('data-upload'))).toBeGreaterThan(0);
  await expect(rows.nth(0).locator('td[data-present]')).toHaveAttribute('data-present', '0');
  await expect(rows.nth(1)).toHaveClass('invalid');
  await expect(rows.nth(1)).toContainText('MANIFEST_UNKNOWN');
  await expect(page.locator('#relocate-plan-summary')).toContainText(/^Plan for 2 images under .*; 1 cannot be relocated\. Nothing was written\.$/);
  await shot(page, 'relocate-7-plan');
  const target = await rows.nth(0).locator('td').nth(1).textContent();
  expect(await listTags(internal, target.slice(internal.host.length + 1, target.lastIndexOf(':')))).toEqual([]);

  // Relocated, then planned again: everything is already there.
  await page.getByLabel('Image references, one per line').fill([images.hello.ref, images.db.ref].join('\n'));
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText(/^Done: 2 images relocated/, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Plan', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText('Planned 2 images: nothing was written.', { timeout: 60_000 });
  await expect(rows).toHaveCount(2);
  for (const i of [0, 1]) {
    await expect(rows.nth(i).locator('td[data-upload]')).toHaveAttribute('data-upload', '0');
    await expect(rows.nth(i)).toContainText('image already there');
  }
});
