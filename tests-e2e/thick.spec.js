// "Archive" with a thick bundle, and "Check a mapping": an archive chosen with the file input or dropped on the
// page, read and verified in the worker, relocated into a registry with Basic auth; the mapping
// downloaded and checked offline and online; a corrupt archive refused before anything is pushed.
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { listTags, sha256, skopeoInspectRaw } from '../tests/helpers/inspect.js';
import { registryClient } from '../tests/helpers/registry-client.js';
import { ARTIFACTS, addCredentials, download, dropFile, e2eState, openPage, shot } from './fixtures.js';

const state = e2eState();
const { images, internal } = state;
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function expectVerified(page) {
  await expect(page.locator('#thick-status')).toContainText('3 images verified');
  const rows = page.locator('#thick-images tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(page.locator('#thick-images td[data-verified="true"]')).toHaveCount(3);
  await expect(page.locator('#thick-verify')).toHaveAttribute('data-state', 'done');
  const hello = rows.filter({ hasText: images.hello.ref });
  await expect(hello.locator('td[data-digest]')).toHaveAttribute('data-digest', images.hello.digest);
  await expect(hello).toContainText('linux/amd64, linux/arm64');
  await expect(rows.filter({ hasText: images.web.ref }).locator('td[data-digest]')).toHaveAttribute('data-digest', images.web.digest);
  await expect(rows.filter({ hasText: images.db.ref }).locator('td[data-digest]')).toHaveAttribute('data-digest', images.db.digest);
}

async function relocate(page, prefix) {
  await page.getByLabel('Bundle target prefix').fill(prefix);
  await expect(page.locator('#thick-mapping tbody tr')).toHaveCount(3);
  await expect(page.locator('#thick-mapping tbody')).toContainText(`${prefix}/samples-hello-`);
  await page.getByRole('button', { name: 'Relocate bundle' }).click();
  await expect(page.locator('#thick-status')).toHaveText(/^Done: 3 images relocated/, { timeout: 60_000 });
  await expect(page.locator('#thick-result-table td[data-preserved="true"]')).toHaveCount(3);
}

async function expectInRegistry(mapping) {
  expect(Object.keys(mapping).sort()).toEqual(Object.values(images).map((i) => i.ref).sort());
  for (const image of Object.values(images)) {
    expect(sha256(await skopeoInspectRaw(mapping[image.ref], internal))).toBe(image.digest);
  }
}

test('relocates a thick bundle chosen with the file input, downloads the mapping and checks it', async ({ page }) => {
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await page.getByLabel('Choose an archive').setInputFiles(state.thick);
  await expectVerified(page);
  await shot(page, 'thick-1-verified');

  const prefix = `${internal.host}/griphook`;
  await relocate(page, prefix);
  await expect(page.locator('#thick-progress .bar.layer').first()).toBeVisible();
  await shot(page, 'thick-2-relocated');
  const mappingFile = join(ARTIFACTS, 'relocation-mapping-thick.json');
  const mapping = JSON.parse(await download(page, page.getByRole('link', { name: 'Download relocation-mapping.json' }), mappingFile));
  await expectInRegistry(mapping);
  for (const target of Object.values(mapping)) expect(target).toMatch(new RegExp(`^${escape(prefix)}/`));

  // Check the downloaded mapping against the bundle: offline, then online.
  await page.getByRole('tab', { name: 'Check a mapping' }).click();
  await page.getByLabel('Choose the bundle').setInputFiles(state.thick);
  await page.getByLabel('Choose the mapping').setInputFiles(mappingFile);
  await expect(page.getByLabel('Mapping (JSON)')).toHaveValue(/griphook/);
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText('3 images: all ok (offline check of forge.tgz)');
  await page.getByLabel(/online/).check();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText('3 images: all ok (online check of forge.tgz)');
  await expect(page.locator('#check-verdicts tbody')).toContainText(images.hello.digest);
  await shot(page, 'check-1-online-ok');

  // A mapping pointing the pinned image at another image fails online, with the reason.
  const bad = { ...mapping, [images.hello.ref]: mapping[images.web.ref] };
  await page.getByLabel('Mapping (JSON)').fill(JSON.stringify(bad, null, 2));
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText('3 images: 1 FAIL (online check of forge.tgz)');
  const failed = page.locator('#check-verdicts tr.invalid');
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText(`the registry has ${images.web.digest}, the bundle pins ${images.hello.digest}`);
  await shot(page, 'check-2-fail');

  // Offline: a mapping that leaves an image out fails without asking any registry.
  const { [images.db.ref]: _left, ...partial } = mapping;
  await page.getByLabel('Mapping (JSON)').fill(JSON.stringify(partial, null, 2));
  await page.getByLabel(/online/).uncheck();
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText(/^3 images: 1 FAIL \(offline check of forge.tgz\)$/);
  await expect(page.locator('#check-verdicts tr.invalid')).toContainText(images.db.ref);
});

test('relocates a thick bundle dropped on the page, then checks it from the result', async ({ page }) => {
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await dropFile(page, '#thick-drop', state.thick, { name: 'forge.tgz', type: 'application/gzip' });
  await expectVerified(page);
  const prefix = `${internal.host}/dropped`;
  await relocate(page, prefix);
  const mapping = JSON.parse(await download(page, page.locator('#thick-download'), join(ARTIFACTS, 'relocation-mapping-dropped.json')));
  await expectInRegistry(mapping);
  await page.getByRole('button', { name: 'Check this mapping' }).click();
  await expect(page.getByRole('tab', { name: 'Check a mapping' })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await expect(page.locator('#check-summary')).toHaveText('3 images: all ok (offline check of forge.tgz)');
});

test('a corrupt thick bundle is refused with a clear message and nothing is pushed', async ({ page }) => {
  await openPage(page, 'thick');
  await dropFile(page, '#thick-drop', state.corrupt.path, { name: 'forge-corrupt.tgz' });
  const error = page.locator('#thick-error');
  await expect(error).toContainText('DIGEST_MISMATCH');
  await expect(error).toContainText(`blob ${state.corrupt.blob} in the bundle has content that hashes to sha256:`);
  await expect(error).toContainText('corrupt or tampered with');
  await expect(page.locator('#thick-status')).toContainText('was refused: nothing will be pushed');
  await expect(page.locator('#thick-images td[data-verified="false"]')).toHaveCount(3);
  await expect(page.locator('#thick-verify')).toHaveAttribute('data-state', 'error');
  await page.getByLabel('Bundle target prefix').fill(`${internal.host}/corrupt`);
  await expect(page.getByRole('button', { name: 'Relocate bundle' })).toBeDisabled();
  await shot(page, 'thick-3-corrupt');
  const catalog = await registryClient(internal).request('GET', '/v2/_catalog?n=1000');
  expect(catalog.status).toBe(200);
  expect(JSON.parse(catalog.body.toString()).repositories.filter((r) => r.startsWith('corrupt/'))).toEqual([]);

  // Not an archive at all.
  await dropFile(page, '#thick-drop', state.thin, { name: 'notes.tar' });
  await expect(error).toContainText(/ARCHIVE_INVALID|BUNDLE_INVALID/);
  await shot(page, 'thick-4-not-an-archive');
});

test('cancels a thick bundle relocation while its big layer streams; no tag is written', async ({ page }) => {
  const { slow } = state; // the target registry, behind a proxy that slows every upload chunk down
  await openPage(page, 'thick');
  await addCredentials(page, slow);
  await page.getByLabel('Choose an archive').setInputFiles(state.big.thick);
  await expect(page.locator('#thick-status')).toContainText('1 image verified', { timeout: 60_000 });
  const prefix = `${slow.host}/thick-cancel`;
  await page.getByLabel('Bundle target prefix').fill(prefix);
  await page.getByRole('button', { name: 'Relocate bundle' }).click();
  // Pass 2 has started streaming the layer into the registry.
  await expect.poll(() => page.evaluate(() => Math.max(0, ...[...document.querySelectorAll('#thick-progress .bar.layer progress')]
    .map((p) => (p.value < p.max ? p.value : 0)))), { timeout: 60_000, intervals: [50] }).toBeGreaterThan(0);
  await shot(page, 'thick-5-running');
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#thick-error')).toContainText('CANCELLED');
  await expect(page.locator('#thick-status')).toHaveText('Relocation cancelled.');
  await expect(page.getByRole('button', { name: 'Relocate bundle' })).toBeEnabled();
  await shot(page, 'thick-6-cancelled');
  const target = await page.locator('#thick-mapping tbody td').nth(1).textContent();
  const repo = target.slice(slow.host.length + 1, target.lastIndexOf(':'));
  expect(await listTags(internal, repo)).toEqual([]);
});
