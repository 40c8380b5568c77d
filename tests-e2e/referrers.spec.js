// "Relocate images" with referrers: an image signed in its registry (a notation signature with a
// subject, listed under the fallback tag, and a cosign ".sig" tag) relocated through the page.
// Its signatures are items of their own in the progress and the result, and the target registry
// then holds them (read with plain API calls, not irel); with the box unchecked none is copied;
// into a registry that refuses referrer manifests (ECR), the image is relocated and the refusal
// shown with its error.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { getManifest, listTags, registryHas } from '../tests/helpers/inspect.js';
import { pushCosignTag, pushReferrer, putFallbackIndex, TYPES } from '../tests/helpers/referrers.js';
import { pushImage } from '../tests/helpers/seed.js';
import { addCredentials, dropFile, e2eState, openPage, shot } from './fixtures.js';

const state = e2eState();
const { internal, upstream } = state;
const fallbackTag = (digest) => digest.replace(':', '-');

let image; // { ref, digest }
let sig; // the notation signature (a manifest with a subject)
let cosign; // cosign's tag "sha256-HEX.sig"
test.beforeAll(async () => {
  const pushed = await pushImage(upstream, 'samples/notarized:v1', { layers: [700, 900] });
  image = pushed;
  const subject = { digest: pushed.digest, size: pushed.size, mediaType: pushed.mediaType };
  sig = await pushReferrer(upstream, 'samples/notarized', { subject, artifactType: TYPES.notation, layerType: 'application/jose+json',
    payload: 'notation signature' });
  await putFallbackIndex(upstream, 'samples/notarized', pushed, [sig]);
  cosign = await pushCosignTag(upstream, 'samples/notarized', pushed, '.sig', TYPES.simpleSigning);
});

test.beforeEach(async ({ page }) => {
  await openPage(page, 'relocate');
});

/** Relocates the signed image under `prefix` (credentials for `registry`); resolves its target repository there. */
async function relocate(page, registry, prefix, { referrers }) {
  await addCredentials(page, registry);
  const box = page.getByRole('checkbox', { name: 'Copy signatures, attestations and SBOMs (referrers)' });
  await expect(box, 'checked by default').toBeChecked();
  if (!referrers) await box.uncheck();
  await page.getByLabel('Repository prefix', { exact: true }).fill(prefix);
  await page.getByLabel('Image references, one per line').fill(image.ref);
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText(/^Done/, { timeout: 60_000 });
  await expect(page.locator('#relocate-result-table td[data-preserved="true"]')).toHaveCount(1);
  const target = (await page.locator('#relocate-result-table tbody tr:not(.referrers) td').nth(1).textContent()).trim();
  return target.slice(target.indexOf('/') + 1, target.lastIndexOf(':'));
}

const cases = [
  ['copies the signature and cosign\'s tag with the image: items of their own in progress and result; the target has them',
    () => [internal, `${internal.host}/signed`, { referrers: true }],
    async (page, repo) => {
      await expect(page.locator('#relocate-status')).toHaveText('Done: 1 image relocated, with 2 referrers.');
      const items = page.getByRole('list', { name: `Referrers of ${image.ref}` }).getByRole('listitem');
      await expect(items).toHaveCount(2);
      await expect(page.locator(`#relocate-progress li[data-referrer="${sig.digest}"]`)).toHaveText(
        `notation signature ${sig.digest.slice(0, 19)}… of ${image.digest.slice(0, 19)}…: copied`);
      await expect(page.locator(`#relocate-progress li[data-referrer="${cosign.digest}"]`)).toHaveText(
        new RegExp(`^cosign signature ${cosign.digest.slice(0, 19)}… of .*: copied as tag ${fallbackTag(image.digest)}\\.sig$`));
      await expect(page.locator('#relocate-progress .group .group-status')).toHaveText(/^relocated as .*; 2 referrers copied$/);
      const row = page.locator('#relocate-result-table tr.referrers');
      await expect(row).toHaveAttribute('data-copied', '2');
      await expect(row).toHaveAttribute('data-failed', '0');
      await expect(row).toHaveText('↳ 2 referrers copied (signatures, attestations, SBOMs)');
      await expect(page.locator('#relocate-result-summary')).toContainText('2 referrers copied.');
      // The target, asked directly: the signature by digest, listed under the fallback tag; cosign's tag.
      expect(await registryHas(internal, repo, sig.digest, { creds: internal.creds })).toBe(true);
      const listed = JSON.parse((await getManifest(internal, repo, fallbackTag(image.digest), { creds: internal.creds })).bytes.toString());
      expect(listed.manifests.map((d) => d.digest)).toEqual([sig.digest]);
      expect((await getManifest(internal, repo, `${fallbackTag(image.digest)}.sig`, { creds: internal.creds })).digest).toBe(cosign.digest);
    }],
  ['with the box unchecked, copies none and shows none',
    () => [internal, `${internal.host}/unsigned`, { referrers: false }],
    async (page, repo) => {
      await expect(page.locator('#relocate-status')).toHaveText('Done: 1 image relocated.');
      await expect(page.locator('#relocate-progress ul.referrers')).toHaveCount(0);
      await expect(page.locator('#relocate-result-table tr.referrers')).toHaveCount(0);
      await expect(page.locator('#relocate-result-summary')).not.toContainText('referrer');
      expect(await registryHas(internal, repo, sig.digest, { creds: internal.creds })).toBe(false);
      expect(await listTags(internal, repo, { creds: internal.creds })).toEqual(['v1']);
    }],
  ['into a registry refusing referrer manifests (ECR): the image relocated, the signature listed as not copied with its error',
    () => [state.dialects.ecr, `${state.dialects.ecr.host}/refused`, { referrers: true }],
    async (page, repo) => {
      await expect(page.locator('#relocate-status')).toHaveText('Done: 1 image relocated, with 1 referrer; 1 referrer not copied.');
      const refused = page.locator(`#relocate-progress li[data-referrer="${sig.digest}"]`);
      await expect(refused).toHaveAttribute('data-state', 'failed');
      await expect(refused).toContainText(': not copied: UNSUPPORTED: target registry');
      const row = page.locator('#relocate-result-table tr.referrers');
      await expect(row).toHaveAttribute('data-failed', '1');
      await expect(row).toContainText('↳ 1 referrer copied (signatures, attestations, SBOMs), 1 not copied');
      await expect(row.getByRole('list', { name: `Referrers of ${image.ref} not copied` }).getByRole('listitem')).toHaveText(
        new RegExp(`^notation signature ${sig.digest} of ${image.digest} not copied: UNSUPPORTED: target registry .* answered 405 .*`));
      expect(await registryHas(internal, repo, image.digest, { creds: internal.creds })).toBe(true);
      expect(await registryHas(internal, repo, sig.digest, { creds: internal.creds })).toBe(false);
    }],
];

for (const [name, setup, check] of cases) {
  test(name, async ({ page }) => {
    const [registry, prefix, options] = setup();
    const repo = await relocate(page, registry, prefix, options);
    await check(page, repo);
    await shot(page, `referrers-${prefix.split('/').pop()}`);
  });
}

const plans = [
  ['counts the referrers that would come along', true, '2 referrers (signatures, attestations, SBOMs) to copy', '2'],
  ['with the box unchecked, counts none', false, null, undefined],
];
for (const [name, referrers, text, count] of plans) {
  test(`plans a relocation (a dry run) and ${name}`, async ({ page }) => {
    await addCredentials(page, internal);
    if (!referrers) await page.getByRole('checkbox', { name: 'Copy signatures, attestations and SBOMs (referrers)' }).uncheck();
    await page.getByLabel('Repository prefix', { exact: true }).fill(`${internal.host}/planned`);
    await page.getByLabel('Image references, one per line').fill(image.ref);
    await page.getByRole('button', { name: 'Plan', exact: true }).click();
    await expect(page.locator('#relocate-status')).toHaveText('Planned 1 image: nothing was written.', { timeout: 60_000 });
    const row = page.locator('#relocate-plan-table tbody tr');
    if (text) {
      await expect(page.locator('#relocate-plan-summary')).toContainText(text);
      await expect(row).toHaveAttribute('data-referrers', count);
    } else {
      await expect(page.locator('#relocate-plan-summary')).not.toContainText('referrer');
      expect(await row.getAttribute('data-referrers')).toBeNull();
    }
  });
}

test('a dropped bundle.json\'s signed image brings its referrers, shown as on a typed list', async ({ page }) => {
  const bundle = join(state.tmp, 'notarized.json');
  writeFileSync(bundle, JSON.stringify({ name: 'notarized', version: '1.0.0', images: { app: { imageType: 'oci', image: image.ref, contentDigest: image.digest } } }));
  await addCredentials(page, internal);
  await page.getByLabel('Repository prefix', { exact: true }).fill(`${internal.host}/fromjson`);
  await dropFile(page, '#refs-drop', bundle, { name: 'notarized.json', type: 'application/json' });
  await expect(page.locator('#refs-source')).toContainText('bundle notarized 1.0.0');
  await page.getByRole('button', { name: 'Relocate', exact: true }).click();
  await expect(page.locator('#relocate-status')).toHaveText('Done: 1 image relocated, with 2 referrers.', { timeout: 60_000 });
  await expect(page.locator('#relocate-progress ul.referrers li[data-state="done"]')).toHaveCount(2);
  await expect(page.locator('#relocate-result-table tr.referrers')).toHaveAttribute('data-copied', '2');
  const target = (await page.locator('#relocate-result-table tbody tr:not(.referrers) td').nth(1).textContent()).trim();
  const repo = target.slice(target.indexOf('/') + 1, target.lastIndexOf(':'));
  expect(await registryHas(internal, repo, sig.digest, { creds: internal.creds })).toBe(true);
});
