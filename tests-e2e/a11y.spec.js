// Keyboard use and labels: tabs move with the arrow keys, every control has a label, focus is
// visible, and the layout holds on a phone-sized screen.
import { expect, test } from '@playwright/test';

import { openPage, shot } from './fixtures.js';

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
  await expect(page.getByRole('tab', { name: 'Check a mapping' })).toHaveAttribute('aria-selected', 'true');
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
});

test('the page fits a phone-sized screen', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const tab of ['relocate', 'thick', 'check']) {
    await openPage(page, tab);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expect(page.getByRole('tab', { selected: true })).toHaveAttribute('id', `tab-${tab}`);
    await shot(page, `mobile-${tab}`);
  }
});
