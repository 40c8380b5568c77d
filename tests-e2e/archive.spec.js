// "Archive" with image archives (no bundle.json): a docker save tarball as Docker 25+ writes it (an
// OCI layout inside) and an OCI archive skopeo wrote, read and verified in the worker, their images
// pushed through the proxy into a registry with Basic auth, under a prefix or to a target typed in
// their row; the digests confirmed by the page and read back with skopeo; a defective docker save
// refused by name with nothing pushed.
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { load } from '../wasm/js/node.js';
import { sha256, skopeoInspectRaw } from '../tests/helpers/inspect.js';
import { registryClient } from '../tests/helpers/registry-client.js';
import { ARTIFACTS, addCredentials, download, dropFile, e2eState, openPage, shot } from './fixtures.js';

const state = e2eState();
const { archives, images, internal } = state;

async function repositories() {
  const r = await registryClient(internal).request('GET', '/v2/_catalog?n=1000');
  expect(r.status).toBe(200);
  return JSON.parse(r.body.toString()).repositories;
}

test('a docker save tarball dropped on the page: its two images listed with names and digests, pushed under a prefix, digests confirmed', async ({ page }) => {
  const saved = archives.dockerSave.images;
  await openPage(page, 'thick');
  await expect(page.getByRole('tab', { name: 'Archive' })).toHaveAttribute('aria-selected', 'true');
  await addCredentials(page, internal);
  await dropFile(page, '#thick-drop', archives.dockerSave.path, { name: 'docker-save.tar', type: 'application/x-tar' });
  await expect(page.locator('#thick-status')).toHaveText('docker-save.tar: 2 images verified (a docker save tarball). Choose their targets and push.');
  await expect(page.locator('#thick-verify')).toHaveAttribute('data-state', 'done');
  await expect(page.locator('#thick-report')).toBeHidden(); // not a bundle: no bundle mapping
  await expect(page.locator('#archive-title')).toHaveText('Images in docker-save.tar, a docker save tarball');
  const rows = page.locator('#archive-images tbody tr');
  await expect(rows).toHaveCount(2);
  for (const [n, image] of saved.entries()) {
    await expect(rows.nth(n).locator('td').first()).toContainText(image.names[0]);
    await expect(rows.nth(n).locator('td[data-digest]')).toHaveAttribute('data-digest', image.digest);
    await expect(rows.nth(n).locator('td[data-verified="true"]')).toHaveCount(1);
    await expect(rows.nth(n)).toContainText('linux/amd64');
  }
  await expect(page.locator('#archive-images-summary')).toContainText('2 images, every blob verified against its digest');

  // Each name mapped under the prefix as bundles and the Relocate images preview map it (irel.map).
  const prefix = `${internal.host}/saved`;
  await page.getByLabel('Archive target prefix').fill(prefix);
  const irel = await load();
  const targets = saved.map((i) => irel.mapReference(prefix, i.names[0]));
  for (const [n, target] of targets.entries()) {
    expect(target).toMatch(new RegExp(`^${prefix.replace(/[.]/g, '\\.')}/samples-(web|db)-[0-9a-f]{32}:(2\\.1|15)$`));
    await expect(rows.nth(n)).toHaveAttribute('data-target', target);
    await expect(rows.nth(n)).toContainText(`pushed as ${target} (mapped under the prefix)`);
  }
  await shot(page, 'archive-1-docker-save-listed');

  await page.getByRole('button', { name: 'Push images' }).click();
  await expect(page.locator('#thick-status')).toHaveText('Done: 2 images pushed from docker-save.tar.', { timeout: 60_000 });
  await expect(page.locator('#thick-error')).toBeHidden();
  await expect(page.locator('#archive-result-table td[data-preserved="true"]')).toHaveCount(2);
  for (const target of targets) await expect(page.locator('#archive-progress')).toContainText(`pushed as ${target}`);
  await shot(page, 'archive-2-docker-save-pushed');

  // The mapping names each image as the archive does; the target registry serves each with the
  // digest the archive holds (read by skopeo, not by irel).
  const mapping = JSON.parse(await download(page, page.getByRole('link', { name: 'Download relocation-mapping.json' }),
    join(ARTIFACTS, 'relocation-mapping-docker-save.json')));
  expect(mapping).toEqual(Object.fromEntries(saved.map((i, n) => [i.names[0], targets[n]])));
  for (const [n, image] of saved.entries()) {
    expect(sha256(await skopeoInspectRaw(targets[n], internal))).toBe(image.digest);
  }
});

test('an image of the archive unticked is not pushed: only the other goes, under the prefix', async ({ page }) => {
  const saved = archives.dockerSave.images;
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await dropFile(page, '#thick-drop', archives.dockerSave.path, { name: 'docker-save.tar', type: 'application/x-tar' });
  await expect(page.locator('#thick-status')).toContainText('2 images verified');
  const prefix = `${internal.host}/subset`;
  await page.getByLabel('Archive target prefix').fill(prefix);
  const rows = page.locator('#archive-images tbody tr');
  await page.getByLabel(`Push ${saved[1].names[0]}`).uncheck();
  await expect(rows.nth(1)).toContainText('not pushed');
  await expect(rows.nth(1)).toHaveClass(/skipped/);
  await page.getByRole('button', { name: 'Push images' }).click();
  await expect(page.locator('#thick-status')).toHaveText('Done: 1 image pushed from docker-save.tar.', { timeout: 60_000 });
  const pushed = (await repositories()).filter((r) => r.startsWith('subset/'));
  const irel = await load();
  expect(pushed).toEqual([irel.mapReference(prefix, saved[0].names[0]).replace(/^[^/]+\//, '').replace(/:[^:]+$/, '')]);
  // Nothing ticked: nothing to push.
  await page.getByLabel(`Push ${saved[0].names[0]}`).uncheck();
  await expect(page.getByRole('button', { name: 'Push images' })).toBeDisabled();
});

test('a docker save tarball of Docker 24 (layer tars, no manifest): converted in the page, said so, pushed with the config kept, the digest the page computed confirmed', async ({ page }) => {
  const { legacy } = archives;
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await dropFile(page, '#thick-drop', legacy.path, { name: 'docker24.tar', type: 'application/x-tar' });
  await expect(page.locator('#thick-status')).toContainText('1 image verified');
  await expect(page.locator('#archive-title')).toHaveText('Images in docker24.tar, a docker save tarball of Docker 24 or older (its images are converted, with new digests)');
  const row = page.locator('#archive-images tbody tr').first();
  const computed = await row.locator('td[data-digest]').getAttribute('data-digest');
  await page.getByLabel('Archive target prefix').fill(`${internal.host}/docker24`);
  await page.getByRole('button', { name: 'Push images' }).click();
  await expect(page.locator('#thick-status')).toHaveText('Done: 1 image pushed from docker24.tar.', { timeout: 60_000 });
  await expect(page.locator('#archive-result-table td[data-preserved="true"]')).toHaveCount(1);
  const target = await row.getAttribute('data-target');
  const raw = await skopeoInspectRaw(target, internal);
  expect(sha256(raw)).toBe(computed);
  const manifest = JSON.parse(raw.toString());
  expect(manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
  expect(manifest.config.digest).toBe(legacy.images[0].config);
  expect(manifest.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar.gzip')).toBe(true);
  await shot(page, 'archive-6-docker24-converted');
});

test('an OCI archive of a multi-arch index chosen with the file input: its image, named only by a tag, pushed to the target typed in its row', async ({ page }) => {
  const { oci } = archives;
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  await page.getByLabel('Choose an archive').setInputFiles(oci.path);
  await expect(page.locator('#thick-status')).toHaveText('hello-oci.tar: 1 image verified (an OCI archive). Choose its target and push.');
  const row = page.locator('#archive-images tbody tr');
  await expect(row).toHaveCount(1);
  await expect(row.locator('td[data-digest]')).toHaveAttribute('data-digest', oci.digest);
  await expect(row).toContainText('linux/amd64, linux/arm64');
  await expect(row.locator('td').first()).toHaveText(oci.name);

  // "1.0" is a tag, not a repository: no prefix can map it, a target must be typed.
  const input = page.getByLabel(`Target of ${oci.name}`);
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(row).toContainText(`the archive names it only "${oci.name}", not a repository: type its target`);
  await expect(page.getByRole('button', { name: 'Push images' })).toBeDisabled();
  const target = `${internal.host}/typed/hello:${oci.name}`;
  await input.fill(target);
  await expect(input).toHaveAttribute('aria-invalid', 'false');
  await expect(row).toContainText(`pushed as ${target}`);
  await expect(page.getByRole('button', { name: 'Push images' })).toBeEnabled();
  await shot(page, 'archive-3-oci-target-typed');

  await page.getByRole('button', { name: 'Push images' }).click();
  await expect(page.locator('#thick-status')).toHaveText('Done: 1 image pushed from hello-oci.tar.', { timeout: 60_000 });
  const result = page.locator('#archive-result-table tbody tr');
  await expect(result).toHaveCount(1);
  await expect(result.locator('td[data-preserved="true"]')).toHaveCount(1);
  await expect(result.locator('td[data-digest]').nth(1)).toHaveAttribute('data-digest', oci.digest);
  await shot(page, 'archive-4-oci-pushed');
  const mapping = JSON.parse(await download(page, page.locator('#archive-download'), join(ARTIFACTS, 'relocation-mapping-oci-archive.json')));
  expect(mapping).toEqual({ [oci.name]: target });

  // The registry serves the index itself (both platforms), with the archive's digest: skopeo kept
  // the original registry's index in the archive, so that is the original's digest too.
  const raw = await skopeoInspectRaw(target, internal);
  expect(sha256(raw)).toBe(oci.digest);
  expect(oci.digest).toBe(images.hello.digest);
  const index = JSON.parse(raw.toString());
  expect(index.manifests.map((m) => `${m.platform.os}/${m.platform.architecture}`).sort()).toEqual(['linux/amd64', 'linux/arm64']);
});

test('a docker save tarball with Docker 25.0\'s "manifests": null defect is refused with ARCHIVE_DEFECT and nothing is pushed', async ({ page }) => {
  const { defect } = archives;
  await openPage(page, 'thick');
  await addCredentials(page, internal);
  const before = await repositories();
  await dropFile(page, '#thick-drop', defect.path, { name: 'docker-save-defect.tar' });
  const error = page.locator('#thick-error');
  await expect(error).toContainText('The archive was refused:');
  await expect(error.locator('code')).toHaveText('ARCHIVE_DEFECT');
  await expect(error).toContainText('index.json of the archive lists its images as "manifests": null');
  await expect(error).toContainText('moby/moby#47210');
  await expect(page.locator('#thick-status')).toHaveText('docker-save-defect.tar was refused: nothing will be pushed from it.');
  await expect(page.locator('#thick-verify')).toHaveAttribute('data-state', 'error');
  // No images to choose targets for, nothing to push.
  await expect(page.locator('#archive-report')).toBeHidden();
  await expect(page.getByRole('button', { name: 'Push images' })).toHaveCount(0);
  await shot(page, 'archive-5-defect-refused');
  expect(await repositories()).toEqual(before);
});
