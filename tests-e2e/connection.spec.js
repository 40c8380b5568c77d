// The Connection panel: credentials are saved under the registry name the library looks them up
// by, whatever URL or Docker Hub spelling was typed, and never shown again.
import { expect, test } from '@playwright/test';

import { openPage } from './fixtures.js';

const cases = [
  ['https://Registry.Example.com:5000/v2/', 'registry.example.com:5000'],
  ['index.docker.io', 'docker.io'],
  ['https://registry-1.docker.io/v2/', 'docker.io'],
  ['localhost:5000', 'localhost:5000'],
];

test('saves credentials under the registry name the library uses', async ({ page }) => {
  await openPage(page, 'relocate');
  await page.locator('#connection summary').click();
  for (const [typed, key] of cases) {
    await page.getByLabel('Registry (host[:port])').fill(typed);
    await page.getByLabel('Username', { exact: true }).fill('u');
    await page.getByLabel('Password', { exact: true }).fill('secret-p4ss');
    await page.getByRole('button', { name: 'Save credentials' }).click();
    await expect(page.locator('#cred-list li').last()).toHaveText(`${key}: user u, password (hidden) Remove`);
    await page.getByRole('button', { name: `Remove credentials for ${key}` }).click();
  }
  await page.getByLabel('Registry (host[:port])').fill('bad host');
  await page.getByLabel('Password', { exact: true }).fill('x');
  await page.getByRole('button', { name: 'Save credentials' }).click();
  await expect(page.locator('#cred-error')).toContainText('Enter the registry as host[:port]');
  expect(await page.content()).not.toContain('secret-p4ss');
});
