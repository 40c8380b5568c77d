// Keyboard use and labels: tabs move with the arrow keys, every control has a label, focus is
// visible, and the layout holds on a phone-sized screen.
import { expect, test } from '@playwright/test';

import { dropFiles, openPage, shot } from './fixtures.js';

test('tabs work from the keyboard and every control is labelled', async ({ page }) => {
  await openPage(page, 'relocate');
  const relocateTab = page.getByRole('tab', { name: 'Relocate images' });
  await relocateTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Archive' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Archive' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-thick')).toBeVisible();
  await expect(page.locator('#panel-relocate')).toBeHidden();
  await page.keyboard.press('End');
  await expect(page.getByRole('tab', { name: 'Manifests' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#panel-manifests')).toBeVisible();
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByRole('tab', { name: 'Check a mapping' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowRight'); // wraps around
  await expect(relocateTab).toHaveAttribute('aria-selected', 'true');
  expect(new URL(page.url()).hash).toBe('#relocate');

  // Every input, select and textarea has a <label for> (file inputs included).
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter((el) => !el.id || !document.querySelector(`label[for="${el.id}"]`)).map((el) => el.outerHTML));
  expect(unlabelled).toEqual([]);

  // The file input behind "Choose an archive" takes keyboard focus, with a visible outline on its label.
  await page.getByRole('tab', { name: 'Archive' }).click();
  await page.getByRole('tab', { name: 'Archive' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('#thick-file')).toBeFocused();
  const outline = await page.locator('label[for="thick-file"]').evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');
  await shot(page, 'a11y-focus-file-input');

  // The same in the Manifests tab: its two file inputs (files, a chart folder) in turn.
  await page.getByRole('tab', { name: 'Manifests' }).click();
  await page.getByRole('tab', { name: 'Manifests' }).focus();
  await page.keyboard.press('Tab');
  await expect(page.locator('#manifests-files')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.locator('#manifests-folder')).toBeFocused();
  expect(await page.locator('label[for="manifests-folder"]').evaluate((el) => getComputedStyle(el).outlineStyle)).toBe('solid');
});

test('the page fits a phone-sized screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  for (const tab of ['relocate', 'thick', 'check', 'manifests']) {
    await openPage(page, tab);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await expect(page.getByRole('tab', { selected: true })).toHaveAttribute('id', `tab-${tab}`);
    await shot(page, `mobile-${tab}`);
  }
  // A rewrite's tables and side-by-side diff scroll within themselves, not the page.
  await page.getByLabel('Manifests target prefix').fill('registry.example.com/team');
  await dropFiles(page, '#manifests-drop', [{ name: 'app.yaml',
    text: 'kind: Pod\nspec:\n  containers:\n    - name: app\n      image: ghcr.io/acme/a-rather-long-repository-name/app:1.2.3\n' }]);
  await page.getByRole('button', { name: 'Rewrite' }).click();
  await expect(page.locator('#manifests-diff tr[data-kind="changed"]')).toHaveCount(1);
  expect(await overflow()).toBeLessThanOrEqual(0);
  await shot(page, 'mobile-manifests-rewritten');
});
