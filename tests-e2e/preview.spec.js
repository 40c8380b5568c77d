// The page loads the WebAssembly module in Chromium and previews relocated names as you type.
import { expect, test } from '@playwright/test';

const PREFIX = 'registry.internal.acme.com/smith';

test.beforeEach(async ({ page }) => {
  await page.goto('/web/');
  await expect(page.locator('body[data-ready="true"]')).toBeVisible();
});

test('previews the README example', async ({ page }) => {
  const rows = page.locator('#preview tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0).locator('td').nth(1)).toHaveText(`${PREFIX}/istio-proxyv2-f93a2cacc6cafa0474a2d6990a4dd1a0`);
  await expect(rows.nth(1).locator('td').nth(1))
    .toHaveText(`${PREFIX}/projectriff-builder-a4a25a99d48adad8310050be267a10ce:v1`);
  await page.screenshot({ path: 'tests-e2e/artifacts/preview-readme.png', fullPage: true });
});

test('marks invalid references with the reason', async ({ page }) => {
  await page.getByLabel('Image references, one per line').fill('busybox\nNot/Valid\nfoo:-tag');
  const rows = page.locator('#preview tbody tr');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(1)).toHaveClass('invalid');
  await expect(rows.nth(1)).toContainText('must be lowercase');
  await expect(rows.nth(2)).toContainText('tag "-tag"');
  await expect(page.locator('#summary')).toHaveText('3 references, 2 invalid');
  await page.screenshot({ path: 'tests-e2e/artifacts/preview-invalid.png', fullPage: true });
});

test('rejects an invalid prefix', async ({ page }) => {
  await page.getByLabel('Repository prefix').fill('Bad Prefix/');
  await expect(page.locator('#prefix-error')).toContainText('invalid repository prefix');
  await expect(page.getByLabel('Repository prefix')).toHaveAttribute('aria-invalid', 'true');
  await page.screenshot({ path: 'tests-e2e/artifacts/preview-bad-prefix.png', fullPage: true });
});
